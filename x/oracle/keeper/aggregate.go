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

// Aggregate combines the reports on one task. It returns false while the reporting power is
// below quorum of totalPower or, for a GPU challenge, while no verdict holds quorum of
// totalPower; otherwise the result: the verdict with quorum, or the stake-weighted median
// score and the flags reported by more than half of the reporting power.
func Aggregate(kind types.TaskKind, reports []WeightedReport, totalPower int64, quorum math.LegacyDec) (types.TaskResult, bool) {
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
		res.Score = WeightedMedian(reports)
		res.Flags = majorityFlags(reports, reported)
		return res, true
	}
	return res, false
}

// reaches reports whether power >= fraction x total, exactly.
func reaches(power, total int64, fraction math.LegacyDec) bool {
	return math.LegacyNewDec(power).GTE(fraction.MulInt64(total))
}

// WeightedMedian is the lower stake-weighted median of the reported scores: the smallest
// score at which the reports at or below it hold at least half of the reporting power.
// Ties in score are ordered by consensus address so the order never depends on the input.
func WeightedMedian(reports []WeightedReport) uint32 {
	if len(reports) == 0 {
		return 0
	}
	sorted := slices.Clone(reports)
	slices.SortFunc(sorted, func(a, b WeightedReport) int {
		return cmp.Or(cmp.Compare(a.Report.Score, b.Report.Score), bytes.Compare(a.ConsAddress, b.ConsAddress))
	})
	var total, cum int64
	for _, r := range sorted {
		total += r.Power
	}
	for _, r := range sorted {
		cum += r.Power
		if 2*cum >= total {
			return r.Report.Score
		}
	}
	return sorted[len(sorted)-1].Report.Score
}

// majorityFlags returns, in increasing order, the flags reported by more than half of the power.
func majorityFlags(reports []WeightedReport, reported int64) []uint32 {
	power := map[uint32]int64{}
	for _, r := range reports {
		for _, f := range r.Report.Flags {
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
// a score within band x 10000 of the median.
func Agrees(kind types.TaskKind, r types.TaskReport, res types.TaskResult, band math.LegacyDec) bool {
	if kind == types.TASK_KIND_GPU_CHALLENGE {
		return r.Verdict == res.Verdict
	}
	diff := int64(r.Score) - int64(res.Score)
	if diff < 0 {
		diff = -diff
	}
	return math.LegacyNewDec(diff).LTE(band.MulInt64(appconsts.MaxScore))
}

// fitsKind reports whether a report has the shape its task's kind needs: a verdict for a
// GPU challenge, none for a sensor batch.
func fitsKind(kind types.TaskKind, r types.TaskReport) bool {
	if kind == types.TASK_KIND_GPU_CHALLENGE {
		return r.Verdict != types.VERDICT_UNSPECIFIED
	}
	return r.Verdict == types.VERDICT_UNSPECIFIED
}
