package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/x/internal/events"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// AddComputeWork credits a provider with one verified proof-of-work challenge of a GPU:
// hours of verified availability at the GPU's score (0-10000). leased says whether a tenant
// held the GPU, which the epoch's utilization counts.
func (k Keeper) AddComputeWork(ctx context.Context, provider sdk.AccAddress, gpuID uint64, hours math.LegacyDec, score uint32, leased bool) error {
	if err := checkScore(score); err != nil {
		return err
	}
	return k.addWork(ctx, types.POOL_COMPUTE, provider, fmt.Sprintf("gpu/%d", gpuID), hours, scoreMultiplier(score),
		func(e *types.Epoch) {
			e.GpuHours = e.GpuHours.Add(hours)
			if leased {
				e.LeasedGpuHours = e.LeasedGpuHours.Add(hours)
			}
		})
}

// AddSensorWork credits a device's owner with a scored batch: its readings at the batch score (0-10000).
func (k Keeper) AddSensorWork(ctx context.Context, owner sdk.AccAddress, deviceID, readings uint64, score uint32) error {
	if err := checkScore(score); err != nil {
		return err
	}
	return k.addWork(ctx, types.POOL_SENSORS, owner, fmt.Sprintf("device/%d", deviceID),
		math.LegacyNewDecFromInt(math.NewIntFromUint64(readings)), scoreMultiplier(score), nil)
}

// AddValidatorWork credits a validator's operator with the oracle reports it got right in one
// block, weighted by its voting power. A validator that left the set earns nothing.
func (k Keeper) AddValidatorWork(ctx context.Context, consAddr sdk.ConsAddress, power int64, validReports uint64) error {
	if power <= 0 || validReports == 0 {
		return nil
	}
	val, err := k.stakingKeeper.GetValidatorByConsAddr(ctx, consAddr)
	if errors.Is(err, stakingtypes.ErrNoValidatorFound) {
		return nil
	}
	if err != nil {
		return err
	}
	operator, err := k.valCodec.StringToBytes(val.OperatorAddress)
	if err != nil {
		return err
	}
	return k.addWork(ctx, types.POOL_VALIDATORS, operator, "validator/"+val.OperatorAddress,
		math.LegacyNewDecFromInt(math.NewIntFromUint64(validReports)), math.LegacyNewDec(power), nil)
}

func checkScore(score uint32) error {
	if score > appconsts.MaxScore {
		return errorsmod.Wrapf(types.ErrInvalidWork, "score %d is above %d", score, appconsts.MaxScore)
	}
	return nil
}

func scoreMultiplier(score uint32) math.LegacyDec {
	return math.LegacyNewDec(int64(score)).QuoInt64(appconsts.MaxScore)
}

// workState is what one record of work changes: the current epoch, the recipient's accrual
// in it and the source's work item.
type workState struct {
	epoch   types.Epoch
	accrual types.Accrual
	item    types.WorkItem
	key     collections.Pair[sdk.AccAddress, uint64]
}

// load reads (or starts) the recipient's accrual and the source's work item in the current epoch.
func (k Keeper) load(ctx context.Context, pool types.Pool, recipient sdk.AccAddress, source string) (workState, error) {
	var w workState
	addr, err := k.addressCodec.BytesToString(recipient)
	if err != nil {
		return w, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	if w.epoch, err = k.CurrentEpoch.Get(ctx); err != nil {
		return w, err
	}
	w.key = collections.Join(recipient, w.epoch.Number)
	w.accrual, err = k.Accruals.Get(ctx, w.key)
	if errors.Is(err, collections.ErrNotFound) {
		w.accrual, err = types.Accrual{Address: addr, Epoch: w.epoch.Number, Units: types.ZeroUnits(), ClaimedAmount: math.ZeroInt()}, nil
	}
	if err != nil {
		return w, err
	}
	w.item, err = k.WorkItems.Get(ctx, collections.Join3(recipient, w.epoch.Number, source))
	if errors.Is(err, collections.ErrNotFound) {
		w.item, err = types.WorkItem{Address: addr, Epoch: w.epoch.Number, Pool: pool, Source: source,
			Quantity: math.LegacyZeroDec(), Units: math.LegacyZeroDec(), Multiplier: math.LegacyZeroDec()}, nil
	}
	return w, err
}

// save writes the epoch, the accrual (indexing it as unclaimed) and the work item back.
func (k Keeper) save(ctx context.Context, w workState) error {
	if err := k.CurrentEpoch.Set(ctx, w.epoch); err != nil {
		return err
	}
	if err := k.Accruals.Set(ctx, w.key, w.accrual); err != nil {
		return err
	}
	if err := k.Unclaimed.Set(ctx, w.key); err != nil {
		return err
	}
	return k.WorkItems.Set(ctx, collections.Join3(w.key.K1(), w.key.K2(), w.item.Source), w.item)
}

// addWork adds quantity x multiplier units to the recipient's accrual, the source's work item
// and the pool's total in the current epoch; update may change the epoch record as well.
func (k Keeper) addWork(ctx context.Context, pool types.Pool, recipient sdk.AccAddress, source string,
	quantity, multiplier math.LegacyDec, update func(*types.Epoch),
) error {
	if quantity.IsNil() || quantity.IsNegative() || multiplier.IsNil() || multiplier.IsNegative() {
		return errorsmod.Wrapf(types.ErrInvalidWork, "quantity %v and multiplier %v must be non-negative", quantity, multiplier)
	}
	w, err := k.load(ctx, pool, recipient, source)
	if err != nil {
		return err
	}
	units := quantity.Mul(multiplier)
	i := types.PoolIndex(pool)
	w.item.Records++
	w.item.Quantity = w.item.Quantity.Add(quantity)
	if w.item.Forfeited == "" { // a forfeited source earns nothing more this epoch
		w.item.Units = w.item.Units.Add(units)
		w.accrual.Units[i] = w.accrual.Units[i].Add(units)
		w.epoch.Pools[i].Units = w.epoch.Pools[i].Units.Add(units)
	} else {
		units = math.LegacyZeroDec()
	}
	if w.item.Quantity.IsPositive() {
		w.item.Multiplier = w.item.Units.Quo(w.item.Quantity)
	}
	if update != nil {
		update(&w.epoch)
	}
	if err := k.save(ctx, w); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventWorkRecorded{
		Address: w.accrual.Address, Epoch: w.epoch.Number, Pool: pool, Source: source, Quantity: quantity, Units: units,
	})
}

// ForfeitComputeWork voids a GPU's compute units of the current epoch after proven fraud, so
// the provider's receipt shows the GPU, its verified hours, no units, and why.
func (k Keeper) ForfeitComputeWork(ctx context.Context, provider sdk.AccAddress, gpuID uint64, reason string) error {
	if reason == "" {
		return errorsmod.Wrap(types.ErrInvalidWork, "a forfeit needs a reason")
	}
	w, err := k.load(ctx, types.POOL_COMPUTE, provider, fmt.Sprintf("gpu/%d", gpuID))
	if err != nil {
		return err
	}
	i := types.PoolIndex(types.POOL_COMPUTE)
	voided := w.item.Units
	w.accrual.Units[i] = w.accrual.Units[i].Sub(voided)
	w.epoch.Pools[i].Units = w.epoch.Pools[i].Units.Sub(voided)
	w.item.Units, w.item.Multiplier, w.item.Forfeited = math.LegacyZeroDec(), math.LegacyZeroDec(), reason
	if err := k.save(ctx, w); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventWorkForfeited{
		Address: w.accrual.Address, Epoch: w.epoch.Number, Source: w.item.Source, Units: voided, Reason: reason,
	})
}
