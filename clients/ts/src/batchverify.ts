// Sensor data checked against the chain in TypeScript, as pkg/batchverify does in Go: a served
// batch must be exactly the committed one (count, device, time bounds, RFC 9162 Merkle root
// over the readings' canonical leaves) and every reading signed by the device key. Vectors
// written by the Go code (test/vectors.json) keep the two in step.
import { fromBinary } from "@bufbuild/protobuf";
import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { ReadingListSchema } from "./gen/thalamus/reading/v1/reading_pb.js";
import type { Reading } from "./gen/thalamus/reading/v1/reading_pb.js";

/** What the chain holds of a batch (x/sensors' Batch has these fields). */
export interface Commitment {
  deviceId: bigint;
  count: number;
  root: Uint8Array;
  uri: string;
  firstReadingMs: bigint;
  lastReadingMs: bigint;
}

/**
 * The ed25519 rules a batch's signatures are checked under, as x/sensors chooses them by the
 * batch's commit height (Params.zip215_height): Go's crypto/ed25519 or ZIP-215.
 */
export type SignatureRules = "stdlib" | "zip215";

/** Why a batch or reading failed: it does not match the commitment, or a signature is bad. */
export class VerifyError extends Error {
  constructor(
    readonly kind: "root_mismatch" | "bad_signature" | "unavailable",
    message: string,
    /** The failing reading's index in the batch, when one is to blame. */
    readonly index?: number,
  ) {
    super(message);
    this.name = "VerifyError";
  }
}

const MAGIC = [0x54, 0x48, 0x52, 0x31]; // "THR1"
const HEADER = 4 + 8 + 8 + 8 + 2;
const SIGNATURE = 64;

/** The canonical encoding a device signs: "THR1" | device | sequence | ms | n | values, big-endian. */
export function signBytes(r: Pick<Reading, "deviceId" | "sequence" | "timestampMs" | "values">): Uint8Array {
  const out = new Uint8Array(HEADER + 8 * r.values.length);
  const v = new DataView(out.buffer);
  out.set(MAGIC, 0);
  v.setBigUint64(4, BigInt.asUintN(64, r.deviceId));
  v.setBigUint64(12, BigInt.asUintN(64, r.sequence));
  v.setBigUint64(20, BigInt.asUintN(64, r.timestampMs));
  v.setUint16(28, r.values.length);
  r.values.forEach((x, i) => v.setFloat64(HEADER + 8 * i, x));
  return out;
}

/** A reading's Merkle leaf: its canonical encoding followed by its signature. */
export function leaf(r: Reading): Uint8Array {
  const sb = signBytes(r);
  const out = new Uint8Array(sb.length + r.signature.length);
  out.set(sb);
  out.set(r.signature, sb.length);
  return out;
}

/** Parses a leaf back into a reading (the inverse of leaf). */
export function decodeLeaf(bz: Uint8Array): Reading {
  if (bz.length < HEADER + SIGNATURE || MAGIC.some((b, i) => bz[i] !== b)) {
    throw new VerifyError("root_mismatch", `malformed leaf: ${bz.length} bytes without the THR1 header and signature`);
  }
  const v = new DataView(bz.buffer, bz.byteOffset, bz.byteLength);
  const n = v.getUint16(28);
  if (bz.length !== HEADER + 8 * n + SIGNATURE) {
    throw new VerifyError("root_mismatch", `malformed leaf: ${n} values need ${HEADER + 8 * n + SIGNATURE} bytes, got ${bz.length}`);
  }
  return {
    $typeName: "thalamus.reading.v1.Reading",
    deviceId: v.getBigUint64(4),
    sequence: v.getBigUint64(12),
    timestampMs: v.getBigInt64(20),
    values: Array.from({ length: n }, (_, i) => v.getFloat64(HEADER + 8 * i)),
    signature: bz.slice(HEADER + 8 * n),
  };
}

function hash(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  const buf = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0));
  buf[0] = prefix;
  let at = 1;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return sha256(buf);
}

/** RFC 9162 Merkle tree hash of the leaves in order (SHA-256 of nothing for none). */
export function merkleRoot(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return sha256(new Uint8Array());
  const rootOf = (hs: Uint8Array[]): Uint8Array => {
    if (hs.length === 1) return hs[0];
    const k = 2 ** Math.floor(Math.log2(hs.length - 1)); // the largest power of two below n
    return hash(0x01, rootOf(hs.slice(0, k)), rootOf(hs.slice(k)));
  };
  return rootOf(leaves.map((l) => hash(0x00, l)));
}

/** Checks that leaf sits at index in a tree of size leaves with the given root (RFC 9162 2.1.3.2). */
export function verifyProof(root: Uint8Array, leafBytes: Uint8Array, index: bigint, size: bigint, proof: Uint8Array[]): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1n;
  let r = hash(0x00, leafBytes);
  for (const p of proof) {
    if (sn === 0n) return false;
    if ((fn & 1n) === 1n || fn === sn) {
      r = hash(0x01, p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = hash(0x01, r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && equal(r, root);
}

/** Whether the device key signed the reading under rules. */
export function verifySignature(devicePub: Uint8Array, r: Reading, rules: SignatureRules): boolean {
  if (r.signature.length !== SIGNATURE || r.values.length === 0 || r.values.length > 256 || !r.values.every(Number.isFinite)) {
    return false;
  }
  try {
    return ed25519.verify(r.signature, signBytes(r), devicePub, { zip215: rules === "zip215" });
  } catch {
    return false;
  }
}

function belongs(r: Reading, c: Commitment, i: number): void {
  if (r.deviceId !== c.deviceId) {
    throw new VerifyError("root_mismatch", `reading ${i} belongs to device ${r.deviceId}, not ${c.deviceId}`, i);
  }
  if (r.timestampMs < c.firstReadingMs || r.timestampMs > c.lastReadingMs) {
    throw new VerifyError("root_mismatch", `reading ${i} is stamped ${r.timestampMs} ms, outside the committed ${c.firstReadingMs}..${c.lastReadingMs} ms`, i);
  }
}

/**
 * Checks that readings are exactly the committed batch and, when devicePub is given, that
 * each is signed by the device; throws a VerifyError naming what failed.
 */
export function verifyBatch(readings: Reading[], c: Commitment, devicePub?: Uint8Array, rules: SignatureRules = "stdlib"): void {
  if (readings.length !== c.count) {
    throw new VerifyError("root_mismatch", `${readings.length} readings served, ${c.count} committed`);
  }
  readings.forEach((r, i) => belongs(r, c, i));
  if (devicePub) {
    const bad = readings.findIndex((r) => !verifySignature(devicePub, r, rules));
    if (bad >= 0) {
      throw new VerifyError("bad_signature", `reading ${bad} (sequence ${readings[bad].sequence}) is not signed by the device key`, bad);
    }
  }
  const root = merkleRoot(readings.map(leaf));
  if (!equal(root, c.root)) {
    throw new VerifyError("root_mismatch", `root of the served readings is ${hex(root)}, committed root is ${hex(c.root)}`);
  }
}

/** Decodes a served batch (a protobuf ReadingList) and verifies it with verifyBatch. */
export function decodeBatch(body: Uint8Array, c: Commitment, devicePub?: Uint8Array, rules: SignatureRules = "stdlib"): Reading[] {
  let readings: Reading[];
  try {
    readings = fromBinary(ReadingListSchema, body).readings;
  } catch (e) {
    throw new VerifyError("unavailable", `${c.uri} is not a protobuf ReadingList: ${(e as Error).message}`);
  }
  verifyBatch(readings, c, devicePub, rules);
  return readings;
}

/**
 * Refuses a batch URI that is not http(s) or that names a loopback, private, link-local or
 * unspecified address (IP literals and localhost) unless allowPrivate, a devnet's explicit
 * choice: the URI is the committer's, and must not aim the reader at its own network. A host
 * name is not resolved here; servers should vet every resolved address, as pkg/egress does.
 */
export function vetBatchUri(uri: string, allowPrivate = false): URL {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new VerifyError("unavailable", `${uri} is not a URL`);
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new VerifyError("unavailable", `${uri}: only http and https batch URIs are fetched`);
  const host = u.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const v4 = host.match(/^(\d+)\.(\d+)\.(\d+)\.(\d+)$/)?.slice(1).map(Number);
  const local =
    host === "localhost" || host.endsWith(".localhost") ||
    (v4 !== undefined && (v4[0] === 0 || v4[0] === 10 || v4[0] === 127 || (v4[0] === 169 && v4[1] === 254) ||
      (v4[0] === 172 && v4[1] >= 16 && v4[1] <= 31) || (v4[0] === 192 && v4[1] === 168) || (v4[0] === 100 && v4[1] >= 64 && v4[1] <= 127))) ||
    (host.includes(":") && (host === "::" || host === "::1" || /^f[cd]/.test(host) || /^fe[89ab]/.test(host) || host.startsWith("::ffff:")));
  if (local && !allowPrivate) throw new VerifyError("unavailable", `${uri}: a loopback or private address is not fetched`);
  return u;
}

/**
 * Downloads a batch from the URI its commitment names (a gateway answers with the protobuf
 * ReadingList) and verifies it. The URI is vetted first (vetBatchUri; allowPrivate for
 * devnets whose gateways serve on loopback).
 */
export async function fetchBatch(c: Commitment, devicePub?: Uint8Array, rules: SignatureRules = "stdlib", fetchFn = globalThis.fetch, allowPrivate = false): Promise<Reading[]> {
  vetBatchUri(c.uri, allowPrivate);
  let res: Response;
  try {
    res = await fetchFn(c.uri, { headers: { Accept: "application/x-protobuf" } });
  } catch (e) {
    throw new VerifyError("unavailable", `${c.uri}: ${(e as Error).message}`);
  }
  if (!res.ok) throw new VerifyError("unavailable", `${c.uri}: HTTP ${res.status}`);
  return decodeBatch(new Uint8Array(await res.arrayBuffer()), c, devicePub, rules);
}

/** A reading's inclusion proof as a gateway serves it at URI/proof/INDEX. */
export interface Proof {
  index: number;
  count: number;
  leaf: string; // base64
  proof: string[]; // hex
}

/** Checks a served proof of reading index against the commitment and returns the reading. */
export function verifyReading(p: Proof, c: Commitment, devicePub?: Uint8Array, rules: SignatureRules = "stdlib"): Reading {
  if (BigInt(p.count) !== BigInt(c.count) || c.root.length !== 32) {
    throw new VerifyError("root_mismatch", `proof for a batch of ${p.count} readings, committed ${c.count}`);
  }
  const path = p.proof.map((h, i) => {
    if (!/^[0-9a-fA-F]{64}$/.test(h)) throw new VerifyError("root_mismatch", `proof hash ${i} is not 32 bytes of hex`);
    return unhex(h);
  });
  const leafBytes = Uint8Array.from(atob(p.leaf), (ch) => ch.charCodeAt(0));
  if (!verifyProof(c.root, leafBytes, BigInt(p.index), BigInt(p.count), path)) {
    throw new VerifyError("root_mismatch", `reading ${p.index} is not in the committed batch`, p.index);
  }
  const r = decodeLeaf(leafBytes);
  belongs(r, c, p.index);
  if (devicePub && !verifySignature(devicePub, r, rules)) {
    throw new VerifyError("bad_signature", `reading ${p.index} is not signed by the device key`, p.index);
  }
  return r;
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function unhex(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
