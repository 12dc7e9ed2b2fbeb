package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/events"
)

// RegisterProvider bonds collateral from the owner and registers it as an active provider.
func (k msgServer) RegisterProvider(ctx context.Context, msg *types.MsgRegisterProvider) (*types.MsgRegisterProviderResponse, error) {
	owner, ownerStr, err := k.decodeAddress(msg.Owner)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateProviderInfo(msg.Moniker, msg.Endpoint, msg.Region); err != nil {
		return nil, err
	}
	if err := validateCollateral(msg.Collateral, params); err != nil {
		return nil, err
	}
	if msg.Collateral.Amount.LT(params.MinProviderCollateral.Amount) {
		return nil, errorsmod.Wrapf(types.ErrInsufficientCollateral, "%s < %s", msg.Collateral, params.MinProviderCollateral)
	}
	if has, err := k.Providers.Has(ctx, owner); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrap(types.ErrProviderExists, ownerStr)
	}
	// Jailed GPUs of an earlier registration stay on record and count against the cap.
	leftover, err := k.providerGPUs(ctx, owner)
	if err != nil {
		return nil, err
	}
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, owner, types.ModuleName, sdk.NewCoins(msg.Collateral)); err != nil {
		return nil, errorsmod.Wrap(err, "bond collateral")
	}
	provider := types.Provider{
		Address:          ownerStr,
		Moniker:          msg.Moniker,
		Endpoint:         msg.Endpoint,
		Region:           msg.Region,
		Collateral:       msg.Collateral,
		Status:           types.PROVIDER_STATUS_ACTIVE,
		GpuCount:         uint32(len(leftover)),
		RegisteredHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := k.Providers.Set(ctx, owner, provider); err != nil {
		return nil, err
	}
	return &types.MsgRegisterProviderResponse{}, events.Emit(ctx, &types.EventProviderRegistered{
		Provider: ownerStr, Moniker: msg.Moniker, Endpoint: msg.Endpoint, Region: msg.Region, Collateral: msg.Collateral,
	})
}

// UpdateProvider replaces an active provider's moniker, endpoint and region.
func (k msgServer) UpdateProvider(ctx context.Context, msg *types.MsgUpdateProvider) (*types.MsgUpdateProviderResponse, error) {
	owner, ownerStr, err := k.decodeAddress(msg.Owner)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateProviderInfo(msg.Moniker, msg.Endpoint, msg.Region); err != nil {
		return nil, err
	}
	provider, err := k.activeProvider(ctx, owner, ownerStr)
	if err != nil {
		return nil, err
	}
	provider.Moniker, provider.Endpoint, provider.Region = msg.Moniker, msg.Endpoint, msg.Region
	if err := k.Providers.Set(ctx, owner, provider); err != nil {
		return nil, err
	}
	return &types.MsgUpdateProviderResponse{}, events.Emit(ctx, &types.EventProviderUpdated{
		Provider: ownerStr, Moniker: msg.Moniker, Endpoint: msg.Endpoint, Region: msg.Region,
	})
}

// AddCollateral bonds more collateral for an active provider.
func (k msgServer) AddCollateral(ctx context.Context, msg *types.MsgAddCollateral) (*types.MsgAddCollateralResponse, error) {
	owner, ownerStr, err := k.decodeAddress(msg.Owner)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := validateCollateral(msg.Amount, params); err != nil {
		return nil, err
	}
	provider, err := k.activeProvider(ctx, owner, ownerStr)
	if err != nil {
		return nil, err
	}
	if err := k.bankKeeper.SendCoinsFromAccountToModule(ctx, owner, types.ModuleName, sdk.NewCoins(msg.Amount)); err != nil {
		return nil, errorsmod.Wrap(err, "bond collateral")
	}
	provider.Collateral = provider.Collateral.Add(msg.Amount)
	if err := k.Providers.Set(ctx, owner, provider); err != nil {
		return nil, err
	}
	return &types.MsgAddCollateralResponse{}, events.Emit(ctx, &types.EventCollateralAdded{
		Provider: ownerStr, Amount: msg.Amount, Collateral: provider.Collateral,
	})
}

// UnbondProvider closes the provider's offers, retires its available GPUs and queues its
// collateral for return after unbonding_blocks. A provider with a leased GPU cannot unbond.
func (k msgServer) UnbondProvider(ctx context.Context, msg *types.MsgUnbondProvider) (*types.MsgUnbondProviderResponse, error) {
	owner, ownerStr, err := k.decodeAddress(msg.Owner)
	if err != nil {
		return nil, err
	}
	provider, err := k.activeProvider(ctx, owner, ownerStr)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	// The walk is bounded by max_gpus_per_provider and paid for with the message's gas.
	gpus, err := k.providerGPUs(ctx, owner)
	if err != nil {
		return nil, err
	}
	for _, g := range gpus {
		if g.Status == types.GPU_STATUS_LEASED {
			return nil, errorsmod.Wrapf(types.ErrProviderHasLeases, "gpu %d is leased", g.Id)
		}
	}
	// Its offers close: the GPUs behind them are retiring. One offer per class at most.
	for _, class := range params.GpuClasses {
		id, err := k.Offers.Indexes.ProviderClass.MatchExact(ctx, collections.Join(owner, class))
		if errors.Is(err, collections.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		offer, err := k.Offers.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := k.removeOffer(ctx, offer); err != nil {
			return nil, err
		}
		if err := events.Emit(ctx, &types.EventOfferClosed{OfferId: id, Provider: ownerStr}); err != nil {
			return nil, err
		}
	}
	var retired uint32
	for _, g := range gpus {
		if g.Status != types.GPU_STATUS_AVAILABLE {
			continue // jailed GPUs stay jailed so their UUIDs stay blocked
		}
		g.Status = types.GPU_STATUS_RETIRED
		if err := k.saveGPU(ctx, g); err != nil {
			return nil, err
		}
		retired++
	}
	completion := sdk.UnwrapSDKContext(ctx).BlockHeight() + int64(params.UnbondingBlocks)
	provider.Status = types.PROVIDER_STATUS_UNBONDING
	provider.UnbondingCompleteHeight = completion
	if err := k.Providers.Set(ctx, owner, provider); err != nil {
		return nil, err
	}
	if err := k.UnbondingQueue.Set(ctx, collections.Join(completion, owner)); err != nil {
		return nil, err
	}
	return &types.MsgUnbondProviderResponse{CompletionHeight: completion}, events.Emit(ctx, &types.EventProviderUnbonding{
		Provider: ownerStr, CompletionHeight: completion, GpusRetired: retired,
	})
}

// completeUnbonding returns the collateral, deletes the provider and its retired GPUs
// (freeing their UUIDs); jailed GPUs stay so their UUIDs remain blocked.
func (k Keeper) completeUnbonding(ctx context.Context, owner sdk.AccAddress) error {
	provider, err := k.Providers.Get(ctx, owner)
	if err != nil {
		return err
	}
	if provider.Status != types.PROVIDER_STATUS_UNBONDING {
		return fmt.Errorf("provider %s is %s, not unbonding", provider.Address, provider.Status)
	}
	gpus, err := k.providerGPUs(ctx, owner)
	if err != nil {
		return err
	}
	for _, g := range gpus {
		if g.Status == types.GPU_STATUS_RETIRED {
			// Its place in the challenge schedule goes with it, so no stale entry outlives the
			// record (an exported and re-imported chain would not have it).
			if g.NextChallengeHeight != 0 {
				if err := k.ChallengeSchedule.Remove(ctx, collections.Join(g.NextChallengeHeight, g.Id)); err != nil {
					return err
				}
			}
			if err := k.deleteGPU(ctx, g); err != nil {
				return err
			}
		}
	}
	if provider.Collateral.IsPositive() {
		if err := k.bankKeeper.SendCoinsFromModuleToAccount(ctx, types.ModuleName, owner, sdk.NewCoins(provider.Collateral)); err != nil {
			return err
		}
	}
	if err := k.Providers.Remove(ctx, owner); err != nil {
		return err
	}
	return events.Emit(ctx, &types.EventProviderUnbonded{Provider: provider.Address, CollateralReturned: provider.Collateral})
}

// RegisterGPU adds a GPU with a chain-wide unique NVML UUID to an active provider's fleet.
func (k msgServer) RegisterGPU(ctx context.Context, msg *types.MsgRegisterGPU) (*types.MsgRegisterGPUResponse, error) {
	owner, ownerStr, err := k.decodeAddress(msg.Provider)
	if err != nil {
		return nil, err
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if err := types.ValidateGPUInfo(msg.Uuid, msg.Model, msg.MemoryMib, msg.DriverVersion, msg.CudaVersion); err != nil {
		return nil, err
	}
	if !params.HasGpuClass(msg.Class) {
		return nil, errorsmod.Wrapf(types.ErrUnknownGPUClass, "%q; the catalogue has %v", msg.Class, params.GpuClasses)
	}
	provider, err := k.activeProvider(ctx, owner, ownerStr)
	if err != nil {
		return nil, err
	}
	if provider.GpuCount >= params.MaxGpusPerProvider {
		return nil, errorsmod.Wrapf(types.ErrTooManyGPUs, "%d of %d", provider.GpuCount, params.MaxGpusPerProvider)
	}
	if existing, err := k.GPUs.Indexes.UUID.MatchExact(ctx, msg.Uuid); err == nil {
		return nil, errorsmod.Wrapf(types.ErrDuplicateGPU, "%s is gpu %d", msg.Uuid, existing)
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	id, err := k.NextGPUID.Next(ctx)
	if err != nil {
		return nil, err
	}
	gpu := types.GPU{
		Id:               id,
		Uuid:             msg.Uuid,
		Provider:         ownerStr,
		Model:            msg.Model,
		Class:            msg.Class,
		MemoryMib:        msg.MemoryMib,
		PciDeviceId:      msg.PciDeviceId,
		DriverVersion:    msg.DriverVersion,
		CudaVersion:      msg.CudaVersion,
		AttestationTier:  types.ATTESTATION_TIER_SELF_REPORTED,
		Status:           types.GPU_STATUS_AVAILABLE,
		Score:            params.InitialGpuScore,
		RegisteredHeight: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := k.scheduleChallenge(ctx, &gpu, firstChallengeHeight(params, id, gpu.RegisteredHeight)); err != nil {
		return nil, err
	}
	if err := k.saveGPU(ctx, gpu); err != nil {
		return nil, err
	}
	provider.GpuCount++
	if err := k.Providers.Set(ctx, owner, provider); err != nil {
		return nil, err
	}
	return &types.MsgRegisterGPUResponse{GpuId: id}, events.Emit(ctx, &types.EventGPURegistered{
		GpuId: id, Uuid: msg.Uuid, Provider: ownerStr, Class: msg.Class, Model: msg.Model,
	})
}

// RetireGPU withdraws an available GPU; its record (and UUID) stays in the registry.
func (k msgServer) RetireGPU(ctx context.Context, msg *types.MsgRetireGPU) (*types.MsgRetireGPUResponse, error) {
	_, ownerStr, err := k.decodeAddress(msg.Provider)
	if err != nil {
		return nil, err
	}
	gpu, err := load(ctx, k.GPUs, msg.GpuId, types.ErrGPUNotFound)
	if err != nil {
		return nil, err
	}
	if gpu.Provider != ownerStr {
		return nil, errorsmod.Wrapf(types.ErrNotGPUOwner, "gpu %d belongs to %s", gpu.Id, gpu.Provider)
	}
	if gpu.Status != types.GPU_STATUS_AVAILABLE {
		return nil, errorsmod.Wrapf(types.ErrGPUNotRetirable, "gpu %d is %s", gpu.Id, gpu.Status)
	}
	gpu.Status = types.GPU_STATUS_RETIRED
	if err := k.saveGPU(ctx, gpu); err != nil {
		return nil, err
	}
	return &types.MsgRetireGPUResponse{}, events.Emit(ctx, &types.EventGPURetired{GpuId: gpu.Id, Provider: ownerStr})
}

// activeProvider loads a provider that may still change its fleet.
func (k Keeper) activeProvider(ctx context.Context, owner sdk.AccAddress, ownerStr string) (types.Provider, error) {
	provider, err := load(ctx, k.Providers, owner, types.ErrProviderNotFound)
	if err != nil {
		return provider, err
	}
	if provider.Status != types.PROVIDER_STATUS_ACTIVE {
		return provider, errorsmod.Wrapf(types.ErrProviderUnbonding, "%s until height %d", ownerStr, provider.UnbondingCompleteHeight)
	}
	return provider, nil
}

// providerGPUs loads every GPU record of a provider through the provider index.
func (k Keeper) providerGPUs(ctx context.Context, owner sdk.AccAddress) ([]types.GPU, error) {
	iter, err := k.GPUs.Indexes.Provider.MatchExact(ctx, owner)
	if err != nil {
		return nil, err
	}
	ids, err := iter.PrimaryKeys() // consumes and closes the iterator
	if err != nil {
		return nil, err
	}
	gpus := make([]types.GPU, 0, len(ids))
	for _, id := range ids {
		g, err := k.GPUs.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		gpus = append(gpus, g)
	}
	return gpus, nil
}

// validateCollateral requires a valid, positive coin in the collateral denom.
func validateCollateral(c sdk.Coin, params types.Params) error {
	if err := c.Validate(); err != nil {
		return errorsmod.Wrapf(types.ErrInvalidCoin, "%s: %s", c, err)
	}
	if c.Denom != params.MinProviderCollateral.Denom || !c.IsPositive() {
		return errorsmod.Wrapf(types.ErrInvalidCoin, "want a positive amount of %s, got %s", params.MinProviderCollateral.Denom, c)
	}
	return nil
}
