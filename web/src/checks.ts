// The hard checks of pkg/quality that need no learned state, run in the browser to mark the
// readings a validator's sidecar rejects: out of the declared range, out of order, duplicate
// (the same sequence or timestamp again) and a gap of more than gap_factor nominal intervals
// before the reading. Stuck, jump and replay checks depend on what the model learned while
// warming up, so the page shows them through the batch flags the chain stored instead.
export type ReadingFlag = "out_of_range" | "out_of_order" | "duplicate" | "gap";

export interface CheckedReading {
  sequence: bigint;
  timestampMs: bigint;
  values: number[];
}

export interface Declaration {
  /** Per channel [min, max]; NaN when a bound is not declared. */
  ranges: [number, number][];
  /** The nominal interval between readings, ms (0: no gap check). */
  intervalMs: number;
}

/** model.json's gap_factor: a gap is more than this many nominal intervals. */
export const GAP_FACTOR = 3;

export function hardChecks(readings: CheckedReading[], d: Declaration, previous?: CheckedReading): ReadingFlag[][] {
  let last = previous;
  const seen = new Set<string>();
  return readings.map((r) => {
    const flags: ReadingFlag[] = [];
    if (r.values.some((v, i) => { const [lo, hi] = d.ranges[i] ?? [NaN, NaN]; return v < lo || v > hi; })) flags.push("out_of_range");
    const key = `${r.sequence}`;
    if (seen.has(key) || (last && (r.sequence === last.sequence || r.timestampMs === last.timestampMs))) flags.push("duplicate");
    else if (last && (r.timestampMs < last.timestampMs || r.sequence < last.sequence)) flags.push("out_of_order");
    else if (last && d.intervalMs > 0 && Number(r.timestampMs - last.timestampMs) > GAP_FACTOR * d.intervalMs) flags.push("gap");
    seen.add(key);
    if (!last || r.timestampMs >= last.timestampMs) last = r;
    return flags;
  });
}
