import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { VerifyError, decodeBatch, decodeLeaf, fetchBatch, leaf, merkleRoot, unhex, hex, verifyProof, verifyReading, vetBatchUri } from "../src/batchverify.js";
import type { Commitment, Proof, SignatureRules } from "../src/batchverify.js";

// Written by the Go code: go test ./pkg/batchverify -run TestTypeScriptVectors -update-vectors
const v = JSON.parse(readFileSync(new URL("./vectors.json", import.meta.url), "utf8"));
const b64 = (s: string) => Uint8Array.from(Buffer.from(s, "base64"));
const pub = unhex(v.device_pub);

function commitment(b: any): Commitment {
  return { deviceId: BigInt(b.device_id), count: b.count, root: unhex(b.root), uri: "test:", firstReadingMs: BigInt(b.first_ms), lastReadingMs: BigInt(b.last_ms) };
}

describe("merkle", () => {
  it("gives Go's roots for 0-9 leaves", () => {
    for (const [n, root] of Object.entries<string>(v.roots)) {
      const leaves = Array.from({ length: Number(n) }, (_, i) => new Uint8Array([0x30 + i]));
      expect(hex(merkleRoot(leaves)), `${n} leaves`).toBe(root);
    }
  });
});

describe("batches as Go judges them", () => {
  for (const b of v.batches) {
    it(`${b.name}: ${b.want_error === "" ? "verifies" : "fails"}`, () => {
      const c = commitment(b);
      const check = () => decodeBatch(b64(b.served), c, pub, b.rules as SignatureRules);
      if (b.want_error === "") {
        const readings = check();
        expect(readings.map((r) => hex(leaf(r)))).toEqual(b.leaves.map((l: string) => hex(b64(l))));
      } else {
        expect(check).toThrow(VerifyError);
        try {
          check();
        } catch (e) {
          // the same failure as Go's: a bad signature or data that does not match the commitment
          expect((e as VerifyError).kind).toBe(b.want_error.startsWith("reading not signed") ? "bad_signature" : "root_mismatch");
        }
      }
    });
  }

  it("decodes what it encodes", () => {
    for (const l of v.batches[0].leaves) expect(hex(leaf(decodeLeaf(b64(l))))).toBe(hex(b64(l)));
  });

  it("refuses a body that is not a ReadingList", () => {
    expect(() => decodeBatch(new Uint8Array([0xff, 0xff, 0xff]), commitment(v.batches[0]), pub)).toThrow(/not a protobuf ReadingList/);
  });
});

describe("inclusion proofs as gateways serve them", () => {
  const c = commitment(v.batches[0]);
  it("verifies every reading's proof", () => {
    v.proofs.forEach((p: Proof, i: number) => {
      expect(verifyReading(p, c, pub).sequence).toBe(BigInt(100 + i));
    });
  });
  it("refuses a proof for another index, a changed leaf or a short path", () => {
    const p: Proof = v.proofs[3];
    expect(() => verifyReading({ ...p, index: 4 }, c, pub)).toThrow(VerifyError);
    const changed = b64(p.leaf);
    changed[40] ^= 1;
    expect(() => verifyReading({ ...p, leaf: Buffer.from(changed).toString("base64") }, c, pub)).toThrow(VerifyError);
    expect(() => verifyReading({ ...p, proof: p.proof.slice(1) }, c, pub)).toThrow(VerifyError);
    const last: Proof = v.proofs[10]; // the size decides the path of the last leaf
    expect(verifyProof(c.root, b64(last.leaf), 10n, 11n, last.proof.map(unhex))).toBe(true);
    expect(verifyProof(c.root, b64(last.leaf), 10n, 12n, last.proof.map(unhex))).toBe(false);
  });
});

describe("batch URIs are the committer's choice", () => {
  it("fetches only public http(s) addresses unless private ones are allowed", async () => {
    for (const uri of ["http://127.0.0.1:8090/v1/batches/1/1", "http://localhost/x", "http://10.0.0.1/x", "http://192.168.1.2/x",
      "http://172.20.0.1/x", "http://169.254.169.254/latest", "http://[::1]:8090/x", "http://[fd00::1]/x", "http://0.0.0.0/x", "file:///etc/passwd", "nonsense"]) {
      expect(() => vetBatchUri(uri), uri).toThrow(VerifyError);
    }
    expect(vetBatchUri("https://gateway.example.org/v1/batches/1/1").hostname).toBe("gateway.example.org");
    expect(vetBatchUri("http://8.8.8.8/x").hostname).toBe("8.8.8.8");
    expect(vetBatchUri("http://127.0.0.1:8090/x", true).port).toBe("8090");
    let fetched = false;
    const c = { ...commitment(v.batches[0]), uri: "http://127.0.0.1:8090/v1/batches/7/1" };
    await expect(fetchBatch(c, pub, "stdlib", (async () => { fetched = true; return new Response(); }) as typeof fetch)).rejects.toThrow(/private address/);
    expect(fetched).toBe(false);
  });
});
