package keeper

import (
	"bytes"
	"cmp"
	"slices"

	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// Vote is one validator's precommit of the last block as the aggregation sees it: its
// consensus address and power (checked against CometBFT's last commit) and its decoded
// extension. Validators absent from the commit are not Votes at all.
type Vote struct {
	ConsAddress []byte
	Power       int64
	Extension   types.OracleVoteExtension
}

// WeightedReport is one validator's report on one task with the validator's power.
type WeightedReport struct {
	ConsAddress []byte
	Power       int64
	Report      types.TaskReport
	voter       int    // index of the vote it came from
	address     string // ConsAddress in bech32
}

// Aggregate combines the reports on one task of items items (0 for a GPU challenge; every
// report fits the task, see fitsKind). It returns false while the reporting power is below
// quorum of totalPower or, for a GPU challenge, while no verdict holds quorum of totalPower;
// otherwise the result: the verdict with quorum, or for each item the stake-weighted median
// score and the flags reported by more than half of the reporting power.
func Aggregate(kind types.TaskKind, items int, reports []WeightedReport, totalPower int64, quorum math.LegacyDec) (types.TaskResult, bool) {
	var reported int64
	for _, r := range reports {
		reported += r.Power
	}
	res := types.TaskResult{ReportedPower: reported, TotalPower: totalPower, Reporters: uint32(len(reports))}
	if totalPower <= 0 || !reaches(reported, totalPower, quorum) {
		return res, false
	}
	switch kind {
	case types.TASK_KIND_GPU_CHALLENGE:
		// Verdicts are tallied in verdict order, so the first one with quorum wins; with a
		// quorum above 1/2 at most one can have it.
		for _, v := range []types.Verdict{types.VERDICT_PASS, types.VERDICT_FRAUD, types.VERDICT_UNDERPERFORM} {
			var power int64
			for _, r := range reports {
				if r.Report.Verdict == v {
					power += r.Power
				}
			}
			if reaches(power, totalPower, quorum) {
				res.Verdict = v
				return res, true
			}
		}
		return res, false
	case types.TASK_KIND_SENSOR_BATCH:
		res.Items = medianScores(reports, items)
		for i := range res.Items {
			res.Items[i].Flags = majorityFlags(reports, i, reported)
		}
		return res, true
	}
	return res, false
}

// reaches reports whether power >= fraction x total, exactly.
func reaches(power, total int64, fraction math.LegacyDec) bool {
	return math.LegacyNewDec(power).GTE(fraction.MulInt64(total))
}

// WeightedMedian is the lower stake-weighted median of the reported scores of item: the
// smallest score at which the reports at or below it hold at least half of the reporting
// power. Ties in score are ordered by consensus address so the order never depends on the input.
func WeightedMedian(reports []WeightedReport, item int) uint32 {
	if len(reports) == 0 {
		return 0
	}
	sorted := slices.Clone(reports)
	slices.SortFunc(sorted, func(a, b WeightedReport) int {
		return cmp.Or(cmp.Compare(a.Report.Items[item].Score, b.Report.Items[item].Score), bytes.Compare(a.ConsAddress, b.ConsAddress))
	})
	var total, cum int64
	for _, r := range sorted {
		total += r.Power
	}
	for _, r := range sorted {
		cum += r.Power
		if 2*cum >= total {
			return r.Report.Items[item].Score
		}
	}
	return sorted[len(sorted)-1].Report.Items[item].Score
}

// medianScores is, for each of a sensor task's items, the WeightedMedian of its reported scores.
func medianScores(reports []WeightedReport, items int) []types.ItemScore {
	out := make([]types.ItemScore, items)
	for i := range out {
		out[i].Score = WeightedMedian(reports, i)
	}
	return out
}

// majorityFlags returns, in increasing order, the flags of item reported by more than half of the power.
func majorityFlags(reports []WeightedReport, item int, reported int64) []uint32 {
	power := map[uint32]int64{}
	for _, r := range reports {
		for _, f := range r.Report.Items[item].Flags {
			power[f] += r.Power
		}
	}
	var flags []uint32
	for f, p := range power {
		if 2*p > reported {
			flags = append(flags, f)
		}
	}
	slices.Sort(flags) // map order must not reach state
	return flags
}

// Agrees reports whether a validator's report agrees with the result: the same verdict, or
// every item's score within band x 10000 of the item's median.
func Agrees(kind types.TaskKind, r types.TaskReport, res types.TaskResult, band math.LegacyDec) bool {
	if kind == types.TASK_KIND_GPU_CHALLENGE {
		return r.Verdict == res.Verdict
	}
	if len(r.Items) != len(res.Items) {
		return false
	}
	limit := band.MulInt64(appconsts.MaxScore)
	for i, item := range r.Items {
		diff := int64(item.Score) - int64(res.Items[i].Score)
		if diff < 0 {
			diff = -diff
		}
		if math.LegacyNewDec(diff).GT(limit) {
			return false
		}
	}
	return true
}

// fitsKind reports whether a report has the shape its task needs: a verdict and no items
// for a GPU challenge, no verdict and a score for each of its items for a sensor task.
func fitsKind(t types.Task, r types.TaskReport) bool {
	if t.Kind == types.TASK_KIND_GPU_CHALLENGE {
		return r.Verdict != types.VERDICT_UNSPECIFIED && len(r.Items) == 0
	}
	return r.Verdict == types.VERDICT_UNSPECIFIED && len(r.Items) == len(t.Items)
}
