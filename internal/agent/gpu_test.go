package agent

import (
	"path/filepath"
	"regexp"
	"testing"

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
