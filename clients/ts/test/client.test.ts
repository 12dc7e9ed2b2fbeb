import { create, fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { msg, msgTypes, queryClient, thalamusRegistry } from "../src/index.js";
import { requestUrl, RestError } from "../src/rest.js";
import { MsgCreateLeaseSchema } from "../src/gen/thalamus/compute/v1/tx_pb.js";
import { Query as SensorsQuery } from "../src/gen/thalamus/sensors/v1/query_pb.js";
import { Query as ComputeQuery } from "../src/gen/thalamus/compute/v1/query_pb.js";
import { BatchStatus } from "../src/gen/thalamus/sensors/v1/types_pb.js";

describe("transactions", () => {
  it("registers every Msg of the four modules", () => {
    const urls = msgTypes.map(([u]) => u);
    expect(urls).toContain("/thalamus.compute.v1.MsgCreateLease");
    expect(urls).toContain("/thalamus.sensors.v1.MsgCommitBatch");
    expect(urls).toContain("/thalamus.rewards.v1.MsgClaimRewards");
    expect(urls).toContain("/thalamus.oracle.v1.MsgUpdateParams");
    expect(urls.length).toBe(28);
  });

  it("encodes a message as cosmjs signs it, and decodes it back", () => {
    const registry = thalamusRegistry();
    const m = msg(MsgCreateLeaseSchema, { tenant: "thalamus1abc", class: "h100", gpus: 2, deposit: { denom: "uthal", amount: "1000" } });
    const any = registry.encodeAsAny(m);
    expect(any.typeUrl).toBe("/thalamus.compute.v1.MsgCreateLease");
    const back = fromBinary(MsgCreateLeaseSchema, any.value);
    expect(back.tenant).toBe("thalamus1abc");
    expect(back.gpus).toBe(2);
    expect(registry.decode(any).class).toBe("h100");
  });
});

describe("REST queries from the protos' http rules", () => {
  const method = (s: any, name: string) => s.methods.find((m: any) => m.name === name);
  it("fills path templates and puts the rest in the query string", () => {
    expect(requestUrl(method(SensorsQuery, "Batch"), { deviceId: 3n, seq: 9n }, "http://n:1317/")).toBe(
      "http://n:1317/thalamus/sensors/v1/devices/3/batches/9",
    );
    expect(requestUrl(method(SensorsQuery, "Batches"), { deviceId: 3n, pagination: { limit: 5n, reverse: true } }, "http://n")).toBe(
      "http://n/thalamus/sensors/v1/devices/3/batches?pagination.limit=5&pagination.reverse=true",
    );
    expect(requestUrl(method(ComputeQuery, "Market"), {}, "http://n")).toBe("http://n/thalamus/compute/v1/market");
    expect(requestUrl(method(ComputeQuery, "Market"), { class: "h100" }, "http://n")).toBe("http://n/thalamus/compute/v1/market/h100");
    expect(() => requestUrl(method(SensorsQuery, "Batch"), {}, "http://n")).toThrow();
  });

  it("decodes the node's JSON into typed messages and reports its errors", async () => {
    const answers: Record<string, [number, unknown]> = {
      "http://n/thalamus/sensors/v1/devices/1/batches/2": [200, {
        batch: { device_id: "1", seq: "2", root: "AAEC", count: 100, status: "BATCH_STATUS_SCORED", score: 9500, flags: [], unknown_later_field: 1 },
      }],
      "http://n/thalamus/sensors/v1/devices/9": [404, { code: 5, message: "device 9: not found", details: [] }],
    };
    const fetch = (async (url: string) => {
      const [status, body] = answers[url] ?? [500, {}];
      return new Response(JSON.stringify(body), { status });
    }) as typeof globalThis.fetch;
    const q = queryClient({ baseUrl: "http://n", fetch });
    const { batch } = await q.sensors.batch({ deviceId: 1n, seq: 2n });
    expect(batch?.seq).toBe(2n);
    expect(batch?.status).toBe(BatchStatus.SCORED);
    expect(batch?.root).toEqual(new Uint8Array([0, 1, 2]));
    await expect(q.sensors.device({ deviceId: 9n })).rejects.toMatchObject({ status: 404, code: 5 });
    await expect(q.sensors.device({ deviceId: 9n })).rejects.toBeInstanceOf(RestError);
  });
});

describe("enum filters", () => {
  it("go in the query string as numbers, which the gateway parses for gogoproto enums", async () => {
    const { Query: OracleQuery } = await import("../src/gen/thalamus/oracle/v1/query_pb.js");
    const { TaskStatus } = await import("../src/gen/thalamus/oracle/v1/types_pb.js");
    const m = OracleQuery.methods.find((x) => x.name === "Tasks")!;
    expect(requestUrl(m, { status: TaskStatus.OPEN }, "http://n")).toBe("http://n/thalamus/oracle/v1/tasks?status=1");
  });
});
