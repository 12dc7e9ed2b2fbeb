//go:build e2e

package e2e_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type challenge struct {
	ID          string `json:"id"`
	GPUUUID     string `json:"gpu_uuid"`
	Preset      string `json:"preset"`
	Seed        string `json:"seed"`
	TableSeed   string `json:"table_seed"`
	State       string `json:"state"`
	NoncesTried string `json:"nonces_tried"`
	Winners     []struct {
		Nonce  string `json:"nonce"`
		Digest uint32 `json:"digest"`
	} `json:"winners"`
}

// TestAgentAnswersChallengesVerifiably: the localnet's simulated GPU provider (thalamus-agent
// gpu) registers its GPUs and answers their proof-of-work challenges on chain; every winner
// it submitted recomputes with thalamus-sidecar pow verify, the validators' offline check.
func TestAgentAnswersChallengesVerifiably(t *testing.T) {
	c := startChain(t)
	provider := strings.TrimSpace(string(c.must("keys", "show", "provider", "--address", "--keyring-backend", "test")))

	var submitted []challenge
	deadline := time.Now().Add(3 * time.Minute)
	for len(submitted) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the agent submitted no proof of work within 3 minutes")
		}
		time.Sleep(2 * time.Second)
		var resp struct {
			Challenges []challenge `json:"challenges"`
		}
		// Answered challenges are submitted until the validators settle them (passed), within a few blocks.
		c.query(&resp, "compute", "challenges", provider)
		submitted = submitted[:0]
		for _, ch := range resp.Challenges {
			if len(ch.Winners) > 0 {
				submitted = append(submitted, ch)
			}
		}
	}
	sidecar := filepath.Join(filepath.Dir(c.binary), "thalamus-sidecar")
	for _, ch := range submitted {
		if len(ch.Winners) == 0 {
			t.Fatalf("challenge %s was answered without winners", ch.ID)
		}
		result := map[string]any{"preset": ch.Preset, "seed": hexOf(t, ch.Seed), "nonces_tried": parseInt(t, ch.NoncesTried), "seconds": 0}
		var winners []map[string]any
		for _, w := range ch.Winners {
			winners = append(winners, map[string]any{"nonce": parseInt(t, w.Nonce), "digest": w.Digest})
		}
		result["winners"] = winners
		bz, err := json.Marshal(result)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "challenge-"+ch.ID+".json")
		if err := os.WriteFile(file, bz, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(sidecar, "pow", "verify", "--preset", ch.Preset, "--seed", hexOf(t, ch.Seed),
			"--table-seed", hexOf(t, ch.TableSeed), "--samples", "0", file).CombinedOutput()
		if err != nil {
			t.Fatalf("challenge %s does not verify: %v\n%s", ch.ID, err, out)
		}
		t.Logf("challenge %s (GPU %s): %d winners over %s nonces verified", ch.ID, ch.GPUUUID, len(ch.Winners), ch.NoncesTried)
	}
}

func hexOf(t *testing.T, b64 string) string {
	t.Helper()
	bz, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(bz)
}
