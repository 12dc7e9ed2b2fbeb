package agent

import (
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The simulated GPUs keep their UUIDs across restarts, and asking for more adds to them.
func TestSimulatedGPUsSurviveRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "simulated-gpus.json")
	first, err := loadOrCreateUUIDs(path, 2)
	require.NoError(t, err)
	require.Len(t, first, 2)
	nvml := regexp.MustCompile(`^GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	for _, u := range first {
		require.Regexp(t, nvml, u)
	}
	again, err := loadOrCreateUUIDs(path, 2)
	require.NoError(t, err)
	require.Equal(t, first, again)
	more, err := loadOrCreateUUIDs(path, 3)
	require.NoError(t, err)
	require.Equal(t, first, more[:2])
	fewer, err := loadOrCreateUUIDs(path, 1)
	require.NoError(t, err)
	require.Equal(t, first[:1], fewer)
}

// A challenge is searched only as long as its answer can still land: on the localnet (1 s
// blocks, a 10-block window) the search used to end a block before the deadline, just after a
// poll, and under load the answer reached the chain after its window (challenges dropped as
// "finished too late"). On a 6 s chain with a 5-block window, --work-seconds still binds.
func TestSolveBudget(t *testing.T) {
	const poll = time.Second
	for _, c := range []struct {
		name              string
		block             time.Duration
		blocksLeft        int64
		sinceSeen, budget time.Duration
	}{
		{"localnet, the challenge's block just seen", time.Second, 10, 0, 7 * time.Second},
		{"localnet, its block seen 800 ms ago", time.Second, 10, 800 * time.Millisecond, 6200 * time.Millisecond},
		{"6 s blocks: --work-seconds binds", 6 * time.Second, 5, 0, 20 * time.Second},
		{"6 s blocks, its block seen 4 s ago", 6 * time.Second, 5, 4 * time.Second, 18 * time.Second},
		{"no time to land an answer", time.Second, 2, 0, -time.Second},
	} {
		require.Equal(t, c.budget, solveBudget(20*time.Second, c.block, poll, c.blocksLeft, c.sinceSeen), c.name)
	}
}
