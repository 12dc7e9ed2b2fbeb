// "/providers/{address}": a provider's collateral, GPUs and leases, and its reward receipts over time.
import { GPUStatusSchema, LeaseStateSchema, ProviderStatusSchema } from "@client/gen/thalamus/compute/v1/types_pb.js";
import { q } from "../api";
import { addrLink, coin, facts, h, label, link, score, section, table } from "../ui";
import { receiptsSection } from "./address";

export async function providerPage(address: string): Promise<HTMLElement> {
  const [{ provider: p }, gpus, leases, receipts] = await Promise.all([
    q.compute.provider({ address }), q.compute.gPUs({ provider: address, pagination: { limit: 500n } }),
    q.compute.leasesByProvider({ provider: address, pagination: { limit: 200n, reverse: true } }),
    q.rewards.receipts({ address, pagination: { limit: 100n } }), // newest first
  ]);
  if (!p) throw new Error(`no provider ${address}`);
  return h("div", {},
    h("h1", {}, p.moniker || "Provider"),
    facts([["Address", addrLink(p.address)], ["Collateral", h("span", { "data-testid": "collateral" }, coin(p.collateral))], ["State", label(ProviderStatusSchema, p.status)],
      ["Region", p.region], ["Endpoint", p.endpoint], ["GPUs", String(p.gpuCount)], ["Registered at", String(p.registeredHeight)]], "provider-facts"),
    section("GPUs", table(["id", "uuid", "class", "score", "state", "lease"], gpus.gpus.map((g) => [link(`/gpus/${g.id}`, String(g.id)), h("code", {}, g.uuid), g.class,
      score(g.score), label(GPUStatusSchema, g.status), g.leaseId > 0n ? link(`/leases/${g.leaseId}`, String(g.leaseId)) : "-"]), { testid: "provider-gpus" })),
    section("Leases", table(["lease", "tenant", "GPUs", "price /GPU-h", "paid", "state"], leases.leases.map((l) => [link(`/leases/${l.id}`, String(l.id)), addrLink(l.tenant),
      String(l.gpuIds.length), coin(l.pricePerGpuHour), coin(l.paid), label(LeaseStateSchema, l.state)]), { testid: "provider-leases", empty: "No lease yet." })),
    receiptsSection(receipts.receipts),
  );
}

