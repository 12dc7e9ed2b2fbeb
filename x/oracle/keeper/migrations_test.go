package keeper_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// withoutField drops every occurrence of field num from an encoded message.
func withoutField(t *testing.T, bz []byte, num protowire.Number) []byte {
	t.Helper()
	var out []byte
	for len(bz) > 0 {
		n, typ, tagLen := protowire.ConsumeTag(bz)
		require.GreaterOrEqual(t, tagLen, 0)
		fieldLen := protowire.ConsumeFieldValue(n, typ, bz[tagLen:])
		require.GreaterOrEqual(t, fieldLen, 0)
		if n != num {
			out = append(out, bz[:tagLen+fieldLen]...)
		}
		bz = bz[tagLen+fieldLen:]
	}
	return out
}

func TestMigrate1to2FillsMaxOverturnedFraction(t *testing.T) {
	f := newFixture(t)
	// Params as a chain stored them before the committee issue: no field 15
	// (max_overturned_fraction) and committee_size 0, every validator.
	v1 := types.DefaultParams()
	v1.CommitteeSize = 0
	bz, err := v1.Marshal()
	require.NoError(t, err)
	require.NoError(t, f.StoreService.OpenKVStore(f.Ctx).Set(types.ParamsKey, withoutField(t, bz, 15)))
	stored, err := f.keeper.Params.Get(f.Ctx)
	require.NoError(t, err)
	require.True(t, stored.MaxOverturnedFraction.IsNil(), "a v1 state decodes without the fraction")

	require.NoError(t, keeper.NewMigrator(f.keeper).Migrate1to2(f.Ctx))

	got, err := f.keeper.Params.Get(f.Ctx)
	require.NoError(t, err)
	require.True(t, got.MaxOverturnedFraction.Equal(types.DefaultParams().MaxOverturnedFraction))
	require.Zero(t, got.CommitteeSize, "committee_size is governance's to set")
	require.NoError(t, got.Validate())
}

func TestMigrate1to2KeepsMaxOverturnedFractionSet(t *testing.T) {
	f := newFixture(t)
	p := types.DefaultParams()
	p.MaxOverturnedFraction = math.LegacyNewDecWithPrec(25, 2)
	require.NoError(t, f.keeper.Params.Set(f.Ctx, p))
	require.NoError(t, keeper.NewMigrator(f.keeper).Migrate1to2(f.Ctx))
	got, err := f.keeper.Params.Get(f.Ctx)
	require.NoError(t, err)
	require.True(t, got.MaxOverturnedFraction.Equal(p.MaxOverturnedFraction))
}
