// The console in Debian's Chromium against a fresh localnet: every page renders the chain's
// data as REST gives it, a device's readings verify against their on-chain roots in the
// browser, and a tenant creates, tops up and closes a lease from the UI with a dev key.
// Screenshots of every page go to $SCREENSHOTS (default build/web-screenshots).
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { chromium } from "playwright-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { percent, thal } from "../src/format";

const CONSOLE = process.env.CONSOLE_URL ?? "http://127.0.0.1:8088";
const REST = process.env.REST_URL ?? "http://127.0.0.1:1317";
const SHOTS = resolve(process.env.SCREENSHOTS ?? "../build/web-screenshots");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

let browser: Browser;
let page: Page;

async function rest<T = any>(path: string): Promise<T> {
  const res = await fetch(REST + path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json() as Promise<T>;
}

/** Polls until check returns a value (not undefined), or fails after timeoutMs. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 240_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** Waits for the outcome of the transaction just submitted and returns its text; fails on an error. */
async function txOk(p: Page = page): Promise<string> {
  const el = await p.waitForSelector("#notice .ok, #notice .error", { timeout: 90_000 });
  const text = (await el.textContent()) ?? "";
  expect(await el.getAttribute("class"), text).toBe("ok");
  return text;
}

async function open(path: string, shot: string): Promise<string> {
  await page.goto(CONSOLE + path);
  await page.waitForSelector("#app [data-ready]", { timeout: 30_000 });
  await page.screenshot({ path: `${SHOTS}/${shot}.png`, fullPage: true });
  return (await page.textContent("#app")) ?? "";
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // The localnet needs a minute to verify GPUs and score batches.
  await until("a passed GPU challenge", async () => {
    const { providers } = await rest("/thalamus/compute/v1/providers");
    for (const p of providers) {
      const { challenges } = await rest(`/thalamus/compute/v1/challenges/provider/${p.address}?state=4`);
      if (challenges.length > 0) return true;
    }
    return undefined;
  });
  await until("two scored batches of device 1", async () => {
    const { stats } = await rest("/thalamus/sensors/v1/devices/1/stats");
    return Number(stats.scored_batches) >= 2 ? true : undefined;
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

describe("pages render the chain's data", () => {
  it("/ shows the network", async () => {
    const before = Number((await rest("/cosmos/base/tendermint/v1beta1/blocks/latest")).block.header.height);
    const text = await open("/", "network");
    const shown = Number(await page.textContent("[data-testid=net-height]"));
    expect(shown).toBeGreaterThanOrEqual(before);
    const { validators } = await rest("/cosmos/staking/v1beta1/validators");
    for (const v of validators) expect(text).toContain(v.description.moniker);
    expect(await page.locator("[data-testid=finalised-tasks] tbody tr").count()).toBeGreaterThan(0);
    expect(text).toContain("Reward epoch");
  });

  it("/gpus lists every GPU with its UUID, and /gpus/{id} its challenges", async () => {
    const { gpus } = await rest("/thalamus/compute/v1/gpus");
    const text = await open("/gpus", "gpus");
    for (const g of gpus) expect(text).toContain(g.uuid);
    expect(text).toContain("CPU-DEV");
    const detail = await open(`/gpus/${gpus[1].id}`, "gpu");
    expect(await page.textContent("[data-testid=gpu-uuid]")).toBe(gpus[1].uuid);
    expect(detail).toContain("Challenge history");
  });

  it("/leases/1 shows the escrow REST gives", async () => {
    await open("/leases/1", "lease");
    const { lease } = await rest("/thalamus/compute/v1/leases/1");
    expect(await page.textContent("[data-testid=lease-escrow]")).toBe(thal(lease.escrow.amount));
    expect(await page.textContent("[data-testid=lease-state]")).toBe(lease.state.replace("LEASE_STATE_", "").toLowerCase());
    expect(await page.locator("[data-testid=lease-events] tbody tr").count()).toBeGreaterThan(0);
  });

  it("/devices lists every device, and /devices/1 verifies its readings against the on-chain roots", async () => {
    const { devices } = await rest("/thalamus/sensors/v1/devices");
    await open("/devices", "devices");
    expect(await page.locator("[data-testid=devices] tbody tr").count()).toBe(devices.length);
    await open("/devices/1", "device");
    const summary = (await page.textContent("[data-testid=verify-summary]")) ?? "";
    const [, ok, all] = summary.match(/^(\d+) of (\d+) batches verified/) ?? [];
    expect(Number(all)).toBeGreaterThan(0);
    expect(ok).toBe(all);
    expect(await page.locator("[data-testid=readings-chart] canvas").count()).toBeGreaterThan(0);
    // each scored batch shows the score the chain holds
    const rows = await page.locator("[data-testid=batches] tbody tr").allTextContents();
    const { batches } = await rest(`/thalamus/sensors/v1/devices/1/batches?pagination.limit=${rows.length}`);
    for (const b of batches.filter((b: any) => b.status === "BATCH_STATUS_SCORED")) {
      const row = rows.find((r) => r.startsWith(`${b.seq}${b.count}`));
      expect(row, `batch ${b.seq}`).toContain(percent(b.score));
    }
  });

  it("/providers/{address} and /address/{address} show collateral, receipts and balances", async () => {
    const { providers } = await rest("/thalamus/compute/v1/providers");
    const p = providers.find((x: any) => x.gpu_count === 4) ?? providers[0];
    await open(`/providers/${p.address}`, "provider");
    expect(await page.textContent("[data-testid=collateral]")).toBe(thal(p.collateral.amount));
    expect(await page.locator("[data-testid=provider-gpus] tbody tr").count()).toBe(p.gpu_count);
    await open(`/address/${p.address}`, "address");
    const { balances } = await rest(`/cosmos/bank/v1beta1/balances/${p.address}`);
    expect(await page.textContent("[data-testid=balances]")).toContain(thal(balances[0].amount).split(".")[0].replace(/ THAL$/, ""));
  });
});

describe("a tenant rents GPUs from the console", () => {
  it("creates a lease by class with the dev key, tops it up and closes it", async () => {
    await open("/leases", "leases");
    await page.selectOption("[data-testid=devkey]", "tenant");
    await page.waitForSelector("[data-testid=create-lease]"); // the page re-rendered for the tenant
    await page.selectOption("[data-testid=create-lease] select[name=class]", "CPU-DEV");
    await page.fill("[data-testid=create-lease] input[name=gpus]", "1");
    await page.fill("[data-testid=create-lease] input[name=hours]", "1");
    await page.fill("[data-testid=create-lease] input[name=deposit]", "20");
    await page.click("[data-testid=create-lease] button[type=submit]");
    const created = await txOk();
    const id = created.match(/Lease (\d+) created/)?.[1];
    expect(id, created).toBeDefined();
    await page.waitForURL(`**/leases/${id}`);
    await page.waitForSelector("[data-testid=top-up]");
    expect(await page.textContent("[data-testid=lease-state]")).toBe("active");
    const escrowBefore = BigInt((await rest(`/thalamus/compute/v1/leases/${id}`)).lease.escrow.amount);

    await page.fill("[data-testid=top-up] input[name=amount]", "5");
    await page.click("[data-testid=top-up] button[type=submit]");
    await txOk();
    const escrowAfter = BigInt((await rest(`/thalamus/compute/v1/leases/${id}`)).lease.escrow.amount);
    expect(escrowAfter).toBeGreaterThan(escrowBefore); // 5 THAL in, less what accrued meanwhile
    await page.screenshot({ path: `${SHOTS}/lease-created.png`, fullPage: true });

    await page.click("[data-testid=close-lease] button[type=submit]");
    await txOk();
    const { lease } = await rest(`/thalamus/compute/v1/leases/${id}`);
    expect(lease.state).toBe("LEASE_STATE_CLOSED");
    expect(lease.close_reason).toBe("LEASE_CLOSE_REASON_TENANT_DONE");
    await page.evaluate(() => window.dispatchEvent(new Event("thalamus:refresh")));
    await page.waitForFunction(() => document.querySelector("[data-testid=lease-state]")?.textContent === "closed");
    await page.screenshot({ path: `${SHOTS}/lease-closed.png`, fullPage: true });
  });

  it("lets a validator's operator claim its oracle rewards", async () => {
    // alice, the localnet's validator: no agent signs with her account, so nothing races it
    const cfg = await (await fetch(`${CONSOLE}/config.json`)).json();
    const alice = cfg.devKeys.find((k: any) => k.name === "alice");
    const [{ address }] = await (await DirectSecp256k1HdWallet.fromMnemonic(alice.mnemonic, { prefix: "thalamus" })).getAccounts();
    await until("a closed reward epoch for alice", async () =>
      ((await rest(`/thalamus/rewards/v1/rewards/${address}/pending`)).unclaimed_epochs > 0 ? true : undefined));
    await page.click("#wallet button:text('Disconnect')"); // the tenant of the last test
    await page.selectOption("[data-testid=devkey]", "alice");
    await page.waitForSelector("#wallet button:text('Disconnect')"); // the key is derived and remembered
    await open(`/address/${address}`, "address-claim");
    const before = BigInt((await rest(`/cosmos/bank/v1beta1/balances/${address}`)).balances[0].amount);
    await page.click("[data-testid=claim] button[type=submit]");
    expect(await txOk()).toMatch(/^Claimed at height \d+/);
    const after = BigInt((await rest(`/cosmos/bank/v1beta1/balances/${address}`)).balances[0].amount);
    expect(after).toBeGreaterThan(before);
    expect((await rest(`/thalamus/rewards/v1/rewards/${address}/pending`)).unclaimed_epochs).toBe(0);
  });

  it("signs through Keplr's suggest-chain flow (a stand-in extension that signs with the tenant's key)", async () => {
    const cfg = await (await fetch(`${CONSOLE}/config.json`)).json();
    const tenant = cfg.devKeys.find((k: any) => k.name === "tenant");
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(tenant.mnemonic, { prefix: "thalamus" });
    const [account] = await wallet.getAccounts();
    const keplrPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Keplr's API as the console uses it; signing is done here, in Node, with the real key.
    await keplrPage.exposeFunction("keplrAccount", () => ({ address: account.address, pubkey: Array.from(account.pubkey) }));
    await keplrPage.exposeFunction("keplrSign", async (doc: { bodyBytes: number[]; authInfoBytes: number[]; chainId: string; accountNumber: string }) => {
      const { signature } = await wallet.signDirect(account.address, {
        bodyBytes: Uint8Array.from(doc.bodyBytes), authInfoBytes: Uint8Array.from(doc.authInfoBytes), chainId: doc.chainId, accountNumber: BigInt(doc.accountNumber),
      });
      return signature;
    });
    await keplrPage.addInitScript(() => {
      const w = window as any;
      w.keplr = {
        experimentalSuggestChain: async (info: unknown) => { w.suggested = info; },
        enable: async (chainId: string) => { w.enabled = chainId; },
        getOfflineSigner: () => ({
          getAccounts: async () => {
            const a = await w.keplrAccount();
            return [{ address: a.address, algo: "secp256k1", pubkey: Uint8Array.from(a.pubkey) }];
          },
          signDirect: async (_address: string, doc: any) => ({
            signed: doc,
            signature: await w.keplrSign({ bodyBytes: Array.from(doc.bodyBytes), authInfoBytes: Array.from(doc.authInfoBytes), chainId: doc.chainId, accountNumber: doc.accountNumber.toString() }),
          }),
        }),
      };
    });
    const { leases } = await rest(`/thalamus/compute/v1/leases/tenant/${account.address}?state=1`);
    const lease = leases[0];
    await keplrPage.goto(`${CONSOLE}/leases/${lease.id}`);
    await keplrPage.click("#wallet button:text('Connect Keplr')");
    await keplrPage.waitForSelector("[data-testid=top-up]");
    const suggested = await keplrPage.evaluate(() => (window as any).suggested);
    expect(suggested.chainId).toBe(cfg.chainId);
    expect(suggested.rpc).toBe(cfg.rpc);
    expect(suggested.rest).toBe(cfg.rest);
    expect(suggested.bech32Config.bech32PrefixAccAddr).toBe("thalamus");
    expect(suggested.currencies[0].coinMinimalDenom).toBe("uthal");
    expect(await keplrPage.evaluate(() => (window as any).enabled)).toBe(cfg.chainId);
    const before = BigInt((await rest(`/thalamus/compute/v1/leases/${lease.id}`)).lease.escrow.amount);
    await keplrPage.fill("[data-testid=top-up] input[name=amount]", "1");
    await keplrPage.click("[data-testid=top-up] button[type=submit]");
    await txOk(keplrPage);
    expect(BigInt((await rest(`/thalamus/compute/v1/leases/${lease.id}`)).lease.escrow.amount)).toBeGreaterThan(before);
    await keplrPage.close();
  });

  it("is readable on a phone", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await open("/devices/2", "device-phone");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1); // wide tables scroll inside their box, the page does not
  });
});
