// "/devices": devices with kind, location and quality average; "/devices/{id}": a device's
// latest batches fetched from their gateway, verified in the browser against the on-chain
// root and the device's signatures, charted, with the readings the hard checks flag marked
// and each batch's score.
import { BatchFlagSchema, BatchStatus, DeviceStatusSchema } from "@client/gen/thalamus/sensors/v1/types_pb.js";
import type { Batch, Device } from "@client/gen/thalamus/sensors/v1/types_pb.js";
import type { Reading } from "@client/gen/thalamus/reading/v1/reading_pb.js";
import { fetchBatch, hex } from "@client/batchverify";
import type { SignatureRules } from "@client/batchverify";
import { config, q } from "../api";
import { hardChecks } from "../checks";
import type { ReadingFlag } from "../checks";
import { addrLink, chart, facts, h, label, link, score, section, table, time } from "../ui";

const location = (d: Device) => (d.location ? `${(d.location.latitudeMicro / 1e6).toFixed(4)}, ${(d.location.longitudeMicro / 1e6).toFixed(4)}` : "-");

export async function devicesPage(): Promise<HTMLElement> {
  const { devices } = await q.sensors.devices({ pagination: { limit: 500n } });
  const stats = await Promise.all(devices.map((d) => q.sensors.deviceStats({ deviceId: d.id }).then((r) => r.stats).catch(() => undefined)));
  return h("div", {},
    h("h1", {}, "Devices"),
    table(["device", "kind", "owner", "location", "channels", "batches", "scored", "quality average", "last score", "state"],
      devices.map((d, i) => {
        const s = stats[i];
        return [link(`/devices/${d.id}`, String(d.id)), d.kind, addrLink(d.owner), location(d), d.channels.map((c) => `${c.name} (${c.unit})`).join(", "),
          s ? String(s.batches) : "-", s ? String(s.scoredBatches) : "-", s && s.scoredBatches > 0n ? score(s.qualityScore) : "-",
          s && s.scoredBatches > 0n ? score(s.lastScore) : "-", label(DeviceStatusSchema, d.status)];
      }), { testid: "devices" }));
}

interface Verified {
  batch: Batch;
  readings?: Reading[];
  error?: string;
}

const BATCHES = 6;

export async function devicePage(id: string): Promise<HTMLElement> {
  const deviceId = BigInt(id);
  const [{ device: d }, { stats: s }, { batches }, { params }] = await Promise.all([
    q.sensors.device({ deviceId }), q.sensors.deviceStats({ deviceId }),
    q.sensors.batches({ deviceId, pagination: { limit: BigInt(BATCHES) } }) /* newest first */, q.sensors.params({}),
  ]);
  if (!d) throw new Error(`no device ${id}`);
  const rules = (b: Batch): SignatureRules => (params && params.zip215Height > 0n && b.committedHeight >= params.zip215Height ? "zip215" : "stdlib");
  const verified: Verified[] = await Promise.all([...batches].reverse().map(async (b) => {
    try {
      return { batch: b, readings: await fetchBatch(b, d.pubKey, rules(b), globalThis.fetch, config.allowPrivateBatchHosts) };
    } catch (e) {
      return { batch: b, error: (e as Error).message };
    }
  }));
  const intervalMs = d.samplingInterval ? Number(d.samplingInterval.seconds) * 1000 + d.samplingInterval.nanos / 1e6 : 0;
  const ranges = d.channels.map((c) => [c.min === "" ? NaN : Number(c.min), c.max === "" ? NaN : Number(c.max)] as [number, number]);
  const points: { r: Reading; flags: ReadingFlag[] }[] = [];
  let previous: Reading | undefined;
  for (const v of verified) {
    if (!v.readings) continue;
    const flags = hardChecks(v.readings, { ranges, intervalMs }, previous);
    v.readings.forEach((r, i) => points.push({ r, flags: flags[i] }));
    previous = v.readings[v.readings.length - 1];
  }
  const flagged = points.filter((p) => p.flags.length > 0);
  const x = points.map((p) => Number(p.r.timestampMs) / 1000);
  const series = d.channels.map((c, ch) => ({ label: `${c.name} (${c.unit})`, values: points.map((p) => p.r.values[ch] ?? null), color: ["#2563eb", "#16a34a", "#9333ea", "#ea580c"][ch % 4] }));
  const marks = { label: "flagged by a hard check", values: points.map((p) => (p.flags.length ? p.r.values[0] : null)), color: "#dc2626", points: true };
  const ok = verified.filter((v) => v.readings).length;
  return h("div", {},
    h("h1", {}, `Device ${d.id}`),
    facts([["Kind", d.kind], ["Owner", addrLink(d.owner)], ["Location", location(d)], ["Sampling interval", `${intervalMs} ms`],
      ["Public key", h("code", {}, hex(d.pubKey))], ["State", label(DeviceStatusSchema, d.status)],
      ["Batches committed", String(s?.batches ?? 0n)], ["Readings", String(s?.readings ?? 0n)],
      ["Quality average", s && s.scoredBatches > 0n ? score(s.qualityScore) : "not scored yet"]], "device-facts"),
    section(`Latest ${verified.length} batches`,
      h("p", { "data-testid": "verify-summary", class: ok === verified.length ? "ok" : "error" },
        `${ok} of ${verified.length} batches verified in this browser against their on-chain roots and the device's signatures.`),
      points.length > 0 && chart(x, [...series, marks], { testid: "readings-chart" }),
      flagged.length > 0 && h("p", {}, `${flagged.length} readings flagged: `, flagged.slice(0, 10).map((p) => `#${p.r.sequence} ${p.flags.join("+")}`).join(", ")),
      table(["batch", "readings", "from", "to", "committed at", "verified here", "score", "flags"],
        [...verified].reverse().map((v) => [String(v.batch.seq), String(v.batch.count), time(v.batch.firstReadingMs), time(v.batch.lastReadingMs), String(v.batch.committedHeight),
          v.readings ? h("span", { class: "ok", "data-testid": "verified" }, "✓ root and signatures") : h("span", { class: "error", title: v.error }, `✗ ${v.error}`),
          v.batch.status === BatchStatus.SCORED ? score(v.batch.score) : "pending",
          v.batch.flags.map((f) => label(BatchFlagSchema, f)).join(", ") || "-"]), { testid: "batches" })),
  );
}
