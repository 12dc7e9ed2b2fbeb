// Text formats shared by the pages and the browser tests (no DOM).

/** uthal -> THAL with up to 6 decimals, thousands separated. */
export function thal(amount: string | bigint | undefined, denom = "uthal"): string {
  if (amount === undefined || amount === "") return "-";
  if (denom !== "uthal") return `${amount} ${denom}`;
  const n = BigInt(String(amount).split(".")[0]);
  const whole = n / 1_000_000n;
  const frac = (n % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${whole.toLocaleString("en")}${frac ? "." + frac : ""} THAL`;
}

/** A 0-10000 score as a percentage with one decimal. */
export const percent = (s: number) => (s / 100).toFixed(1) + "%";
