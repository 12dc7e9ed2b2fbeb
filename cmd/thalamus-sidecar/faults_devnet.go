//go:build devnet

package main

// Fault injection for devnets. It is compiled only with -tags devnet (make build-devnet, which
// make localnet and scripts/testnet.sh use), never into the binaries make build and make
// install produce.

import (
	"log/slog"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/thalamus-network/thalamus/internal/sidecar"
	"github.com/thalamus-network/thalamus/pkg/appconsts"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

func addDevnetFlags(f *pflag.FlagSet) {
	f.Bool("wrong-results", false, "devnet builds only: report inverted verdicts and scores, to watch the validator being outvoted and counted as deviating")
}

func devnetFaults(v *viper.Viper, cfg *sidecar.Config, logger *slog.Logger) {
	if v.GetBool("wrong-results") {
		logger.Warn("--wrong-results: this sidecar reports inverted verdicts and scores (devnets only)")
		cfg.Tamper = lie
	}
}

// lie inverts a report: a pass becomes fraud, fraud and underperformance a pass, each item's
// score 10000 - score.
func lie(r *oracletypes.TaskReport) *oracletypes.TaskReport {
	out := *r
	switch r.Verdict {
	case oracletypes.VERDICT_PASS:
		out.Verdict = oracletypes.VERDICT_FRAUD
	case oracletypes.VERDICT_FRAUD, oracletypes.VERDICT_UNDERPERFORM:
		out.Verdict = oracletypes.VERDICT_PASS
	default:
		out.Items = make([]oracletypes.ItemScore, len(r.Items))
		for i, item := range r.Items {
			out.Items[i] = oracletypes.ItemScore{Score: appconsts.MaxScore - item.Score, Flags: item.Flags}
		}
	}
	return &out
}
