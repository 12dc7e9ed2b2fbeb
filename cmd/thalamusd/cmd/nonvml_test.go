package cmd_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The chain binary must never link NVML (cgo, a driver library, and a process-killing failure
// mode): only thalamus-agent may import pkg/gpu.
func TestThalamusdDoesNotLinkNVML(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/thalamus-network/thalamus/cmd/thalamusd").Output()
	require.NoError(t, err)
	for _, pkg := range strings.Fields(string(out)) {
		require.NotContains(t, pkg, "go-nvml", "thalamusd depends on %s", pkg)
		require.NotEqual(t, "github.com/thalamus-network/thalamus/pkg/gpu", pkg)
	}
}
