// "/address/{address}": balances, pending rewards, receipts (charted over epochs), and claim.
import { MsgClaimRewardsSchema } from "@client/gen/thalamus/rewards/v1/tx_pb.js";
import { PoolSchema } from "@client/gen/thalamus/rewards/v1/types_pb.js";
import type { Receipt } from "@client/gen/thalamus/rewards/v1/types_pb.js";
import { msg } from "@client/messages";
import { balances, q } from "../api";
import { chart, facts, h, label, section, table, thal } from "../ui";
import { act, address as connected, broadcast } from "../wallet";

/** Receipts newest first: a chart of the amounts per epoch and a table of where they came from. */
export function receiptsSection(receipts: Receipt[]): HTMLElement {
  const closed = receipts.filter((r) => r.closed).reverse();
  return section("Reward receipts",
    closed.length > 1 && chart(closed.map((r) => Number(r.epoch)), [{ label: "THAL per epoch", values: closed.map((r) => Number(r.amount) / 1e6), color: "#16a34a", points: true }], { time: false, testid: "receipts-chart" }),
    table(["epoch", "state", "amount", "pools", "work"], receipts.map((r) => [String(r.epoch), r.closed ? (r.claimedHeight > 0n ? `claimed at ${r.claimedHeight}` : "closed") : "current",
      r.closed ? thal(r.amount) : "-", r.pools.map((p) => `${label(PoolSchema, p.pool)} ${Number(p.units).toFixed(2)} units`).join("; "),
      r.items.slice(0, 4).map((i) => `${i.source}: ${Number(i.quantity).toFixed(1)} x ${Number(i.multiplier).toFixed(2)}`).join("; ") + (r.items.length > 4 ? ` (+${r.items.length - 4})` : "")]),
    { testid: "receipts", empty: "No receipt yet." }));
}

function claimForm(): HTMLElement {
  const form = h("form", { class: "action", "data-testid": "claim" }, h("button", { type: "submit" }, "Claim rewards"));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void act(form, async () => `Claimed at height ${(await broadcast([msg(MsgClaimRewardsSchema, { claimant: connected })])).height}.`);
  });
  return form;
}

export async function addressPage(address: string): Promise<HTMLElement> {
  const [bals, pending, receipts] = await Promise.all([balances(address), q.rewards.pendingRewards({ address }), q.rewards.receipts({ address, pagination: { limit: 100n } }) /* newest first */]);
  return h("div", {},
    h("h1", {}, "Address"),
    facts([["Address", h("code", {}, address)], ["Balances", h("span", { "data-testid": "balances" }, bals.map((b) => thal(b.amount, b.denom)).join(", ") || "none")],
      ["Claimable rewards", h("span", { "data-testid": "claimable" }, pending.claimable ? thal(pending.claimable.amount) : "-")], ["Unclaimed epochs", String(pending.unclaimedEpochs)]], "address-facts"),
    connected === address && pending.unclaimedEpochs > 0 && section("Claim", claimForm()),
    receiptsSection(receipts.receipts),
  );
}
