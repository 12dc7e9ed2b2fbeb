// "/": the chain's height and pace, its validators with their oracle record, the oracle's
// tasks, and the current reward epoch's emission and split.
import { PoolSchema } from "@client/gen/thalamus/rewards/v1/types_pb.js";
import { TaskKind, TaskKindSchema, TaskStatus } from "@client/gen/thalamus/oracle/v1/types_pb.js";
import { block, latestBlock, q, validators } from "../api";
import { addrLink, facts, h, label, link, section, table, thal } from "../ui";

/** amount x a cosmos LegacyDec (18 decimals), rounded down, exactly. */
function decTimes(amount: string, dec: string): bigint {
  const [whole, frac = ""] = dec.split(".");
  return (BigInt(amount) * BigInt(whole + frac.padEnd(18, "0").slice(0, 18))) / 10n ** 18n;
}

export async function networkPage(): Promise<HTMLElement> {
  const latest = await latestBlock();
  const [earlier, vals, open, finalised, epoch] = await Promise.all([
    block(Math.max(1, latest.height - 20)),
    validators(),
    q.oracle.tasks({ status: TaskStatus.OPEN, pagination: { limit: 20n, countTotal: true } }),
    q.oracle.tasks({ status: TaskStatus.FINALIZED, pagination: { limit: 20n, countTotal: true } }), // newest first
    q.rewards.currentEpoch({}),
  ]);
  const span = latest.height - earlier.height;
  const blockTime = span > 0 ? (latest.time.getTime() - earlier.time.getTime()) / span / 1000 : 0;
  const perf = await Promise.all(vals.map((v) => q.oracle.validatorPerformance({ address: v.operator_address }).then((r) => r.performance).catch(() => undefined)));
  const ep = epoch.epoch;
  const taskRow = (t: (typeof open.tasks)[number]) => [
    String(t.id), label(TaskKindSchema, t.kind), t.module,
    t.kind === TaskKind.GPU_CHALLENGE ? `challenge ${t.subjectId}` : addrLink(t.series),
    String(t.items.length || 1),
    String(t.openedHeight), t.result ? `${t.result.reporters} reporters at ${t.result.finalizedHeight}` : `deadline ${t.deadlineHeight}`,
    t.committee.length ? `${t.committee.length}${t.escalated ? " (escalated)" : ""}` : "all",
  ];
  const taskHeaders = ["id", "kind", "module", "subject (challenge or committer)", "items", "opened", "state", "committee"];
  return h("div", {},
    h("h1", {}, "Network"),
    facts([
      ["Chain", latest.chainId],
      ["Height", h("span", { "data-testid": "net-height" }, String(latest.height))],
      ["Block time", `${blockTime.toFixed(2)} s (last ${span} blocks)`],
      ["Validators", String(vals.length)],
      ["Open tasks", String(open.pagination?.total ?? open.tasks.length)],
      ["Finalised tasks", String(finalised.pagination?.total ?? finalised.tasks.length)],
    ], "network-facts"),
    section("Validators", table(["moniker", "operator", "stake", "status", "oracle valid", "deviated", "missed", "overturned", "penalties"],
      vals.map((v, i) => {
        const p = perf[i];
        return [v.description.moniker, v.operator_address, thal(v.tokens), v.jailed ? "jailed" : v.status.replace("BOND_STATUS_", "").toLowerCase(),
          p ? String(p.totalValid) : "-", p ? String(p.totalDeviated) : "-", p ? String(p.totalMissed) : "-", p ? String(p.totalOverturned) : "-", p ? String(p.penalties) : "-"];
      }), { testid: "validators" })),
    ep && section(`Reward epoch ${ep.number}`,
      facts([["Emission", thal(ep.emission)], ["Community", thal(ep.community)], ["Started at", String(ep.startHeight)],
        ["GPU hours", Number(ep.gpuHours).toFixed(2)], ["Utilisation", `${(Number(ep.utilization) * 100).toFixed(1)}%`]]),
      table(["pool", "share", "of the emission", "units so far"], ep.pools.map((p) => [label(PoolSchema, p.pool), `${(Number(p.share) * 100).toFixed(1)}%`,
        thal(decTimes(ep.emission, p.share)), Number(p.units).toFixed(2)]), { testid: "pools" })),
    section("Open tasks", table(taskHeaders, open.tasks.map(taskRow), { testid: "open-tasks", empty: "No open task." })),
    section("Recently finalised", table(taskHeaders, finalised.tasks.map(taskRow), { testid: "finalised-tasks" })),
    h("p", {}, link("/gpus", "GPUs"), " · ", link("/devices", "Devices"), " · ", link("/leases", "Leases")),
  );
}
