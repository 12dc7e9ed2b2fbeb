// The hard checks of pkg/quality (Stream.check) that need no learned state, run in the browser
// to mark the readings a validator's sidecar rejects, with the same rules, channel by channel:
// out of the declared range; duplicate (the same timestamp and value as the last reading);
// out of order (not after the latest timestamp so far); a gap of more than gap_factor nominal
// intervals. Stuck, jump, replay and pattern checks depend on what the model learned while
// warming up (and an undeclared range on the kind's prior), so the page shows those through
// the batch flags the chain stored.
export type ReadingFlag = "out_of_range" | "duplicate" | "out_of_order" | "gap";

export interface CheckedReading {
  timestampMs: bigint;
  values: number[];
}

export interface Declaration {
  /** Per channel [min, max]; a channel with min >= max (or NaN) has no range check. */
  ranges: [number, number][];
  /** The nominal interval between readings, ms (0: no gap check). */
  intervalMs: number;
}

/** model.json's gap_factor. */
export const GAP_FACTOR = 3;

/** Flags each reading; previous is the reading before the first (the last batch's last). */
export function hardChecks(readings: CheckedReading[], d: Declaration, previous?: CheckedReading): ReadingFlag[][] {
  let lastTs = previous?.timestampMs;
  let lastValues = previous?.values;
  return readings.map((r) => {
    const flags = new Set<ReadingFlag>();
    r.values.forEach((v, ch) => {
      const [lo, hi] = d.ranges[ch] ?? [NaN, NaN];
      if (lo < hi && (v < lo || v > hi)) flags.add("out_of_range");
      if (lastTs === undefined) return;
      if (r.timestampMs === lastTs && v === lastValues?.[ch]) flags.add("duplicate");
      else if (r.timestampMs <= lastTs) flags.add("out_of_order");
      else if (d.intervalMs > 0 && Number(r.timestampMs - lastTs) > GAP_FACTOR * d.intervalMs) flags.add("gap");
    });
    lastTs = lastTs === undefined || r.timestampMs > lastTs ? r.timestampMs : lastTs;
    lastValues = r.values;
    return [...flags];
  });
}
