package quality_test

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Validators on amd64 and arm64 must score alike to the bit. The Go spec lets a compiler
// fuse x*y+z into one rounding, and the arm64 compiler does: every product the scoring
// path adds is converted to float64 explicitly, which rounds it and forbids the fusion.
// This compiles the package for arm64 and finds no fused instruction outside faults.go (the
// fault injector of the evaluation tools, which validators do not run).
func TestNoFusedMultiplyAddOnArm64(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package for arm64")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain on PATH")
	}
	cmd := exec.Command(goBin, "build", "-gcflags=-S", ".")
	cmd.Env = append(cmd.Environ(), "GOARCH=arm64", "GOOS=linux", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	fused := regexp.MustCompile(`\((\S+\.go):(\d+)\)\s+F(N?)M(ADD|SUB)D\b`)
	matches := fused.FindAllStringSubmatch(string(out), -1)
	require.NotEmpty(t, regexp.MustCompile(`\(\S+\.go:\d+\)\s+FMULD\b`).FindString(string(out)), "the listing has arm64 floating-point code")
	for _, m := range matches {
		if !strings.HasSuffix(m[1], "/faults.go") {
			t.Errorf("fused multiply-add at %s:%s", m[1], m[2])
		}
	}
}
