package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
)

// DefaultGenesisState returns the genesis state with default params and empty registries.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextGpuId: 1, NextOfferId: 1, NextLeaseId: 1, NextChallengeId: 1, NextOrderId: 1}
}

// Validate checks the genesis state for consistency: valid params, unique valid providers,
// GPUs that belong to a known provider with consistent counters, and ids below next_gpu_id.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextGpuId == 0 || gs.NextOfferId == 0 || gs.NextLeaseId == 0 || gs.NextChallengeId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next_gpu_id, next_offer_id, next_lease_id and next_challenge_id must be at least 1")
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
	gpus := make(map[uint64]GPU, len(gs.Gpus))
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
		if g.Score > appconsts.MaxScore {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: score %d above %d", g.Id, g.Score, appconsts.MaxScore)
		}
		if (g.Status == GPU_STATUS_LEASED) != (g.LeaseId != 0) && g.Status != GPU_STATUS_JAILED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: status %s with lease %d", g.Id, g.Status, g.LeaseId)
		}
		ids[g.Id], uuids[g.Uuid] = struct{}{}, struct{}{}
		gpus[g.Id] = g
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
		if o.LeasedGpus > o.Gpus {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offer %d: %d of %d GPUs leased", o.Id, o.LeasedGpus, o.Gpus)
		}
		offerIDs[o.Id], offerKeys[o.Provider+"/"+o.Class] = struct{}{}, struct{}{}
	}
	if err := gs.validateLeases(gpus); err != nil {
		return err
	}
	if err := gs.validateOrders(); err != nil {
		return err
	}
	challengeIDs := make(map[uint64]struct{}, len(gs.Challenges))
	for _, c := range gs.Challenges {
		if c.Id == 0 || c.Id >= gs.NextChallengeId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "challenge id %d must be in [1, next_challenge_id=%d)", c.Id, gs.NextChallengeId)
		}
		if _, dup := challengeIDs[c.Id]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "challenge id %d listed twice", c.Id)
		}
		challengeIDs[c.Id] = struct{}{}
		if _, _, err := bech32.DecodeAndConvert(c.Provider); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "challenge %d: provider %q: %s", c.Id, c.Provider, err)
		}
		if _, ok := ChallengeState_name[int32(c.State)]; !ok || c.State == CHALLENGE_STATE_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "challenge %d: state %d", c.Id, c.State)
		}
		if len(c.Seed) != 32 || len(c.TableSeed) != 32 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "challenge %d: seeds must be 32 bytes", c.Id)
		}
		if err := ValidateWork(c.Preset, c.NoncesTried, c.Winners, gs.Params.MaxWinners, c.Telemetry); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "challenge %d: %s", c.Id, err)
		}
	}
	for addr, p := range providers {
		if p.GpuCount != gpuCounts[addr] {
			return errorsmod.Wrap(ErrInvalidGenesis, fmt.Sprintf("provider %s: gpu_count %d but %d GPUs listed", addr, p.GpuCount, gpuCounts[addr]))
		}
	}
	return nil
}

// validateLeases checks lease records and that open leases and leased GPUs point at each other.
func (gs GenesisState) validateLeases(gpus map[uint64]GPU) error {
	denom := gs.Params.MinProviderCollateral.Denom
	ids := make(map[uint64]struct{}, len(gs.Leases))
	holders := make(map[uint64]uint64) // gpu id -> open lease id
	for _, l := range gs.Leases {
		if l.Id == 0 || l.Id >= gs.NextLeaseId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lease id %d must be in [1, next_lease_id=%d)", l.Id, gs.NextLeaseId)
		}
		if _, dup := ids[l.Id]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lease id %d listed twice", l.Id)
		}
		ids[l.Id] = struct{}{}
		for _, addr := range []string{l.Tenant, l.Provider} {
			if _, _, err := bech32.DecodeAndConvert(addr); err != nil {
				return errorsmod.Wrapf(ErrInvalidGenesis, "lease %d: address %q: %s", l.Id, addr, err)
			}
		}
		if _, ok := LeaseState_name[int32(l.State)]; !ok || l.State == LEASE_STATE_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lease %d: state %d", l.Id, l.State)
		}
		if len(l.GpuIds) == 0 || len(l.GpuIds) > MaxLeaseGPUs || l.BlocksPerHour == 0 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lease %d: %d GPUs, %d blocks per hour", l.Id, len(l.GpuIds), l.BlocksPerHour)
		}
		for _, c := range []sdk.Coin{l.PricePerGpuHour, l.Escrow, l.Paid} {
			if err := c.Validate(); err != nil || c.Denom != denom {
				return errorsmod.Wrapf(ErrInvalidGenesis, "lease %d: coin %s must be valid %s", l.Id, c, denom)
			}
		}
		if err := ValidateManifestHash(l.ManifestHash, l.State == LEASE_STATE_PENDING); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lease %d: %s", l.Id, err)
		}
		if l.Due().IsNegative() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lease %d: paid %s exceeds its %d billed blocks", l.Id, l.Paid, l.BilledBlocks)
		}
		if l.State == LEASE_STATE_CLOSED {
			if !l.Escrow.IsZero() {
				return errorsmod.Wrapf(ErrInvalidGenesis, "closed lease %d holds escrow %s", l.Id, l.Escrow)
			}
			continue
		}
		for _, id := range l.GpuIds {
			g, ok := gpus[id]
			if !ok || g.Provider != l.Provider || g.LeaseId != l.Id {
				return errorsmod.Wrapf(ErrInvalidGenesis, "open lease %d: gpu %d is not held by it", l.Id, id)
			}
			holders[id] = l.Id
		}
	}
	for id, g := range gpus {
		if g.LeaseId != 0 && holders[id] != g.LeaseId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "gpu %d: lease %d is not an open lease holding it", id, g.LeaseId)
		}
	}
	return nil
}

// validateOrders checks standing orders and the market records. A genesis written before
// orders existed has next_order_id 0, which counts as 1.
func (gs GenesisState) validateOrders() error {
	next := max(gs.NextOrderId, 1)
	ids := make(map[uint64]struct{}, len(gs.Orders))
	denom := gs.Params.MinProviderCollateral.Denom
	for _, o := range gs.Orders {
		if o.Id == 0 || o.Id >= next {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order id %d must be in [1, next_order_id=%d)", o.Id, next)
		}
		if _, dup := ids[o.Id]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order id %d listed twice", o.Id)
		}
		ids[o.Id] = struct{}{}
		if _, _, err := bech32.DecodeAndConvert(o.Tenant); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d: tenant %q: %s", o.Id, o.Tenant, err)
		}
		if _, ok := OrderState_name[int32(o.State)]; !ok || o.State == ORDER_STATE_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d: state %d", o.Id, o.State)
		}
		if !gs.Params.HasGpuClass(o.Class) {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d: class %q is not in the catalogue", o.Id, o.Class)
		}
		if err := ValidateLeaseRequest(o.Gpus, o.Hours, o.MaxPricePerGpuHour, o.MinGpuScore, o.Deposit, denom); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d: %s", o.Id, err)
		}
		if err := ValidateManifestHash(o.ManifestHash, false); err != nil {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d: %s", o.Id, err)
		}
	}
	classes := make(map[string]struct{}, len(gs.Markets))
	for _, m := range gs.Markets {
		if _, dup := classes[m.Class]; dup {
			return errorsmod.Wrapf(ErrInvalidGenesis, "market of %s listed twice", m.Class)
		}
		classes[m.Class] = struct{}{}
		if m.ClearingPrice.IsNil() || m.ClearingPrice.IsNegative() || len(m.RecentPrices) > 1_000 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "market of %s: clearing price %s, %d recent prices", m.Class, m.ClearingPrice, len(m.RecentPrices))
		}
	}
	queued := make(map[string]bool, len(gs.MatchCursors))
	for _, c := range gs.MatchCursors {
		if c.Class == "" || queued[c.Class] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "match cursor class %q empty or listed twice", c.Class)
		}
		queued[c.Class] = true
	}
	return nil
}
