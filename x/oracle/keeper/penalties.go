package keeper

import (
	"context"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// Reasons a validator is penalized (EventValidatorPenalized.reason).
const (
	PenaltyValidFraction = "valid_fraction" // too few valid reports: missing, deviating or overturned
	PenaltyOverturned    = "overturned"     // too many committee reports overturned: dissent spam
)

// closeWindow ends a miss window: every validator that had tasks to report in it and whose
// valid fraction is below min_valid_fraction, or whose overturned fraction is above
// max_overturned_fraction, is slashed slash_fraction and jailed for jail_duration (each in a
// cache context: a validator that cannot be slashed, say already jailed or unbonded, is
// skipped); then every record starts a new window. The loop is bounded by the validators that
// ever reported, which the validator set bounds.
func (k Keeper) closeWindow(ctx context.Context, params types.Params, height int64) error {
	iter, err := k.Performance.Iterate(ctx, nil)
	if err != nil {
		return err
	}
	kvs, err := iter.KeyValues()
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		p := kv.Value
		tasks := p.WindowValid + p.WindowDeviated + p.WindowMissed + p.WindowOverturned
		if tasks > 0 {
			valid := math.LegacyNewDec(int64(p.WindowValid)).QuoInt64(int64(tasks))
			overturned := math.LegacyNewDec(int64(p.WindowOverturned)).QuoInt64(int64(tasks))
			reason := ""
			switch {
			case valid.LT(params.MinValidFraction):
				reason = PenaltyValidFraction
			case overturned.GT(params.MaxOverturnedFraction):
				reason = PenaltyOverturned
			}
			if reason != "" && k.penalize(ctx, params, kv.Key, reason, valid, overturned) {
				p.Penalties++
			}
		}
		p.WindowStart, p.WindowValid, p.WindowDeviated, p.WindowMissed, p.WindowOverturned = height+1, 0, 0, 0, 0
		if err := k.Performance.Set(ctx, kv.Key, p); err != nil {
			return err
		}
	}
	return nil
}

// penalize slashes and jails a bonded, unjailed validator and reports whether it did.
func (k Keeper) penalize(ctx context.Context, params types.Params, consAddr []byte, reason string, valid, overturned math.LegacyDec) bool {
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	cacheCtx, write := sdkCtx.CacheContext()
	val, err := k.staking.GetValidatorByConsAddr(cacheCtx, consAddr)
	if err != nil || val.IsJailed() || !val.IsBonded() {
		return false
	}
	power := val.GetConsensusPower(k.staking.PowerReduction(cacheCtx))
	until := sdkCtx.BlockTime().Add(params.JailDuration)
	// As for downtime, the infraction is attributed to the power bonded before the validator-update delay.
	distributionHeight := sdkCtx.BlockHeight() - sdk.ValidatorUpdateDelay - 1
	if err := k.slashing.Slash(cacheCtx, consAddr, params.SlashFraction, power, distributionHeight); err != nil {
		sdkCtx.Logger().Error("oracle slash failed", "validator", sdk.ConsAddress(consAddr).String(), "err", err)
		return false
	}
	if err := k.slashing.Jail(cacheCtx, consAddr); err != nil {
		sdkCtx.Logger().Error("oracle jail failed", "validator", sdk.ConsAddress(consAddr).String(), "err", err)
		return false
	}
	if err := k.slashing.JailUntil(cacheCtx, consAddr, until); err != nil {
		sdkCtx.Logger().Error("oracle jail-until failed", "validator", sdk.ConsAddress(consAddr).String(), "err", err)
		return false
	}
	addr, err := k.consCodec.BytesToString(consAddr)
	if err != nil {
		return false
	}
	if err := events.Emit(cacheCtx, &types.EventValidatorPenalized{
		ConsensusAddress: addr, ValidFraction: valid, SlashFraction: params.SlashFraction, JailedUntil: until.Unix(),
		Reason: reason, OverturnedFraction: overturned,
	}); err != nil {
		return false
	}
	write()
	return true
}
