package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/x/compute/types"
)

// A formatted UUID is one the registry accepts.
func TestFormatGPUUUIDIsValid(t *testing.T) {
	for _, b := range [][16]byte{{}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {1, 2, 3}} {
		uuid := types.FormatGPUUUID(b)
		require.Len(t, uuid, len("GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"))
		require.NoError(t, types.ValidateGPUInfo(uuid, "NVIDIA H100 80GB HBM3", 81559, "550.54.15", "12.4"))
	}
}
