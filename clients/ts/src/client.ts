// The Thalamus client: typed REST queries of the four modules and transactions signed with
// cosmjs, the chain's messages registered.
import { create, createRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescFile, DescMessage, MessageInitShape, Registry as PbRegistry } from "@bufbuild/protobuf";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import type { GenMessage } from "@bufbuild/protobuf/codegenv2";
import { Registry } from "@cosmjs/proto-signing";
import type { EncodeObject, GeneratedType, OfflineSigner } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient, defaultRegistryTypes } from "@cosmjs/stargate";
import type { SigningStargateClientOptions } from "@cosmjs/stargate";

import { Query as ComputeQuery, file_thalamus_compute_v1_query } from "./gen/thalamus/compute/v1/query_pb.js";
import { file_thalamus_compute_v1_tx } from "./gen/thalamus/compute/v1/tx_pb.js";
import { file_thalamus_compute_v1_events } from "./gen/thalamus/compute/v1/events_pb.js";
import { Query as OracleQuery, file_thalamus_oracle_v1_query } from "./gen/thalamus/oracle/v1/query_pb.js";
import { file_thalamus_oracle_v1_tx } from "./gen/thalamus/oracle/v1/tx_pb.js";
import { file_thalamus_oracle_v1_events } from "./gen/thalamus/oracle/v1/events_pb.js";
import { Query as RewardsQuery, file_thalamus_rewards_v1_query } from "./gen/thalamus/rewards/v1/query_pb.js";
import { file_thalamus_rewards_v1_tx } from "./gen/thalamus/rewards/v1/tx_pb.js";
import { file_thalamus_rewards_v1_events } from "./gen/thalamus/rewards/v1/events_pb.js";
import { Query as SensorsQuery, file_thalamus_sensors_v1_query } from "./gen/thalamus/sensors/v1/query_pb.js";
import { file_thalamus_sensors_v1_tx } from "./gen/thalamus/sensors/v1/tx_pb.js";
import { file_thalamus_sensors_v1_events } from "./gen/thalamus/sensors/v1/events_pb.js";
import { restClient } from "./rest.js";
import type { RestClient, RestOptions } from "./rest.js";

/** The chain's address prefix and base denomination. */
export const BECH32_PREFIX = "thalamus";
export const DENOM = "uthal";

const txFiles: DescFile[] = [file_thalamus_compute_v1_tx, file_thalamus_sensors_v1_tx, file_thalamus_oracle_v1_tx, file_thalamus_rewards_v1_tx];

/** Every generated Thalamus type (queries, messages, events), to resolve Any values. */
export const typeRegistry: PbRegistry = createRegistry(
  ...txFiles,
  file_thalamus_compute_v1_query, file_thalamus_sensors_v1_query, file_thalamus_oracle_v1_query, file_thalamus_rewards_v1_query,
  file_thalamus_compute_v1_events, file_thalamus_sensors_v1_events, file_thalamus_oracle_v1_events, file_thalamus_rewards_v1_events,
);

export interface ThalamusQueries {
  compute: RestClient<(typeof ComputeQuery)["method"]>;
  sensors: RestClient<(typeof SensorsQuery)["method"]>;
  oracle: RestClient<(typeof OracleQuery)["method"]>;
  rewards: RestClient<(typeof RewardsQuery)["method"]>;
}

/**
 * Typed REST queries of x/compute, x/sensors, x/oracle and x/rewards, e.g.
 * `await q.compute.lease({ id: 1n })` or `await q.sensors.batches({ deviceId: 1n })`.
 */
export function queryClient(opts: RestOptions): ThalamusQueries {
  const o = { registry: typeRegistry, ...opts };
  return {
    compute: restClient(ComputeQuery, o),
    sensors: restClient(SensorsQuery, o),
    oracle: restClient(OracleQuery, o),
    rewards: restClient(RewardsQuery, o),
  } as ThalamusQueries;
}

/** A generated message type as cosmjs' Registry takes one (protobuf-es underneath). */
export function cosmjsType<D extends DescMessage>(schema: D): GeneratedType {
  return {
    fromPartial: (value: object) => create(schema, value as never),
    encode: (message: never, writer: BinaryWriter = new BinaryWriter()) => writer.raw(toBinary(schema, message)),
    decode: (input: Uint8Array | { buf: Uint8Array }) => fromBinary(schema, input instanceof Uint8Array ? input : input.buf),
  } as unknown as GeneratedType;
}

/** Every Msg of the four modules (the Msg service's inputs), by type URL. */
export const msgTypes: ReadonlyArray<[string, GeneratedType]> = txFiles.flatMap((f) =>
  f.services.flatMap((s) => s.methods.map((m) => [`/${m.input.typeName}`, cosmjsType(m.input)] as [string, GeneratedType])),
);

/** A cosmjs registry with the SDK's default messages and Thalamus's. */
export function thalamusRegistry(): Registry {
  return new Registry([...defaultRegistryTypes, ...msgTypes]);
}

/** A message ready for signAndBroadcast: `msg(MsgCreateLeaseSchema, { tenant, ... })`. */
export function msg<D extends GenMessage<any>>(schema: D, value: MessageInitShape<D>): EncodeObject {
  return { typeUrl: `/${schema.typeName}`, value: create(schema, value) };
}

/**
 * A cosmjs signing client over the node's CometBFT RPC with Thalamus's messages registered;
 * fees come from gasPrice (default 0uthal, as localnets run) and simulated gas.
 */
export async function connectSigner(
  rpcUrl: string,
  signer: OfflineSigner,
  options: SigningStargateClientOptions = {},
): Promise<SigningStargateClient> {
  return SigningStargateClient.connectWithSigner(rpcUrl, signer, {
    registry: thalamusRegistry(),
    gasPrice: GasPrice.fromString(`0${DENOM}`),
    ...options,
  });
}
