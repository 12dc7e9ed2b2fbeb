package gpuinspect

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// On a machine without a GPU, inspect says so for NVML and for the CUDA driver, and that
// the agent would work on the CPU; it needs no chain.
func TestInspectWithoutAGPU(t *testing.T) {
	cmd := Command()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetArgs(nil)
	require.NoError(t, cmd.Execute())
	text := out.String()
	if !strings.Contains(text, "CUDA driver:\n  not available") {
		t.Skipf("this machine has a GPU:\n%s", text)
	}
	require.Contains(t, text, "NVML:\n  not available")
	require.Contains(t, text, "would use the CPU backend")
}
