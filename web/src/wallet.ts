// Who signs: Keplr (its suggest-chain flow adds the network), or on a localnet one of the
// public development keys of config.yml. The choice is remembered per browser.
// cosmjs is loaded only when a wallet is used: pages that only read stay light.
import type { EncodeObject, OfflineSigner } from "@cosmjs/proto-signing";
import type { DeliverTxResponse } from "@cosmjs/stargate";
import { BECH32_PREFIX, DENOM } from "@client/queries";
import { config } from "./api";
import { errorBox, h, link, short } from "./ui";

interface Keplr {
  experimentalSuggestChain(info: unknown): Promise<void>;
  enable(chainId: string): Promise<void>;
  getOfflineSigner(chainId: string): OfflineSigner;
}
declare global {
  interface Window {
    keplr?: Keplr;
  }
}

let signer: OfflineSigner | undefined;
export let address = "";
let onChange: () => void = () => {};

export function onWalletChange(f: () => void): void {
  onChange = f;
}

async function use(s: OfflineSigner, remember: string): Promise<void> {
  signer = s;
  address = (await s.getAccounts())[0].address;
  localStorage.setItem("thalamus.wallet", remember);
  renderWallet();
  onChange();
}

export async function useDevKey(name: string): Promise<void> {
  const key = config.devKeys.find((k) => k.name === name);
  if (!key) throw new Error(`no development key ${name} on this network`);
  const { DirectSecp256k1HdWallet } = await import("@cosmjs/proto-signing");
  await use(await DirectSecp256k1HdWallet.fromMnemonic(key.mnemonic, { prefix: BECH32_PREFIX }), `dev:${name}`);
}

export async function useKeplr(): Promise<void> {
  const keplr = window.keplr;
  if (!keplr) throw new Error("Keplr is not installed in this browser");
  const currency = { coinDenom: "THAL", coinMinimalDenom: DENOM, coinDecimals: 6 };
  const p = BECH32_PREFIX;
  await keplr.experimentalSuggestChain({
    chainId: config.chainId, chainName: `Thalamus ${config.chainId}`, rpc: config.rpc, rest: config.rest,
    bip44: { coinType: 118 },
    bech32Config: { bech32PrefixAccAddr: p, bech32PrefixAccPub: `${p}pub`, bech32PrefixValAddr: `${p}valoper`, bech32PrefixValPub: `${p}valoperpub`, bech32PrefixConsAddr: `${p}valcons`, bech32PrefixConsPub: `${p}valconspub` },
    currencies: [currency], feeCurrencies: [{ ...currency, gasPriceStep: { low: 0, average: 0.0025, high: 0.01 } }], stakeCurrency: currency,
  });
  await keplr.enable(config.chainId);
  await use(keplr.getOfflineSigner(config.chainId), "keplr");
}

export function disconnect(): void {
  signer = undefined;
  address = "";
  localStorage.removeItem("thalamus.wallet");
  renderWallet();
  onChange();
}

/** Restores the last session's wallet choice. */
export async function restoreWallet(): Promise<void> {
  const saved = localStorage.getItem("thalamus.wallet") ?? "";
  try {
    if (saved.startsWith("dev:")) await useDevKey(saved.slice(4));
    else if (saved === "keplr" && window.keplr) await useKeplr();
  } catch {
    localStorage.removeItem("thalamus.wallet");
  }
  renderWallet();
}

/**
 * Signs and broadcasts msgs with the connected wallet; throws with the chain's log on failure.
 * An account that also signs elsewhere (an agent, the CLI) can race it for the sequence: a
 * sequence mismatch is signed again with a fresh sequence, up to 3 tries.
 */
export async function broadcast(msgs: EncodeObject[], memo = ""): Promise<DeliverTxResponse> {
  if (!signer) throw new Error("connect a wallet first");
  const { connectSigner } = await import("@client/signing");
  const client = await connectSigner(config.rpc, signer);
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await client.signAndBroadcast(address, msgs, "auto", memo);
      if (res.code !== 0) throw new Error(`transaction failed (code ${res.code}): ${res.rawLog}`);
      return res;
    } catch (e) {
      if (attempt >= 3 || !/account sequence mismatch/.test((e as Error).message)) throw e;
      await new Promise((r) => setTimeout(r, 1500)); // a block later
    }
  }
}

export function renderWallet(): void {
  const box = document.getElementById("wallet");
  if (!box) return;
  if (address) {
    box.replaceChildren(link(`/address/${address}`, short(address)), h("button", { type: "button", class: "link", onclick: disconnect }, "Disconnect"));
    return;
  }
  const pick = h("select", { "aria-label": "Development key", "data-testid": "devkey" },
    h("option", { value: "" }, "Dev key…"), config.devKeys.map((k) => h("option", { value: k.name }, k.name)));
  pick.addEventListener("change", () => pick.value && void useDevKey(pick.value));
  box.replaceChildren(
    ...(config.devKeys.length ? [pick] : []),
    h("button", { type: "button", onclick: () => void useKeplr().catch((e) => notify(errorBox(e))) }, "Connect Keplr"),
  );
}

/**
 * Runs a transaction from a form: progress and outcome go to the notice bar (outside the page,
 * so they outlive its refresh), and the page refreshes to show the new state.
 */
export async function act(form: HTMLElement, run: () => Promise<string>): Promise<void> {
  form.setAttribute("data-busy", "");
  notify(h("p", { class: "pending" }, "Signing and broadcasting…"));
  let done = false;
  try {
    notify(h("p", { class: "ok", role: "status", "data-testid": "tx-ok" }, await run()));
    done = true;
  } catch (e) {
    notify(errorBox(e));
  } finally {
    form.removeAttribute("data-busy");
  }
  if (done) window.dispatchEvent(new Event("thalamus:refresh"));
}

/** Shows a message in the notice bar above the page. */
function notify(message: HTMLElement): void {
  document.getElementById("notice")?.replaceChildren(message);
}
