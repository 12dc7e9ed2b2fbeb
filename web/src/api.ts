// Where the console reads the chain: the node's REST (typed Thalamus queries through the
// client, a few SDK endpoints by hand) and its CometBFT RPC (blocks, transaction search).
import { queryClient } from "@client/queries";
import type { ThalamusQueries } from "@client/queries";

export interface DevKey {
  name: string;
  mnemonic: string;
}

export interface Config {
  rest: string;
  rpc: string;
  chainId: string;
  /** Public development keys, served only by a localnet (config.yml accounts). */
  devKeys: DevKey[];
  /** Fetch batches from loopback and private addresses: a devnet's explicit choice. */
  allowPrivateBatchHosts: boolean;
}

const defaults: Config = { rest: "http://127.0.0.1:1317", rpc: "http://127.0.0.1:26657", chainId: "", devKeys: [], allowPrivateBatchHosts: false };

export let config: Config = defaults;
export let q: ThalamusQueries = queryClient({ baseUrl: defaults.rest });

/** Reads /config.json (written by whoever serves the console), else localnet defaults. */
export async function loadConfig(): Promise<void> {
  try {
    const res = await fetch("/config.json", { cache: "no-store" });
    if (res.ok) config = { ...defaults, ...(await res.json()) };
  } catch {
    /* served without a config: localnet defaults */
  }
  const params = new URLSearchParams(location.search);
  config.rest = params.get("rest") ?? config.rest;
  config.rpc = params.get("rpc") ?? config.rpc;
  q = queryClient({ baseUrl: config.rest });
  if (!config.chainId) config.chainId = (await latestBlock()).chainId;
}

async function getJSON<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  return res.json() as Promise<T>;
}

export interface BlockInfo {
  height: number;
  time: Date;
  chainId: string;
  proposer: string;
}

export async function latestBlock(): Promise<BlockInfo> {
  return block("latest");
}

export async function block(height: number | "latest"): Promise<BlockInfo> {
  const r = await getJSON<{ block: { header: { height: string; time: string; chain_id: string; proposer_address: string } } }>(
    `${config.rest}/cosmos/base/tendermint/v1beta1/blocks/${height}`,
  );
  const hd = r.block.header;
  return { height: Number(hd.height), time: new Date(hd.time), chainId: hd.chain_id, proposer: hd.proposer_address };
}

export interface Validator {
  operator_address: string;
  description: { moniker: string };
  tokens: string;
  status: string;
  jailed: boolean;
  commission: { commission_rates: { rate: string } };
}

export async function validators(): Promise<Validator[]> {
  return (await getJSON<{ validators: Validator[] }>(`${config.rest}/cosmos/staking/v1beta1/validators?pagination.limit=200`)).validators;
}

export async function balances(address: string): Promise<{ denom: string; amount: string }[]> {
  return (await getJSON<{ balances: { denom: string; amount: string }[] }>(`${config.rest}/cosmos/bank/v1beta1/balances/${address}`)).balances;
}

export interface TxEvent {
  height: number;
  hash: string;
  type: string;
  attributes: Record<string, string>;
}

/** Transactions whose events match query (CometBFT syntax), newest first, with the matching event type's events. */
export async function txEvents(eventType: string, key: string, value: string): Promise<TxEvent[]> {
  const query = `${eventType}.${key}='${value}'`;
  const r = await getJSON<{ result: { txs: { hash: string; height: string; tx_result: { events: { type: string; attributes: { key: string; value: string }[] }[] } }[] } }>(
    `${config.rpc}/tx_search?query=${encodeURIComponent(JSON.stringify(query))}&order_by=${encodeURIComponent('"desc"')}&per_page=50`,
  );
  return r.result.txs.flatMap((tx) =>
    tx.tx_result.events
      .filter((e) => e.type === eventType && e.attributes.some((a) => a.key === key && a.value === value))
      .map((e) => ({ height: Number(tx.height), hash: tx.hash, type: eventType, attributes: Object.fromEntries(e.attributes.map((a) => [a.key, a.value])) })),
  );
}
