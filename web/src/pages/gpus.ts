// "/gpus": the GPU market by class, offers by price, and every GPU with its provider, score,
// verification state and latest challenge verdicts; "/gpus/{id}": one GPU's challenge history.
import { AttestationTierSchema, ChallengeStateSchema, GPUStatusSchema } from "@client/gen/thalamus/compute/v1/types_pb.js";
import type { Challenge, GPU } from "@client/gen/thalamus/compute/v1/types_pb.js";
import { q } from "../api";
import { addrLink, chart, coin, facts, h, label, link, score, section, table, thal } from "../ui";

/** A provider's challenges, newest first, grouped by GPU. */
async function challengesByGpu(providers: string[]): Promise<Map<bigint, Challenge[]>> {
  const lists = await Promise.all(providers.map((p) => q.compute.challengesByProvider({ provider: p, pagination: { limit: 200n, reverse: true } })));
  const byGpu = new Map<bigint, Challenge[]>();
  for (const c of lists.flatMap((l) => l.challenges).sort((a, b) => Number(b.id - a.id))) {
    byGpu.set(c.gpuId, [...(byGpu.get(c.gpuId) ?? []), c]);
  }
  return byGpu;
}

const verdict = (c: Challenge) => h("span", { class: `verdict ${label(ChallengeStateSchema, c.state).replace(/ /g, "-")}`, title: `challenge ${c.id} at ${c.issuedHeight}` }, label(ChallengeStateSchema, c.state));

function gpuRow(g: GPU, recent: Challenge[]) {
  return [link(`/gpus/${g.id}`, String(g.id)), h("code", {}, g.uuid), addrLink(g.provider, "/providers/"), g.class, g.model,
    score(g.score), label(GPUStatusSchema, g.status) + (g.down ? " (down)" : ""), label(AttestationTierSchema, g.attestationTier),
    h("span", { class: "verdicts" }, recent.slice(0, 5).map(verdict))];
}

export async function gpusPage(): Promise<HTMLElement> {
  const [market, gpus, providers] = await Promise.all([q.compute.market({}), q.compute.gPUs({ pagination: { limit: 500n } }), q.compute.providers({})]);
  const classes = market.markets.map((m) => m.market!).filter((m) => m.gpusRegistered > 0 || m.offeredGpus > 0n);
  const offers = (await Promise.all(classes.map((m) => q.compute.offersByClass({ class: m.class })))).flatMap((r) => r.offers)
    .sort((a, b) => Number(BigInt(a.pricePerGpuHour?.amount ?? "0") - BigInt(b.pricePerGpuHour?.amount ?? "0")));
  const challenges = await challengesByGpu(providers.providers.map((p) => p.address));
  return h("div", {},
    h("h1", {}, "GPUs"),
    section("Classes", table(["class", "registered", "verified", "available", "leased", "utilisation", "cheapest offer /GPU-h", "median price", "open orders"],
      market.markets.map((m) => {
        const c = m.market!;
        return [c.class, String(c.gpusRegistered), String(c.gpusVerified), String(c.gpusAvailable), String(c.gpusLeased), `${(m.utilizationBps / 100).toFixed(1)}%`,
          m.cheapestOfferPrice > 0n ? thal(m.cheapestOfferPrice) : "-", m.priceMedian > 0n ? thal(m.priceMedian) : "-", String(c.openOrders)];
      }), { testid: "classes" })),
    section("Offers by price", table(["offer", "class", "price /GPU-h", "GPUs", "leased", "hours", "provider"],
      offers.map((o) => [String(o.id), o.class, coin(o.pricePerGpuHour), String(o.gpus), String(o.leasedGpus), `${o.minLeaseHours}-${o.maxLeaseHours}`, addrLink(o.provider, "/providers/")]),
      { testid: "offers", empty: "No open offer." })),
    section("GPUs", table(["id", "uuid", "provider", "class", "model", "score", "state", "attestation", "latest verdicts"],
      gpus.gpus.map((g) => gpuRow(g, challenges.get(g.id) ?? [])), { testid: "gpus" })),
  );
}

export async function gpuPage(id: string): Promise<HTMLElement> {
  const { gpu: g } = await q.compute.gPU({ id: BigInt(id) });
  if (!g) throw new Error(`no GPU ${id}`);
  const history = (await challengesByGpu([g.provider])).get(g.id) ?? [];
  const done = history.filter((c) => c.submittedHeight > 0n).reverse();
  return h("div", {},
    h("h1", {}, `GPU ${g.id}`),
    facts([["UUID", h("code", { "data-testid": "gpu-uuid" }, g.uuid)], ["Provider", addrLink(g.provider, "/providers/")], ["Class", g.class], ["Model", g.model],
      ["Memory", `${g.memoryMib} MiB`], ["Driver / CUDA", `${g.driverVersion} / ${g.cudaVersion}`], ["Score", score(g.score)],
      ["State", label(GPUStatusSchema, g.status) + (g.down ? " (down)" : "")], ["Lease", g.leaseId > 0n ? link(`/leases/${g.leaseId}`, String(g.leaseId)) : "-"],
      ["Missed challenges", String(g.missedChallenges)], ["Next challenge at", String(g.nextChallengeHeight)]], "gpu-facts"),
    done.length > 1 && section("Nonces tried per challenge", chart(done.map((c) => Number(c.issuedHeight)), [{ label: "nonces tried", values: done.map((c) => Number(c.noncesTried)), color: "#3b82f6", points: true }], { time: false })),
    section("Challenge history", table(["challenge", "issued", "deadline", "preset", "verdict", "nonces tried", "winners", "expected"],
      history.map((c) => [String(c.id), String(c.issuedHeight), String(c.deadlineHeight), c.preset, verdict(c), String(c.noncesTried), String(c.winners.length), String(c.expectedWinners)]),
      { testid: "challenges", empty: "No challenge yet." })),
  );
}

