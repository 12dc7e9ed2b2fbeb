//go:build e2e

package e2e_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The fault injection devnets use to show fraud being caught is only in devnet builds: the
// binaries make build produces cannot forge proofs of work or report false results.
func TestFaultInjectionOnlyInDevnetBuilds(t *testing.T) {
	release, err := filepath.Abs("../../build")
	if err != nil {
		t.Fatal(err)
	}
	devnet := filepath.Join(release, "devnet-bin")
	for _, c := range []struct {
		binary, flag string
		command      []string
	}{
		{"thalamus-agent", "--cheat-fraction", []string{"gpu", "--help"}},
		{"thalamus-sidecar", "--wrong-results", []string{"start", "--help"}},
	} {
		for dir, want := range map[string]bool{release: false, devnet: true} {
			out, err := exec.Command(filepath.Join(dir, c.binary), c.command...).CombinedOutput()
			if err != nil {
				t.Fatalf("%s %v: %v\n%s", filepath.Join(dir, c.binary), c.command, err, out)
			}
			if got := strings.Contains(string(out), c.flag); got != want {
				t.Errorf("%s: has %s = %t, want %t", filepath.Join(dir, c.binary), c.flag, got, want)
			}
		}
	}
}
