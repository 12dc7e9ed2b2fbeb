// The console's shell: a path router (every page has its own URL, served directly by the
// app's fallback), live refresh, and the wallet in the header.
import "./style.css";
import { config, loadConfig, latestBlock } from "./api";
import { errorBox, h } from "./ui";
import { navigate } from "./nav";
import { onWalletChange, restoreWallet } from "./wallet";
import { networkPage } from "./pages/network";
import { gpuPage, gpusPage } from "./pages/gpus";
import { leasePage, leasesPage } from "./pages/leases";
import { providerPage } from "./pages/provider";
import { devicePage, devicesPage } from "./pages/devices";
import { addressPage } from "./pages/address";

type Page = (...params: string[]) => Promise<HTMLElement>;

const routes: [RegExp, Page, string][] = [
  [/^\/$/, networkPage, "Network"],
  [/^\/gpus$/, gpusPage, "GPUs"],
  [/^\/gpus\/(\d+)$/, gpuPage, "GPU"],
  [/^\/leases$/, leasesPage, "Leases"],
  [/^\/leases\/(\d+)$/, leasePage, "Lease"],
  [/^\/providers\/([a-z0-9]+)$/, providerPage, "Provider"],
  [/^\/devices$/, devicesPage, "Devices"],
  [/^\/devices\/(\d+)$/, devicePage, "Device"],
  [/^\/address\/([a-z0-9]+)$/, addressPage, "Address"],
];

const REFRESH_MS = 5000;
const app = document.getElementById("app")!;
let generation = 0;

async function render(firstTime: boolean): Promise<void> {
  const gen = ++generation;
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const route = routes.find(([re]) => re.test(path));
  document.querySelectorAll("header nav a").forEach((a) =>
    a.toggleAttribute("aria-current", (a as HTMLAnchorElement).pathname === "/" ? path === "/" : path.startsWith((a as HTMLAnchorElement).pathname)));
  let el: HTMLElement;
  if (!route) {
    el = h("div", {}, h("h1", {}, "Not found"), h("p", {}, `No page at ${path}.`));
  } else {
    document.title = `${route[2]} · Thalamus Console`;
    try {
      el = await route[1](...(path.match(route[0])!.slice(1)));
    } catch (e) {
      el = h("div", {}, h("h1", {}, route[2]), errorBox(e));
    }
  }
  if (gen !== generation) return; // a newer navigation won
  el.setAttribute("data-ready", "true");
  app.replaceChildren(el);
  if (firstTime) app.focus({ preventScroll: true });
}

/** A refresh waits while the user is typing in, or acting through, one of the page's forms. */
function busy(): boolean {
  const a = document.activeElement;
  return !!(a && app.contains(a) && a.matches("input, select, textarea")) || app.querySelector("[data-busy]") !== null;
}


document.addEventListener("click", (e) => {
  const a = (e.target as Element).closest("a");
  if (!a || a.origin !== location.origin || a.target || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
window.addEventListener("popstate", () => void render(true));
window.addEventListener("thalamus:refresh", () => void render(false));

async function status(): Promise<void> {
  const foot = document.getElementById("status")!;
  try {
    const b = await latestBlock();
    foot.replaceChildren(h("span", { "data-testid": "height" }, `${config.chainId} · height ${b.height} · ${b.time.toISOString().slice(11, 19)} UTC`));
  } catch (e) {
    foot.replaceChildren(h("span", { class: "error" }, `node unreachable at ${config.rest}: ${(e as Error).message}`));
  }
}

async function start(): Promise<void> {
  await loadConfig().catch((e) => app.replaceChildren(errorBox(e)));
  onWalletChange(() => void render(false));
  await restoreWallet();
  await Promise.all([render(true), status()]);
  setInterval(() => {
    if (document.hidden) return;
    void status();
    if (!busy()) void render(false);
  }, REFRESH_MS);
}

void start();
