package types_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// members returns validators v0, v1, ... with the given powers.
func members(powers ...int64) []types.Member {
	out := make([]types.Member, len(powers))
	for i, p := range powers {
		out[i] = types.Member{ConsensusAddress: fmt.Sprintf("v%d", i), Power: p}
	}
	return out
}

func addresses(ms []types.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ConsensusAddress
	}
	return out
}

// The draw is pinned (the vector was computed independently in Python): any change to the seed, the stream or the walk changes which
// validators verify which tasks, and every validator must draw the same.
func TestDrawCommitteeGoldenVector(t *testing.T) {
	seed := types.CommitteeSeed("thalamus-1", []byte("app hash"), 42)
	require.Equal(t, "1d66528550d911574a4f679391ef0d3262363f29f660abb8e97e0f0425c0c438", fmt.Sprintf("%x", seed))
	drawn := types.DrawCommittee(seed, members(5, 1, 30, 7, 12, 0, 3, 9), 4)
	require.Equal(t, []string{"v2", "v4", "v3", "v7"}, addresses(drawn))
}

func TestDrawCommitteeShape(t *testing.T) {
	set := members(5, 1, 30, 0, 12)
	for id := range uint64(200) {
		seed := types.CommitteeSeed("c", nil, id)
		drawn := types.DrawCommittee(seed, set, 3)
		require.Len(t, drawn, 3)
		seen := map[string]bool{}
		for _, m := range drawn {
			require.False(t, seen[m.ConsensusAddress], "a validator is never seated twice")
			require.NotEqual(t, "v3", m.ConsensusAddress, "a validator without power is never drawn")
			seen[m.ConsensusAddress] = true
		}
		require.Equal(t, drawn, types.DrawCommittee(seed, set, 3), "the same seed draws the same committee")
	}
	all := types.DrawCommittee([]byte("s"), set, 10)
	require.ElementsMatch(t, []string{"v0", "v1", "v2", "v4"}, addresses(all), "a size above the set seats everyone with power")
	require.Empty(t, types.DrawCommittee([]byte("s"), members(0, 0), 2))
	require.Empty(t, types.DrawCommittee([]byte("s"), nil, 2))
	require.NotEqual(t, types.CommitteeSeed("ab", []byte("c"), 1), types.CommitteeSeed("a", []byte("bc"), 1),
		"fields are length-prefixed, so moving bytes between them changes the seed")
}

// Each seat goes to a validator with probability proportional to its power among those not
// yet seated: the first seat's frequencies over many tasks fit the powers (chi-square), and
// so does the second seat's given the first.
func TestDrawCommitteeIsStakeWeighted(t *testing.T) {
	set := members(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	const draws = 40_000
	first := make([]float64, len(set))
	secondAfterLast := make([]float64, len(set)) // second seat when v9 took the first
	afterLast := 0.0
	for id := range uint64(draws) {
		drawn := types.DrawCommittee(types.CommitteeSeed("thalamus-1", sha256.New().Sum([]byte{byte(id)}), id), set, 2)
		i := index(drawn[0].ConsensusAddress)
		first[i]++
		if i == 9 {
			secondAfterLast[index(drawn[1].ConsensusAddress)]++
			afterLast++
		}
	}
	// 27.88 is the 0.999 quantile of chi-square with 9 degrees of freedom; the seeds are
	// fixed, so this either always passes or always fails.
	require.Less(t, chiSquare(first, set, draws, -1), 27.88, "first seat: %v", first)
	// Given v9 first, the second seat is v0..v8 in proportion 1..9 (8 degrees of freedom: 26.12).
	require.Zero(t, secondAfterLast[9], "v9 cannot be seated twice")
	require.Less(t, chiSquare(secondAfterLast, set, afterLast, 9), 26.12, "second seat: %v", secondAfterLast)
}

func index(addr string) int {
	var i int
	_, _ = fmt.Sscanf(addr, "v%d", &i)
	return i
}

// chiSquare compares observed counts with n draws in proportion to the powers, leaving out skip.
func chiSquare(observed []float64, set []types.Member, n float64, skip int) float64 {
	var total float64
	for i, m := range set {
		if i != skip {
			total += float64(m.Power)
		}
	}
	var x2 float64
	for i, m := range set {
		if i == skip {
			continue
		}
		expected := n * float64(m.Power) / total
		x2 += (observed[i] - expected) * (observed[i] - expected) / expected
	}
	return x2
}
