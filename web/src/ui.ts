// Small DOM helpers: elements built with h() (text is always set as text, never parsed as
// HTML: every string shown comes from the chain or a gateway), tables, formats and charts.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { DescEnum } from "@bufbuild/protobuf";
import { percent, thal } from "./format";

export { thal };

type Child = Node | string | number | bigint | null | undefined | false;
type Attrs = Record<string, string | number | boolean | EventListener | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === "function") el.addEventListener(k.replace(/^on/, ""), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const link = (href: string, text: Child) => h("a", { href }, text);

/** A table with a header row; rows are arrays of cells. */
export function table(headers: string[], rows: Child[][], opts: { testid?: string; empty?: string } = {}): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty", "data-testid": opts.testid }, opts.empty ?? "None yet.");
  return h("div", { class: "scroll" },
    h("table", { "data-testid": opts.testid },
      h("thead", {}, h("tr", {}, headers.map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c)))))));
}

/** Key-value facts of one record. */
export function facts(pairs: [string, Child][], testid?: string): HTMLElement {
  return h("dl", { class: "facts", "data-testid": testid }, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

export const section = (title: string, ...body: Child[]) => h("section", {}, h("h2", {}, title), ...body);

/** An enum value's name without its type prefix: LEASE_STATE_ACTIVE -> active. */
export function label(e: DescEnum, v: number): string {
  const name = e.value[v]?.name ?? String(v);
  // the prefix every value shares (GPU_STATUS_), up to an underscore
  let prefix = e.values[0]?.name ?? "";
  for (const x of e.values) while (!x.name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  prefix = prefix.slice(0, prefix.lastIndexOf("_") + 1);
  return (name.startsWith(prefix) ? name.slice(prefix.length) : name).toLowerCase().replace(/_/g, " ");
}

export const coin = (c?: { denom: string; amount: string }) => (c ? thal(c.amount, c.denom) : "-");

export function score(s: number): HTMLElement {
  const cls = s >= 9000 ? "good" : s >= 6000 ? "fair" : "bad";
  return h("span", { class: `score ${cls}`, title: `${s} of 10000` }, percent(s));
}

export const short = (addr: string) => (addr.length > 20 ? `${addr.slice(0, 12)}…${addr.slice(-6)}` : addr);
export const addrLink = (addr: string, base = "/address/") => (addr ? link(base + addr, short(addr)) : "-");
export const time = (ms: bigint | number) => new Date(Number(ms)).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

/** A line chart of series over x (Unix seconds, or plain numbers with time: false). */
export function chart(x: number[], series: { label: string; values: (number | null)[]; color: string; points?: boolean }[], opts: { height?: number; time?: boolean; testid?: string } = {}): HTMLElement {
  const box = h("div", { class: "chart", "data-testid": opts.testid });
  const width = () => Math.max(280, Math.min(box.clientWidth || 900, 1100));
  const plot = new uPlot({
    width: width(),
    height: opts.height ?? 240,
    scales: { x: { time: opts.time ?? true } },
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: s.points ?? false, size: 6, fill: s.color } }))],
    axes: [{}, {}],
    legend: { live: false },
  }, [x, ...series.map((s) => s.values)] as uPlot.AlignedData, box);
  new ResizeObserver(() => plot.setSize({ width: width(), height: opts.height ?? 240 })).observe(box);
  return box;
}

export function errorBox(e: unknown): HTMLElement {
  return h("p", { class: "error", role: "alert" }, e instanceof Error ? e.message : String(e));
}
