// "/leases": leases, and a form to rent GPUs by class; "/leases/{id}": a lease's escrow, accrual,
// time left, state, GPUs and events, with the tenant's actions (top up, close).
import { LeaseCloseReason, LeaseCloseReasonSchema, LeaseStateSchema, LeaseState } from "@client/gen/thalamus/compute/v1/types_pb.js";
import { MsgCloseLeaseSchema, MsgCreateLeaseSchema, MsgDepositLeaseSchema } from "@client/gen/thalamus/compute/v1/tx_pb.js";
import { DENOM } from "@client/queries";
import { msg } from "@client/messages";
import { fromBinary } from "@bufbuild/protobuf";
import { MsgCreateLeaseResponseSchema } from "@client/gen/thalamus/compute/v1/tx_pb.js";
import { q, txEvents } from "../api";
import { navigate } from "../nav";
import { addrLink, coin, facts, h, label, link, section, table } from "../ui";
import { act, address, broadcast } from "../wallet";


const uthal = (thal: string) => BigInt(Math.round(Number(thal) * 1_000_000)).toString();

function createForm(classes: string[]): HTMLElement {
  const field = (lbl: string, input: HTMLElement) => h("label", {}, lbl, input);
  const cls = h("select", { name: "class", required: true }, classes.map((c) => h("option", { value: c }, c)));
  const gpus = h("input", { name: "gpus", type: "number", min: 1, value: 1, required: true });
  const hours = h("input", { name: "hours", type: "number", min: 1, value: 1, required: true });
  const deposit = h("input", { name: "deposit", type: "number", min: 0, step: "any", value: 20, required: true });
  const form = h("form", { class: "action", "data-testid": "create-lease" },
    field("Class", cls), field("GPUs", gpus), field("Hours", hours), field("Deposit (THAL)", deposit),
    h("button", { type: "submit" }, "Create lease"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void act(form, async () => {
      const res = await broadcast([msg(MsgCreateLeaseSchema, {
        tenant: address, class: cls.value, gpus: Number(gpus.value), hours: Number(hours.value),
        deposit: { denom: DENOM, amount: uthal(deposit.value) }
      })]);
      const data = res.msgResponses[0];
      const created = data ? fromBinary(MsgCreateLeaseResponseSchema, data.value) : undefined;
      if (created && created.leaseId > 0n) {
        setTimeout(() => navigate(`/leases/${created.leaseId}`), 300);
        return `Lease ${created.leaseId} created at height ${res.height}.`;
      }
      return `No offer matched now: order ${created?.orderId ?? "?"} opened at height ${res.height}.`;
    });
  });
  return address ? form : h("p", {}, "Connect a wallet to rent GPUs.");
}

export async function leasesPage(): Promise<HTMLElement> {
  const [leases, market] = await Promise.all([q.compute.leases({ pagination: { limit: 200n, reverse: true } }), q.compute.market({})]);
  const classes = market.markets.map((m) => m.market!).filter((m) => m.gpusAvailable > 0 || m.offeredGpus > 0n).map((m) => m.class);
  return h("div", {},
    h("h1", {}, "Leases"),
    section("Rent GPUs", createForm(classes.length ? classes : market.markets.map((m) => m.market!.class))),
    section("All leases", table(["lease", "tenant", "provider", "class", "GPUs", "price /GPU-h", "escrow", "state"],
      leases.leases.map((l) => [link(`/leases/${l.id}`, String(l.id)), addrLink(l.tenant), addrLink(l.provider, "/providers/"), l.class,
        String(l.gpuIds.length), coin(l.pricePerGpuHour), coin(l.escrow), label(LeaseStateSchema, l.state)]), { testid: "leases" })),
  );
}

function tenantActions(leaseId: bigint): HTMLElement {
  const amount = h("input", { name: "amount", type: "number", min: 0, step: "any", value: 10, required: true });
  const topUp = h("form", { class: "action", "data-testid": "top-up" }, h("label", {}, "Top up (THAL)", amount), h("button", { type: "submit" }, "Deposit"));
  topUp.addEventListener("submit", (e) => {
    e.preventDefault();
    void act(topUp, async () => {
      const res = await broadcast([msg(MsgDepositLeaseSchema, { tenant: address, leaseId, amount: { denom: DENOM, amount: uthal(amount.value) } })]);
      return `Deposited at height ${res.height}.`;
    });
  });
  const close = h("form", { class: "action", "data-testid": "close-lease" }, h("button", { type: "submit", class: "danger" }, "Close lease"));
  close.addEventListener("submit", (e) => {
    e.preventDefault();
    void act(close, async () => {
      const res = await broadcast([msg(MsgCloseLeaseSchema, { sender: address, leaseId, reason: LeaseCloseReason.TENANT_DONE })]);
      return `Lease closed at height ${res.height}; the rest of the escrow is refunded.`;
    });
  });
  return h("div", {}, topUp, close);
}

const LEASE_EVENTS = ["EventLeaseCreated", "EventLeaseConfirmed", "EventLeaseDeposited", "EventLeaseClosed"];

export async function leasePage(id: string): Promise<HTMLElement> {
  const r = await q.compute.lease({ id: BigInt(id) });
  const l = r.lease;
  if (!l) throw new Error(`no lease ${id}`);
  const events = (await Promise.all(LEASE_EVENTS.map((t) => txEvents(`thalamus.compute.v1.${t}`, "lease_id", `"${id}"`).catch(() => []))))
    .flat().sort((a, b) => b.height - a.height);
  const hours = (blocks: bigint) => (l.blocksPerHour > 0n ? `${(Number(blocks) / Number(l.blocksPerHour)).toFixed(2)} h` : "");
  const toEnd = l.endHeight > r.height ? l.endHeight - r.height : 0n;
  const open = l.state !== LeaseState.CLOSED;
  return h("div", {},
    h("h1", {}, `Lease ${l.id}`),
    facts([
      ["State", h("span", { "data-testid": "lease-state" }, label(LeaseStateSchema, l.state))],
      ["Tenant", addrLink(l.tenant)], ["Provider", addrLink(l.provider, "/providers/")], ["Class", l.class],
      ["GPUs", h("span", {}, l.gpuIds.flatMap((g, i) => [i ? ", " : "", link(`/gpus/${g}`, String(g))]))],
      ["Price", `${coin(l.pricePerGpuHour)} per GPU-hour`],
      ["Escrow", h("span", { "data-testid": "lease-escrow" }, coin(l.escrow))],
      ["Accrued, not yet settled", coin(r.accrued)], ["Escrow after settlement", coin(r.escrowAfterSettlement)], ["Paid to provider", coin(l.paid)],
      ["Time left", open ? `${toEnd} blocks (${hours(toEnd)}) to the end height` : "-"],
      ["Escrow covers", open ? `${r.blocksLeft} more active blocks (${hours(r.blocksLeft)} at ${l.blocksPerHour} blocks/h)` : "-"],
      ["Created at", String(l.createdHeight)], ["Ends at", String(l.endHeight)],
      ...(l.closedHeight > 0n ? [["Closed", `at ${l.closedHeight}: ${label(LeaseCloseReasonSchema, l.closeReason)}`] as [string, string]] : []),
      ...(l.billingSuspended ? [["Billing", "suspended (a GPU is down)"] as [string, string]] : []),
    ], "lease-facts"),
    open && l.tenant === address && section("Your lease", tenantActions(l.id)),
    open && address && l.tenant !== address && h("p", {}, "Connect as the tenant to top up or close this lease."),
    section("Events", table(["height", "event", "details", "tx"], events.map((e) => [String(e.height), e.type.replace("thalamus.compute.v1.Event", ""),
      Object.entries(e.attributes).filter(([k]) => k !== "msg_index" && k !== "lease_id").map(([k, v]) => `${k}=${v.replace(/^"|"$/g, "")}`).join(" "),
      h("code", {}, e.hash.slice(0, 10))]), { testid: "lease-events", empty: "No event found." })),
  );
}
