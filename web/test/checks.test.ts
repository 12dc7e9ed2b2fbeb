import { describe, expect, it } from "vitest";
import { hardChecks } from "../src/checks";
import { percent, thal } from "../src/format";

const r = (_sequence: number, ms: number, v: number) => ({ timestampMs: BigInt(ms), values: [v] });

describe("hard checks in the browser", () => {
  const decl = { ranges: [[-10, 40]] as [number, number][], intervalMs: 1000 };
  it("pass a healthy series", () => {
    expect(hardChecks([r(1, 1000, 20), r(2, 2000, 21), r(3, 3000, 22)], decl).flat()).toEqual([]);
  });
  it("flag as pkg/quality does: out of range, duplicate, out of order, gaps", () => {
    const flags = hardChecks([r(1, 1000, 20), r(2, 2000, 41), r(2, 2000, 41), r(3, 2000, 22), r(4, 1500, 20), r(5, 9000, 20)], decl);
    expect(flags).toEqual([[], ["out_of_range"], ["out_of_range", "duplicate"], ["out_of_order"], ["out_of_order"], ["gap"]]);
  });
  it("check every channel", () => {
    const two = { ranges: [[0, 10], [100, 200]] as [number, number][], intervalMs: 0 };
    // channel 0 changed at the same time (out of order), channel 1 repeated (duplicate)
    const flags = hardChecks([{ timestampMs: 1n, values: [5, 250] }, { timestampMs: 1n, values: [6, 250] }], two).map((f) => f.sort());
    expect(flags).toEqual([["out_of_range"], ["duplicate", "out_of_order", "out_of_range"]]);
  });
  it("carry the previous batch's last reading", () => {
    expect(hardChecks([r(10, 20_000, 0)], decl, r(9, 10_000, 0))).toEqual([["gap"]]);
    expect(hardChecks([r(10, 11_000, 0)], decl, r(9, 10_000, 0))).toEqual([[]]);
  });
  it("leave undeclared bounds and intervals unchecked", () => {
    expect(hardChecks([r(1, 0, 1e9), r(2, 1e9, -1e9)], { ranges: [[NaN, NaN]], intervalMs: 0 }).flat()).toEqual([]);
  });
});

describe("formats", () => {
  it("show uthal as THAL and scores as percentages", () => {
    expect(thal("20000000")).toBe("20 THAL");
    expect(thal("1234567")).toBe("1.234567 THAL");
    expect(thal("1000000000000")).toBe("1,000,000 THAL");
    expect(thal("5", "stake")).toBe("5 stake");
    expect(percent(9543)).toBe("95.4%");
  });
});
