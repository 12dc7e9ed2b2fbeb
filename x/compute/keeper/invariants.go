package keeper

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	"github.com/thalamus-network/thalamus/x/compute/types"
	"github.com/thalamus-network/thalamus/x/internal/store"
)

// EscrowInvariant checks that the module account holds exactly the providers' collateral
// (unbonding included) plus the escrow of every open lease and the deposit of every open
// order, and then the market counts (MarketInvariant).
func (k Keeper) EscrowInvariant(ctx context.Context) error {
	params, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	denom := params.MinProviderCollateral.Denom
	collateral, escrow := math.ZeroInt(), math.ZeroInt()
	if err := k.Providers.Walk(ctx, nil, func(_ sdk.AccAddress, p types.Provider) (bool, error) {
		if p.Collateral.Denom != denom {
			return true, fmt.Errorf("provider %s holds collateral in %s", p.Address, p.Collateral.Denom)
		}
		collateral = collateral.Add(p.Collateral.Amount)
		return false, nil
	}); err != nil {
		return err
	}
	orders := math.ZeroInt()
	if err := k.Orders.Walk(ctx, nil, func(id uint64, o types.Order) (bool, error) {
		if o.Deposit.Denom != denom {
			return true, fmt.Errorf("order %d holds a deposit in %s", id, o.Deposit.Denom)
		}
		if o.State == types.ORDER_STATE_OPEN {
			orders = orders.Add(o.Deposit.Amount)
		}
		return false, nil
	}); err != nil {
		return err
	}
	if err := k.Leases.Walk(ctx, nil, func(id uint64, l types.Lease) (bool, error) {
		switch {
		case l.Escrow.Denom != denom || l.Escrow.IsNegative():
			return true, fmt.Errorf("lease %d holds escrow %s", id, l.Escrow)
		case l.State == types.LEASE_STATE_CLOSED && !l.Escrow.IsZero():
			return true, fmt.Errorf("closed lease %d still holds escrow %s", id, l.Escrow)
		case l.Due().IsNegative():
			return true, fmt.Errorf("lease %d paid %s, more than its %d billed blocks cost", id, l.Paid, l.BilledBlocks)
		}
		escrow = escrow.Add(l.Escrow.Amount)
		return false, nil
	}); err != nil {
		return err
	}
	held := k.bankKeeper.GetBalance(ctx, authtypes.NewModuleAddress(types.ModuleName), denom)
	if !held.Amount.Equal(collateral.Add(escrow).Add(orders)) {
		return fmt.Errorf("x/compute module account holds %s but providers bonded %s%s, leases escrow %s%s and open orders %s%s",
			held, collateral, denom, escrow, denom, orders, denom)
	}
	return k.MarketInvariant(ctx)
}

// MarketInvariant checks that every class's market counts (GPUs, offered GPUs, open orders),
// kept up by each event, equal a recount of the records.
func (k Keeper) MarketInvariant(ctx context.Context) error {
	tally, err := k.tallyMarkets(ctx)
	if err != nil {
		return err
	}
	stored, err := store.AllValues(ctx, k.Markets)
	if err != nil {
		return err
	}
	for _, m := range stored {
		if got, want := counts(m), counts(withCounts(m, tally[m.Class])); !slices.Equal(got, want) {
			return fmt.Errorf("market of %s counts %v, the records %v", m.Class, got, want)
		}
		delete(tally, m.Class)
	}
	for _, class := range slices.Sorted(maps.Keys(tally)) {
		if got := counts(*tally[class]); slices.ContainsFunc(got, func(n uint64) bool { return n != 0 }) {
			return fmt.Errorf("class %s has records %v but no market data", class, got)
		}
	}
	return nil
}

// counts lists a market's counters (registered, verified, available and leased GPUs, offered
// GPUs, open orders and their GPUs).
func counts(m types.ClassMarket) []uint64 {
	return []uint64{uint64(m.GpusRegistered), uint64(m.GpusVerified), uint64(m.GpusAvailable), uint64(m.GpusLeased),
		m.OfferedGpus, uint64(m.OpenOrders), m.OpenOrderGpus}
}
