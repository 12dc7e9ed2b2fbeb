//go:build e2e

package testnet_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// committeeHook is the -genesis-hook that seats 2 of the 4 validators on each task.
const committeeHook = `sed -i 's/"committee_size": 32/"committee_size": 2/'`

// TestCommitteeTestnet: 4 validators with committee_size 2, an honest provider, a cheating
// one and 3 healthy stations. Honest challenges and batches finalise on the reports of their
// 2 committee members alone and none expires; the cheater's forged work is reported by its
// committee, escalated to every validator and finalised FRAUD by them; every node keeps the same app hash.
func TestCommitteeTestnet(t *testing.T) {
	n := startTestnet(t, "-agents", "-cheater", "-genesis-hook", committeeHook)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var gpu, batches, fraud, escalated int
		for _, tk := range finalised(t) {
			if len(tk.Committee) == 0 {
				continue // opened before the first commit with vote extensions recorded the validator set
			}
			if len(tk.Committee) != 2 {
				t.Fatalf("a committee of %d: %+v", len(tk.Committee), tk)
			}
			if tk.Escalated {
				escalated++
				if tk.Result.Reporters < 3 {
					t.Fatalf("an escalated task finalised on %d reports: %+v", tk.Result.Reporters, tk)
				}
			} else if tk.Result.Reporters > 2 {
				t.Fatalf("a committee task finalised on %d reports: %+v", tk.Result.Reporters, tk)
			}
			switch tk.Kind {
			case "TASK_KIND_GPU_CHALLENGE":
				if tk.Result.Verdict == "VERDICT_FRAUD" {
					if !tk.Escalated {
						t.Fatalf("fraud decided by a committee alone: %+v", tk)
					}
					fraud++
				} else if !tk.Escalated {
					gpu++
				}
			case "TASK_KIND_SENSOR_BATCH":
				if tk.Result.Score < 5000 {
					t.Fatalf("a healthy batch finalised at %d: %+v", tk.Result.Score, tk)
				}
				if !tk.Escalated {
					batches++
				}
			}
		}
		if expired := tasks(t, 3); len(expired) > 0 {
			t.Fatalf("%d tasks expired, e.g. %+v", len(expired), expired[0])
		}
		if gpu >= 2 && batches >= 6 && fraud >= 1 {
			t.Logf("%d challenges and %d batches finalised by their committees of 2; %d escalated tasks, %d of them the cheater's fraud",
				gpu, batches, escalated, fraud)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 5 minutes: %d committee challenges, %d committee batches, %d frauds (%d escalated)", gpu, batches, fraud, escalated)
		}
		time.Sleep(3 * time.Second)
	}
	out := n.devnet("wait", strconv.FormatInt(height(t), 10))
	if !strings.Contains(out, "all 4 nodes agree on the app hash") {
		t.Fatalf("app hashes differ:\n%s", out)
	}
}
