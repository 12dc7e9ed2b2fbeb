package types

import (
	errorsmod "cosmossdk.io/errors"

	"github.com/thalamus-network/thalamus/pkg/pow"
)

// ValidateWork checks a proof-of-work submission against its challenge's preset without
// recomputing anything: at most maxWinners winners, strictly increasing nonces below
// noncesTried, digests that win the lottery, and telemetry in range. The validators'
// sidecars recompute sampled winners afterwards.
func ValidateWork(preset string, noncesTried uint64, winners []PowWinner, maxWinners uint32, t Telemetry) error {
	params, err := pow.Preset(preset)
	if err != nil {
		return errorsmod.Wrap(ErrInvalidWork, err.Error())
	}
	if len(winners) > int(maxWinners) {
		return errorsmod.Wrapf(ErrInvalidWork, "%d winners, at most %d", len(winners), maxWinners)
	}
	for i, w := range winners {
		if i > 0 && w.Nonce <= winners[i-1].Nonce {
			return errorsmod.Wrapf(ErrInvalidWork, "winner nonces must strictly increase: %d after %d", w.Nonce, winners[i-1].Nonce)
		}
		if w.Nonce >= noncesTried {
			return errorsmod.Wrapf(ErrInvalidWork, "nonce %d is beyond the %d nonces tried", w.Nonce, noncesTried)
		}
		if !params.Wins(w.Digest) {
			return errorsmod.Wrapf(ErrInvalidWork, "nonce %d: digest %08x does not win at 2^-%d", w.Nonce, w.Digest, params.LotteryBits)
		}
	}
	if t.GpuUtilizationPct > 100 || t.MaxTemperatureC > 200 {
		return errorsmod.Wrapf(ErrInvalidWork, "telemetry out of range: utilization %d %%, temperature %d C", t.GpuUtilizationPct, t.MaxTemperatureC)
	}
	return nil
}
