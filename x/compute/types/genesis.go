package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"

	"github.com/cosmos/cosmos-sdk/types/bech32"
)

// DefaultGenesisState returns the genesis state with default params and empty registries.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextGpuId: 1, NextOfferId: 1}
}

// Validate checks the genesis state for consistency: valid params, unique valid providers,
// GPUs that belong to a known provider with consistent counters, and ids below next_gpu_id.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextGpuId == 0 || gs.NextOfferId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next_gpu_id and next_offer_id must be at least 1")
	}
	providers := make(map[string]*Provider, len(gs.Providers))
	for i := range gs.Providers {
		p := &gs.Providers[i]
		// The keeper re-checks the prefix with the app's address codec at InitGenesis.
		if _, _, err := bech32.DecodeAndConvert(p.Address); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "provider %q: %s", p.Address, err)
		}
		if _, dup := providers[p.Address]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "provider %s listed twice", p.Address)
		}
		if err := ValidateProviderInfo(p.Moniker, p.Endpoint, p.Region); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "provider %s: %s", p.Address, err)
		}
		if err := p.Collateral.Validate(); err != nil || p.Collateral.Denom != gs.Params.MinProviderCollateral.Denom {
			return errorsmod.Wrapf(ErrInvalidGenesis, "provider %s: collateral %s", p.Address, p.Collateral)
		}
		switch p.Status {
		case PROVIDER_STATUS_ACTIVE:
		case PROVIDER_STATUS_UNBONDING:
			if p.UnbondingCompleteHeight <= 0 {
				return errorsmod.Wrapf(ErrInvalidGenesis, "unbonding provider %s needs a completion height", p.Address)
			}
		default:
			return errorsmod.Wrapf(ErrInvalidGenesis, "provider %s: status %s", p.Address, p.Status)
		}
		providers[p.Address] = p
	}

	gpuCounts := make(map[string]uint32, len(providers))
	uuids := make(map[string]struct{}, len(gs.Gpus))
	ids := make(map[uint64]struct{}, len(gs.Gpus))
	for _, g := range gs.Gpus {
		if g.Id == 0 || g.Id >= gs.NextGpuId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu id %d must be in [1, next_gpu_id=%d)", g.Id, gs.NextGpuId)
		}
		if _, dup := ids[g.Id]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu id %d listed twice", g.Id)
		}
		if _, dup := uuids[g.Uuid]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu uuid %s listed twice", g.Uuid)
		}
		// A jailed GPU outlives its provider's unbonding, keeping its UUID blocked.
		if _, ok := providers[g.Provider]; !ok && g.Status != GPU_STATUS_JAILED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: unknown provider %s", g.Id, g.Provider)
		}
		if err := ValidateGPUInfo(g.Uuid, g.Model, g.MemoryMib, g.DriverVersion, g.CudaVersion); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: %s", g.Id, err)
		}
		if !gs.Params.HasGpuClass(g.Class) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: class %q not in catalogue", g.Id, g.Class)
		}
		if _, ok := GPUStatus_name[int32(g.Status)]; !ok || g.Status == GPU_STATUS_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: status %d", g.Id, g.Status)
		}
		if g.Score > MaxGPUScore {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: score %d above %d", g.Id, g.Score, MaxGPUScore)
		}
		ids[g.Id], uuids[g.Uuid] = struct{}{}, struct{}{}
		gpuCounts[g.Provider]++
	}
	offerKeys := make(map[string]struct{}, len(gs.Offers))
	offerIDs := make(map[uint64]struct{}, len(gs.Offers))
	for _, o := range gs.Offers {
		if o.Id == 0 || o.Id >= gs.NextOfferId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offer id %d must be in [1, next_offer_id=%d)", o.Id, gs.NextOfferId)
		}
		if _, dup := offerIDs[o.Id]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offer id %d listed twice", o.Id)
		}
		if p, ok := providers[o.Provider]; !ok || p.Status != PROVIDER_STATUS_ACTIVE {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offer %d: no active provider %s", o.Id, o.Provider)
		}
		if _, dup := offerKeys[o.Provider+"/"+o.Class]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offer %d: second offer of %s for %s", o.Id, o.Provider, o.Class)
		}
		if !gs.Params.HasGpuClass(o.Class) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offer %d: class %q not in catalogue", o.Id, o.Class)
		}
		if err := ValidateOfferTerms(o.PricePerGpuHour, gs.Params.MinProviderCollateral.Denom, o.MinLeaseHours, o.MaxLeaseHours, o.Gpus); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offer %d: %s", o.Id, err)
		}
		offerIDs[o.Id], offerKeys[o.Provider+"/"+o.Class] = struct{}{}, struct{}{}
	}
	for addr, p := range providers {
		if p.GpuCount != gpuCounts[addr] {
			return errorsmod.Wrap(ErrInvalidGenesis, fmt.Sprintf("provider %s: gpu_count %d but %d GPUs listed", addr, p.GpuCount, gpuCounts[addr]))
		}
	}
	return nil
}
