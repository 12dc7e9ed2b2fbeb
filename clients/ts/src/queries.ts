// Typed REST queries of x/compute, x/sensors, x/oracle and x/rewards (no cosmjs: a page that
// only reads the chain loads only this).
import { createRegistry } from "@bufbuild/protobuf";
import type { DescFile, Registry as PbRegistry } from "@bufbuild/protobuf";
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

/** The four modules' tx.proto files: their Msg services list every message. */
export const txFiles: DescFile[] = [file_thalamus_compute_v1_tx, file_thalamus_sensors_v1_tx, file_thalamus_oracle_v1_tx, file_thalamus_rewards_v1_tx];

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

