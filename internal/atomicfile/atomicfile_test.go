package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/atomicfile"
)

func TestWriteReplacesAndLeavesNoTemporary(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	require.NoError(t, atomicfile.Write(path, []byte("one"), 0o600))
	require.NoError(t, atomicfile.Write(path, []byte("two"), 0o600))
	bz, err := os.ReadFile(path) //nolint:gosec // the test's own temporary file
	require.NoError(t, err)
	require.Equal(t, "two", string(bz))
	_, err = os.Stat(path + ".tmp")
	require.ErrorIs(t, err, os.ErrNotExist)
	require.Error(t, atomicfile.Write(filepath.Join(t.TempDir(), "missing", "dir", "state"), nil, 0o600))
}
