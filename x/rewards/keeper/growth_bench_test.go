package keeper_test

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"

	keepertest "github.com/thalamus-network/thalamus/testutil/keeper"
	"github.com/thalamus-network/thalamus/x/rewards"
	"github.com/thalamus-network/thalamus/x/rewards/keeper"
	"github.com/thalamus-network/thalamus/x/rewards/types"
)

// growthRecipient is seeded recipient r's address (r from 1).
func growthRecipient(r uint64) sdk.AccAddress {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("growth-recipient"), r))
	return h[:20]
}

// BenchmarkStateGrowth claims rewards against 1k, 10k, 100k and 1M recipients with work in a
// closed epoch (keepertest.GrowthSizes), each claim in a discarded cache context over the
// committed state, by one of 64 recipients spread over them. make bench-growth runs it.
func BenchmarkStateGrowth(b *testing.B) {
	for _, n := range keepertest.GrowthSizes(b) {
		f := fixtureOn(b, keepertest.NewFixtureOnDisk(b, types.StoreKey, rewards.AppModule{}))
		for r := uint64(1); r <= uint64(n); r++ {
			require.NoError(b, f.keeper.AddSensorWork(f.Ctx, growthRecipient(r), r, 100, 9000))
			if r%keepertest.SeedChunk == 0 {
				f.Store.Commit()
			}
		}
		f.endEpoch(b)
		f.Store.Commit()
		// The fake bank lives outside the store, so the discarded claims still drain the
		// module account it pays from: fund it for every iteration.
		pool := string(authtypes.NewModuleAddress(types.ModuleName))
		f.bank.balances[pool] = f.bank.balances[pool].Add(sdk.NewInt64Coin(denom, 1<<62))
		ms := keeper.NewMsgServerImpl(f.keeper)
		b.Run(fmt.Sprintf("ClaimRewards/records=%d", n), func(b *testing.B) {
			keepertest.MeasureEach(b, f.Ctx, func(ctx sdk.Context, i int) error {
				claimant := f.bech32(b, growthRecipient(keepertest.Touched(i, 64, n)))
				res, err := ms.ClaimRewards(ctx, &types.MsgClaimRewards{Claimant: claimant})
				if err == nil && res.Amount.IsZero() {
					err = fmt.Errorf("%s claimed nothing", claimant)
				}
				return err
			})
		})
	}
}
