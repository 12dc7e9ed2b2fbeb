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

	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// maxScore is the scale of GPU and batch scores (10000 = 1.0).
const maxScore = 10_000

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
	if score > maxScore {
		return errorsmod.Wrapf(types.ErrInvalidWork, "score %d is above %d", score, maxScore)
	}
	return nil
}

func scoreMultiplier(score uint32) math.LegacyDec {
	return math.LegacyNewDec(int64(score)).QuoInt64(maxScore)
}

// addWork adds quantity x multiplier units to the recipient's accrual, the source's work item
// and the pool's total in the current epoch; update may change the epoch record as well.
func (k Keeper) addWork(ctx context.Context, pool types.Pool, recipient sdk.AccAddress, source string,
	quantity, multiplier math.LegacyDec, update func(*types.Epoch),
) error {
	if quantity.IsNil() || quantity.IsNegative() || multiplier.IsNil() || multiplier.IsNegative() {
		return errorsmod.Wrapf(types.ErrInvalidWork, "quantity %v and multiplier %v must be non-negative", quantity, multiplier)
	}
	addr, err := k.addressCodec.BytesToString(recipient)
	if err != nil {
		return errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
	}
	epoch, err := k.CurrentEpoch.Get(ctx)
	if err != nil {
		return err
	}
	units := quantity.Mul(multiplier)
	i := types.PoolIndex(pool)

	key := collections.Join(recipient, epoch.Number)
	acc, err := k.Accruals.Get(ctx, key)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		acc = types.Accrual{Address: addr, Epoch: epoch.Number, Units: types.ZeroUnits(), ClaimedAmount: math.ZeroInt()}
		if err := k.Unclaimed.Set(ctx, key); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	acc.Units[i] = acc.Units[i].Add(units)
	if err := k.Accruals.Set(ctx, key, acc); err != nil {
		return err
	}

	itemKey := collections.Join3(recipient, epoch.Number, source)
	item, err := k.WorkItems.Get(ctx, itemKey)
	switch {
	case errors.Is(err, collections.ErrNotFound):
		item = types.WorkItem{Address: addr, Epoch: epoch.Number, Pool: pool, Source: source,
			Quantity: math.LegacyZeroDec(), Units: math.LegacyZeroDec(), Multiplier: math.LegacyZeroDec()}
	case err != nil:
		return err
	}
	item.Quantity = item.Quantity.Add(quantity)
	item.Units = item.Units.Add(units)
	item.Records++
	if item.Quantity.IsPositive() {
		item.Multiplier = item.Units.Quo(item.Quantity)
	}
	if err := k.WorkItems.Set(ctx, itemKey, item); err != nil {
		return err
	}

	epoch.Pools[i].Units = epoch.Pools[i].Units.Add(units)
	if update != nil {
		update(&epoch)
	}
	if err := k.CurrentEpoch.Set(ctx, epoch); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventWorkRecorded{
		Address: addr, Epoch: epoch.Number, Pool: pool, Source: source, Quantity: quantity, Units: units,
	})
}
