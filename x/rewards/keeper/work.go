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
	return k.AddSensorWorks(ctx, []types.SensorWork{{Owner: owner, DeviceID: deviceID, Readings: readings, Score: score}})
}

// AddSensorWorks credits the scored batches of one oracle task, in order, as AddSensorWork
// would one by one; the epoch and each owner's accrual are read and written once, since a
// gateway's task holds many batches of the same owners. Nothing is written if any is invalid.
func (k Keeper) AddSensorWorks(ctx context.Context, works []types.SensorWork) error {
	for _, w := range works {
		if err := checkScore(w.Score); err != nil {
			return err
		}
	}
	l, err := k.newLedger(ctx)
	if err != nil {
		return err
	}
	for _, w := range works {
		err := l.add(ctx, types.POOL_SENSORS, w.Owner, fmt.Sprintf("device/%d", w.DeviceID),
			math.LegacyNewDecFromInt(math.NewIntFromUint64(w.Readings)), scoreMultiplier(w.Score))
		if err != nil {
			return err
		}
	}
	return l.save(ctx)
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

// ledger gathers the work records of one call: the current epoch, and each recipient's
// accrual and each source's work item in it, each read once and written back once by save.
type ledger struct {
	k          Keeper
	epoch      types.Epoch
	accruals   map[string]*types.Accrual  // by recipient address bytes
	items      map[string]*types.WorkItem // by itemKey
	recipients []sdk.AccAddress           // accruals in first-touch order, for save
	sources    []workKey                  // work items in first-touch order, for save
}

type workKey struct {
	recipient sdk.AccAddress
	source    string
}

func itemKey(recipient sdk.AccAddress, source string) string {
	return string(recipient) + "\x00" + source
}

func (k Keeper) newLedger(ctx context.Context) (*ledger, error) {
	epoch, err := k.CurrentEpoch.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &ledger{k: k, epoch: epoch, accruals: map[string]*types.Accrual{}, items: map[string]*types.WorkItem{}}, nil
}

// work reads (or starts) the recipient's accrual and the source's work item in the epoch.
func (l *ledger) work(ctx context.Context, pool types.Pool, recipient sdk.AccAddress, source string) (*types.Accrual, *types.WorkItem, error) {
	if item, ok := l.items[itemKey(recipient, source)]; ok {
		return l.accruals[string(recipient)], item, nil
	}
	accrual, ok := l.accruals[string(recipient)]
	if !ok {
		addr, err := l.k.addressCodec.BytesToString(recipient)
		if err != nil {
			return nil, nil, errorsmod.Wrap(types.ErrInvalidAddress, err.Error())
		}
		a, err := l.k.Accruals.Get(ctx, collections.Join(recipient, l.epoch.Number))
		if errors.Is(err, collections.ErrNotFound) {
			a, err = types.Accrual{Address: addr, Epoch: l.epoch.Number, Units: types.ZeroUnits(), ClaimedAmount: math.ZeroInt()}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		accrual = &a
		l.accruals[string(recipient)] = accrual
		l.recipients = append(l.recipients, recipient)
	}
	item, err := l.k.WorkItems.Get(ctx, collections.Join3(recipient, l.epoch.Number, source))
	if errors.Is(err, collections.ErrNotFound) {
		item, err = types.WorkItem{Address: accrual.Address, Epoch: l.epoch.Number, Pool: pool, Source: source,
			Quantity: math.LegacyZeroDec(), Units: math.LegacyZeroDec(), Multiplier: math.LegacyZeroDec()}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	l.items[itemKey(recipient, source)] = &item
	l.sources = append(l.sources, workKey{recipient, source})
	return accrual, &item, nil
}

// add adds quantity x multiplier units to the recipient's accrual, the source's work item
// and the pool's total in the epoch.
func (l *ledger) add(ctx context.Context, pool types.Pool, recipient sdk.AccAddress, source string, quantity, multiplier math.LegacyDec) error {
	if quantity.IsNil() || quantity.IsNegative() || multiplier.IsNil() || multiplier.IsNegative() {
		return errorsmod.Wrapf(types.ErrInvalidWork, "quantity %v and multiplier %v must be non-negative", quantity, multiplier)
	}
	accrual, item, err := l.work(ctx, pool, recipient, source)
	if err != nil {
		return err
	}
	units := quantity.Mul(multiplier)
	i := types.PoolIndex(pool)
	item.Records++
	item.Quantity = item.Quantity.Add(quantity)
	if item.Forfeited == "" { // a forfeited source earns nothing more this epoch
		item.Units = item.Units.Add(units)
		accrual.Units[i] = accrual.Units[i].Add(units)
		l.epoch.Pools[i].Units = l.epoch.Pools[i].Units.Add(units)
	} else {
		units = math.LegacyZeroDec()
	}
	if item.Quantity.IsPositive() {
		item.Multiplier = item.Units.Quo(item.Quantity)
	}
	return events.Emit(ctx, &types.EventWorkRecorded{
		Address: accrual.Address, Epoch: l.epoch.Number, Pool: pool, Source: source, Quantity: quantity, Units: units,
	})
}

// save writes the epoch, every accrual touched (indexing it as unclaimed) and every work item back.
func (l *ledger) save(ctx context.Context) error {
	if err := l.k.CurrentEpoch.Set(ctx, l.epoch); err != nil {
		return err
	}
	for _, r := range l.recipients {
		key := collections.Join(r, l.epoch.Number)
		if err := l.k.Accruals.Set(ctx, key, *l.accruals[string(r)]); err != nil {
			return err
		}
		if err := l.k.Unclaimed.Set(ctx, key); err != nil {
			return err
		}
	}
	for _, w := range l.sources {
		if err := l.k.WorkItems.Set(ctx, collections.Join3(w.recipient, l.epoch.Number, w.source), *l.items[itemKey(w.recipient, w.source)]); err != nil {
			return err
		}
	}
	return nil
}

// addWork records one piece of work; update may change the epoch record as well.
func (k Keeper) addWork(ctx context.Context, pool types.Pool, recipient sdk.AccAddress, source string,
	quantity, multiplier math.LegacyDec, update func(*types.Epoch),
) error {
	l, err := k.newLedger(ctx)
	if err != nil {
		return err
	}
	if err := l.add(ctx, pool, recipient, source, quantity, multiplier); err != nil {
		return err
	}
	if update != nil {
		update(&l.epoch)
	}
	return l.save(ctx)
}

// ForfeitComputeWork voids a GPU's compute units of the current epoch after proven fraud, so
// the provider's receipt shows the GPU, its verified hours, no units, and why.
func (k Keeper) ForfeitComputeWork(ctx context.Context, provider sdk.AccAddress, gpuID uint64, reason string) error {
	if reason == "" {
		return errorsmod.Wrap(types.ErrInvalidWork, "a forfeit needs a reason")
	}
	l, err := k.newLedger(ctx)
	if err != nil {
		return err
	}
	accrual, item, err := l.work(ctx, types.POOL_COMPUTE, provider, fmt.Sprintf("gpu/%d", gpuID))
	if err != nil {
		return err
	}
	i := types.PoolIndex(types.POOL_COMPUTE)
	voided := item.Units
	accrual.Units[i] = accrual.Units[i].Sub(voided)
	l.epoch.Pools[i].Units = l.epoch.Pools[i].Units.Sub(voided)
	item.Units, item.Multiplier, item.Forfeited = math.LegacyZeroDec(), math.LegacyZeroDec(), reason
	if err := l.save(ctx); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventWorkForfeited{
		Address: accrual.Address, Epoch: l.epoch.Number, Source: item.Source, Units: voided, Reason: reason,
	})
}
