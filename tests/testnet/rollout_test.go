//go:build e2e

package testnet_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestModelRolloutTestnet: a quality-model rollout as governance runs it. The genesis accepts
// the embedded model and the previous one (1.1.0) with the deviation band widened to 15 %;
// node3's sidecar scores with 1.1.0 (--quality-model), the others with the embedded model.
// Batches finalise on all 4 validators' reports, node3's among them, and every node keeps
// the same app hash.
func TestModelRolloutTestnet(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(root, "pkg/quality/testdata/model-1.1.0.json")
	hook := fmt.Sprintf(`sed -i -e 's/"accepted_model_hashes": \[\]/"accepted_model_hashes": ["%s", "%s"]/' -e 's/"score_deviation_band": "0.100000000000000000"/"score_deviation_band": "0.150000000000000000"/'`,
		fileHash(t, filepath.Join(root, "pkg/quality/model.json")), fileHash(t, old))
	n := startTestnet(t, "-agents", "-quality-model", "3:"+old, "-genesis-hook", hook)

	log, err := os.ReadFile(filepath.Join(n.dir, "sidecar3.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), fileHash(t, old)) {
		t.Fatalf("sidecar3 does not run model 1.1.0:\n%s", log)
	}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		batches := 0
		for _, tk := range finalised(t) {
			if tk.Kind != "TASK_KIND_SENSOR_BATCH" {
				continue
			}
			if tk.lowestScore() < 5000 {
				t.Fatalf("a healthy batch finalised at %d: %+v", tk.lowestScore(), tk)
			}
			if tk.Result.Reporters == 4 {
				batches += len(tk.Items)
			}
		}
		if expired := tasks(t, 3); len(expired) > 0 {
			t.Fatalf("%d tasks expired, e.g. %+v", len(expired), expired[0])
		}
		if batches >= 6 {
			p := n.performance(3)
			if valid, _ := strconv.Atoi(p.TotalValid); valid == 0 {
				t.Fatalf("node3's 1.1.0 reports are not counted: %+v", p)
			}
			t.Logf("%d batches finalised on the reports of both models' validators; node3 (1.1.0): %s valid, %s deviating, %s missed",
				batches, p.TotalValid, p.TotalDeviated, p.TotalMissed)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 4 minutes only %d batches finalised on 4 reports", batches)
		}
		time.Sleep(3 * time.Second)
	}
	n.requireSameAppHash()
}

func fileHash(t *testing.T, path string) string {
	bz, err := os.ReadFile(path) //nolint:gosec // the repository's model files
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bz)
	return hex.EncodeToString(sum[:])
}
