//go:build e2e

package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const rest = "http://127.0.0.1:1317"

type oracleTask struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	SubjectID string `json:"subject_id"`
	Status    string `json:"status"`
	// Items are the batches of a sensor task, as (device id, batch seq).
	Items []struct {
		SubjectID  string `json:"subject_id"`
		SubjectSeq string `json:"subject_seq"`
	} `json:"items"`
	Result struct {
		Verdict         string `json:"verdict"`
		FinalizedHeight string `json:"finalized_height"`
		Reporters       int    `json:"reporters"`
		Items           []struct {
			Score int   `json:"score"`
			Flags []int `json:"flags"` // x/sensors BatchFlag values
		} `json:"items"`
	} `json:"result"`
}

// scoredBatch is one batch of a finalised sensor task with its result.
type scoredBatch struct {
	device, seq string
	score       int
	flags       []int
}

// finalisedBatches lists the batches of the finalised sensor tasks over REST.
func finalisedBatches(t *testing.T) []scoredBatch {
	t.Helper()
	var out []scoredBatch
	for _, task := range finalisedTasks(t, 2) {
		if len(task.Items) != len(task.Result.Items) {
			t.Fatalf("task %s has %d batches and %d scores", task.ID, len(task.Items), len(task.Result.Items))
		}
		for i, item := range task.Items {
			out = append(out, scoredBatch{item.SubjectID, item.SubjectSeq, task.Result.Items[i].Score, task.Result.Items[i].Flags})
		}
	}
	return out
}

// x/sensors BatchFlag values that sensor-batch results carry.
const (
	flagOutOfRange = 1
	flagStuck      = 2
	flagGap        = 4
	flagAnomaly    = 7
)

// finalisedTasks lists the finalised tasks of a kind (1 GPU challenge, 2 sensor batch) over REST.
func finalisedTasks(t *testing.T, kind int) []oracleTask {
	t.Helper()
	var resp struct {
		Tasks []oracleTask `json:"tasks"`
	}
	getJSON(t, fmt.Sprintf("%s/thalamus/oracle/v1/tasks?status=2&kind=%d&pagination.limit=1000", rest, kind), &resp)
	return resp.Tasks
}

// TestOracleSettlesWorkAndScoresBatches: on the localnet the validator's sidecar verifies the
// agents' work through vote extensions. The honest provider's challenges finalise PASS, the
// cheating provider's GPU finalises FRAUD (GPU jailed, lease closed, tenant refunded, collateral
// slashed), healthy stations' batches score high and the faulty ones low with their flags.
func TestOracleSettlesWorkAndScoresBatches(t *testing.T) {
	c := startChain(t)
	addr := func(name string) string {
		return strings.TrimSpace(string(c.must("keys", "show", name, "--address", "--keyring-backend", "test")))
	}
	provider, cheater, tenant := addr("provider"), addr("cheater"), addr("tenant")
	start := blockTime(t, 1)

	providerOf := map[string]string{} // challenge id -> provider
	var passed, fraud *oracleTask
	deadline := time.Now().Add(3 * time.Minute)
	for passed == nil || fraud == nil {
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes: pass %v, fraud %v", passed != nil, fraud != nil)
		}
		time.Sleep(2 * time.Second)
		for _, task := range finalisedTasks(t, 1) {
			if _, ok := providerOf[task.SubjectID]; !ok {
				var ch struct {
					Challenge struct {
						Provider string `json:"provider"`
					} `json:"challenge"`
				}
				c.query(&ch, "compute", "challenge", task.SubjectID)
				providerOf[task.SubjectID] = ch.Challenge.Provider
			}
			// An honest GPU passes, or underperforms when its CPU core is starved (genuine
			// winners, too few of them); it is never judged a fraud.
			switch {
			case providerOf[task.SubjectID] == provider && task.Result.Verdict == "VERDICT_FRAUD":
				t.Fatalf("an honest challenge finalised FRAUD: %+v", task)
			case providerOf[task.SubjectID] == provider:
				passed = &task
			case providerOf[task.SubjectID] == cheater && task.Result.Verdict == "VERDICT_FRAUD":
				fraud = &task
			}
		}
	}
	fraudHeight := parseInt(t, fraud.Result.FinalizedHeight)
	t.Logf("challenge %s of the honest provider %s; challenge %s of the cheater FRAUD at height %d (%s after genesis)",
		passed.SubjectID, passed.Result.Verdict, fraud.SubjectID, fraudHeight, blockTime(t, fraudHeight).Sub(start).Round(time.Second))

	// One task by id over REST, and the validator's performance.
	var one struct {
		Task oracleTask `json:"task"`
	}
	getJSON(t, rest+"/thalamus/oracle/v1/tasks/"+fraud.ID, &one)
	if one.Task.Result.Verdict != "VERDICT_FRAUD" || one.Task.Result.Reporters != 1 {
		t.Fatalf("task %s over REST: %+v", fraud.ID, one.Task)
	}
	valoper := strings.TrimSpace(string(c.must("keys", "show", "alice", "--bech", "val", "--address", "--keyring-backend", "test")))
	var perf struct {
		Performance struct {
			TotalValid    string `json:"total_valid"`
			TotalDeviated string `json:"total_deviated"`
		} `json:"performance"`
	}
	getJSON(t, rest+"/thalamus/oracle/v1/validators/"+valoper+"/performance", &perf)
	if parseInt(t, perf.Performance.TotalValid) == 0 || perf.Performance.TotalDeviated != "0" {
		t.Fatalf("validator performance %+v", perf.Performance)
	}

	// The fraud's consequences, in the block that finalised it.
	events := blockEvents(t, fraudHeight)
	for _, want := range []string{"thalamus.compute.v1.EventGPUJailed", "thalamus.compute.v1.EventTenantRefunded", "thalamus.compute.v1.EventProviderSlashed"} {
		if !strings.Contains(events, want) {
			t.Fatalf("block %d lacks %s", fraudHeight, want)
		}
	}
	if !strings.Contains(events, tenant) {
		t.Fatalf("block %d refunds someone other than the tenant %s", fraudHeight, tenant)
	}
	var leases struct {
		Leases []struct {
			Provider    string `json:"provider"`
			State       string `json:"state"`
			CloseReason string `json:"close_reason"`
		} `json:"leases"`
	}
	c.query(&leases, "compute", "leases-by-tenant", tenant)
	closed := false
	for _, l := range leases.Leases {
		closed = closed || (l.Provider == cheater && l.CloseReason == "LEASE_CLOSE_REASON_PROVIDER_FAULT")
	}
	if !closed {
		t.Fatalf("the cheater's lease was not closed as a provider fault: %+v", leases.Leases)
	}
	var p struct {
		Provider struct {
			Collateral struct {
				Amount string `json:"amount"`
			} `json:"collateral"`
		} `json:"provider"`
	}
	c.query(&p, "compute", "provider", cheater)
	if got := parseInt(t, p.Provider.Collateral.Amount); got >= 950_000_000 {
		t.Fatalf("the cheater's collateral is %d, want refunded and slashed below 950000000", got)
	}

	// Sensor batches: devices 1 and 2 are healthy, 3 drifts, 4 sticks, 5 spikes.
	want := map[string]int{"3": flagOutOfRange, "4": flagStuck, "5": flagOutOfRange}
	deadline = time.Now().Add(3 * time.Minute)
	for {
		found := map[string]int{} // device -> lowest score of a batch with its fault's flag
		healthyMin := 10_000
		for _, b := range finalisedBatches(t) {
			if b.device == "1" || b.device == "2" {
				for _, f := range b.flags {
					if f != flagAnomaly && f != flagGap {
						t.Fatalf("healthy device %s batch %s flagged %d: %+v", b.device, b.seq, f, b)
					}
				}
				healthyMin = min(healthyMin, b.score)
			}
			if flag, ok := want[b.device]; ok && contains(b.flags, flag) {
				if s, seen := found[b.device]; !seen || b.score < s {
					found[b.device] = b.score
				}
			}
		}
		if len(found) == 3 && found["3"] < 6000 && found["4"] < 6000 && found["5"] <= 9100 {
			if healthyMin < 8000 {
				t.Fatalf("a healthy device's batch scored %d", healthyMin)
			}
			t.Logf("healthy devices score >= %d; faulty devices' flagged batches score drift %d, stuck %d, spike %d (%s after genesis)",
				healthyMin, found["3"], found["4"], found["5"], time.Since(start).Round(time.Second))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("faulty devices not scored low within 3 minutes: %v (healthy min %d)", found, healthyMin)
		}
		time.Sleep(3 * time.Second)
	}
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// blockEvents returns the raw JSON of a block's results (finalize-block events included).
func blockEvents(t *testing.T, height int64) string {
	t.Helper()
	var res map[string]any
	getJSON(t, fmt.Sprintf("http://127.0.0.1:26657/block_results?height=%d", height), &res)
	return fmt.Sprint(res)
}

// blockTime is a block's header time.
func blockTime(t *testing.T, height int64) time.Time {
	t.Helper()
	var res struct {
		Result struct {
			Block struct {
				Header struct {
					Time time.Time `json:"time"`
				} `json:"header"`
			} `json:"block"`
		} `json:"result"`
	}
	getJSON(t, fmt.Sprintf("http://127.0.0.1:26657/block?height=%d", height), &res)
	return res.Result.Block.Header.Time
}
