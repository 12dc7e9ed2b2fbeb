package keeper_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/x/compute/keeper"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

func offerMsg(provider string, price int64, gpus uint32) *types.MsgCreateOffer {
	return &types.MsgCreateOffer{
		Provider: provider, Class: "H100-SXM-80G", PricePerGpuHour: uthal(price),
		MinLeaseHours: 1, MaxLeaseHours: 720, Gpus: gpus,
	}
}

// providerWithGPUs registers a provider with n available H100 GPUs.
func (f fixture) providerWithGPUs(t *testing.T, seed string, n int) string {
	t.Helper()
	_, owner := f.registeredProvider(t, seed)
	ms := keeper.NewMsgServerImpl(f.keeper)
	for i := 0; i < n; i++ {
		uuid := fmt.Sprintf("GPU-%08x-0000-0000-0000-%012x", hash(seed), i)
		_, err := ms.RegisterGPU(f.Ctx, gpuMsg(owner, uuid))
		require.NoError(t, err)
	}
	return owner
}

func hash(s string) uint32 {
	var h uint32 = 2166136261
	for _, c := range []byte(s) {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

func TestCreateOffer(t *testing.T) {
	f := newFixture(t)
	ms := keeper.NewMsgServerImpl(f.keeper)
	owner := f.providerWithGPUs(t, "provider", 2)
	_, stranger := f.fund(t, "stranger", sdk.NewCoins(uthal(1)))

	resp, err := ms.CreateOffer(f.Ctx, offerMsg(owner, 2_000_000, 2))
	require.NoError(t, err)
	offer, err := f.keeper.Offers.Get(f.Ctx, resp.OfferId)
	require.NoError(t, err)
	require.Equal(t, uint32(2), offer.Gpus)
	require.Contains(t, eventTypes(f.Ctx), "thalamus.compute.v1.EventOfferCreated")

	tests := []struct {
		name    string
		msg     *types.MsgCreateOffer
		wantErr error
	}{
		{"second offer for the class", offerMsg(owner, 1, 1), types.ErrOfferExists},
		{"not a provider", offerMsg(stranger, 1, 1), types.ErrProviderNotFound},
		{"bad address", offerMsg("x", 1, 1), types.ErrInvalidAddress},
		{"zero price", offerMsg(owner, 0, 1), types.ErrInvalidOffer},
		{"price in another denom", func() *types.MsgCreateOffer {
			m := offerMsg(owner, 1, 1)
			m.PricePerGpuHour.Denom = "uatom"
			return m
		}(), types.ErrInvalidOffer},
		{"zero gpus", offerMsg(owner, 1, 0), types.ErrInvalidOffer},
		{"min hours zero", func() *types.MsgCreateOffer { m := offerMsg(owner, 1, 1); m.MinLeaseHours = 0; return m }(), types.ErrInvalidOffer},
		{"max below min", func() *types.MsgCreateOffer {
			m := offerMsg(owner, 1, 1)
			m.MinLeaseHours = 10
			m.MaxLeaseHours = 5
			return m
		}(), types.ErrInvalidOffer},
		{"longer than a year", func() *types.MsgCreateOffer {
			m := offerMsg(owner, 1, 1)
			m.MaxLeaseHours = types.MaxLeaseHours + 1
			return m
		}(), types.ErrInvalidOffer},
		{"class not in catalogue", func() *types.MsgCreateOffer { m := offerMsg(owner, 1, 1); m.Class = "TPU-V5"; return m }(), types.ErrUnknownGPUClass},
		{"no GPUs of the class", func() *types.MsgCreateOffer { m := offerMsg(owner, 1, 1); m.Class = "A100-80G"; return m }(), types.ErrNotEnoughGPUs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			requireRejected(t, f, tc.wantErr, func() error { _, err := ms.CreateOffer(f.Ctx, tc.msg); return err })
		})
	}

	other := f.providerWithGPUs(t, "other", 1)
	requireRejected(t, f, types.ErrNotEnoughGPUs, func() error { _, err := ms.CreateOffer(f.Ctx, offerMsg(other, 1, 2)); return err })
}

func TestUpdateAndCloseOffer(t *testing.T) {
	f := newFixture(t)
	ms := keeper.NewMsgServerImpl(f.keeper)
	q := keeper.NewQueryServerImpl(f.keeper)
	owner := f.providerWithGPUs(t, "provider", 3)
	other := f.providerWithGPUs(t, "other", 1)
	created, err := ms.CreateOffer(f.Ctx, offerMsg(owner, 5_000, 2))
	require.NoError(t, err)
	id := created.OfferId

	update := &types.MsgUpdateOffer{Provider: owner, OfferId: id, PricePerGpuHour: uthal(3_000), MinLeaseHours: 2, MaxLeaseHours: 48, Gpus: 3}
	_, err = ms.UpdateOffer(f.Ctx, update)
	require.NoError(t, err)
	offers, err := q.OffersByClass(f.Ctx, &types.QueryOffersByClassRequest{Class: "H100-SXM-80G"})
	require.NoError(t, err)
	require.Len(t, offers.Offers, 1, "the price index must move, not duplicate")
	require.Equal(t, uthal(3_000), offers.Offers[0].PricePerGpuHour)
	require.Equal(t, uint32(3), offers.Offers[0].Gpus)

	bad := *update
	bad.Gpus = 4
	requireRejected(t, f, types.ErrNotEnoughGPUs, func() error { _, err := ms.UpdateOffer(f.Ctx, &bad); return err })
	bad = *update
	bad.PricePerGpuHour = uthal(0)
	requireRejected(t, f, types.ErrInvalidOffer, func() error { _, err := ms.UpdateOffer(f.Ctx, &bad); return err })
	bad = *update
	bad.Provider = other
	requireRejected(t, f, types.ErrNotOfferOwner, func() error { _, err := ms.UpdateOffer(f.Ctx, &bad); return err })
	bad = *update
	bad.OfferId = 99
	requireRejected(t, f, types.ErrOfferNotFound, func() error { _, err := ms.UpdateOffer(f.Ctx, &bad); return err })

	requireRejected(t, f, types.ErrNotOfferOwner, func() error {
		_, err := ms.CloseOffer(f.Ctx, &types.MsgCloseOffer{Provider: other, OfferId: id})
		return err
	})
	_, err = ms.CloseOffer(f.Ctx, &types.MsgCloseOffer{Provider: owner, OfferId: id})
	require.NoError(t, err)
	requireRejected(t, f, types.ErrOfferNotFound, func() error {
		_, err := ms.CloseOffer(f.Ctx, &types.MsgCloseOffer{Provider: owner, OfferId: id})
		return err
	})
	offers, err = q.OffersByClass(f.Ctx, &types.QueryOffersByClassRequest{Class: "H100-SXM-80G"})
	require.NoError(t, err)
	require.Empty(t, offers.Offers)

	// The class is free again for this provider.
	_, err = ms.CreateOffer(f.Ctx, offerMsg(owner, 1_000, 1))
	require.NoError(t, err)
}

func TestOffersByClassOrder(t *testing.T) {
	f := newFixture(t)
	ms := keeper.NewMsgServerImpl(f.keeper)
	q := keeper.NewQueryServerImpl(f.keeper)
	prices := []int64{300, 100, 200, 100}
	for i, price := range prices {
		owner := f.providerWithGPUs(t, fmt.Sprintf("p%d", i), 1)
		_, err := ms.CreateOffer(f.Ctx, offerMsg(owner, price, 1))
		require.NoError(t, err)
	}
	resp, err := q.OffersByClass(f.Ctx, &types.QueryOffersByClassRequest{Class: "H100-SXM-80G"})
	require.NoError(t, err)
	var got []string
	for _, o := range resp.Offers {
		got = append(got, fmt.Sprintf("%s#%d", o.PricePerGpuHour.Amount, o.Id))
	}
	require.Equal(t, []string{"100#2", "100#4", "200#3", "300#1"}, got, "cheapest first, oldest first on ties")

	page, err := q.OffersByClass(f.Ctx, &types.QueryOffersByClassRequest{Class: "H100-SXM-80G", Pagination: &query.PageRequest{Limit: 2}})
	require.NoError(t, err)
	require.Len(t, page.Offers, 2)
	next, err := q.OffersByClass(f.Ctx, &types.QueryOffersByClassRequest{Class: "H100-SXM-80G", Pagination: &query.PageRequest{Key: page.Pagination.NextKey}})
	require.NoError(t, err)
	require.Equal(t, uint64(3), next.Offers[0].Id)

	empty, err := q.OffersByClass(f.Ctx, &types.QueryOffersByClassRequest{Class: "A100-80G"})
	require.NoError(t, err)
	require.Empty(t, empty.Offers)
}
