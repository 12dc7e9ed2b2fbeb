//go:build e2e

package testnet_test

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// committeeHook is the -genesis-hook that seats 2 of the 4 validators on each task, rotates
// the gateway's committee every 20 blocks, starts each device's scoring epoch every 4 batches
// (40 s of the stations' 10 s batches), and keeps a
// miss window long enough that the validator whose sidecar stops is still in the set (not
// yet jailed for its misses) when its seats come up.
const committeeHook = `sed -i -e 's/"committee_size": 32/"committee_size": 2/' -e 's/"scoring_epoch_batches": 144/"scoring_epoch_batches": 4/' -e 's/"committee_epoch_blocks": "14400"/"committee_epoch_blocks": "20"/' -e 's/"miss_window_blocks": "40"/"miss_window_blocks": "1000"/'`

// TestCommitteeTestnet: 4 validators with committee_size 2, an honest provider, a cheating
// one and 3 healthy stations. Honest challenges finalise on the reports of their 2 committee
// members alone, and so do batches, across several of each device's committee epochs (a
// member new to a device replays its history from the scoring anchor); none expires. The
// cheater's forged work is reported by its committee, escalated to every validator and
// finalised FRAUD by them. Then a sidecar stops: the challenges and batches it sits on still
// finalise (escalated at their deadline to every validator, who replay the devices' history:
// the liveness path), it is counted missing, nothing expires, and every node keeps the same
// app hash.
func TestCommitteeTestnet(t *testing.T) {
	n := startTestnet(t, "-agents", "-cheater", "-genesis-hook", committeeHook)
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var gpu, batches, lateBatches, fraud, escalated int
		for _, tk := range finalised(t) {
			if tk.Kind == "TASK_KIND_SENSOR_BATCH" && len(tk.Committee) > 0 {
				switch {
				case tk.lowestScore() < 5000:
					t.Fatalf("a healthy batch finalised at %d: %+v", tk.lowestScore(), tk)
				case len(tk.Committee) != 2:
					t.Fatalf("a committee of %d: %+v", len(tk.Committee), tk)
				case !tk.Escalated && tk.Result.Reporters > 2:
					t.Fatalf("a committee batch finalised on %d reports: %+v", tk.Result.Reporters, tk)
				}
				for _, item := range tk.Items {
					batches++
					if seq, _ := strconv.Atoi(item.Seq); seq > 8 {
						lateBatches++ // scored on a window anchored at batch 5 or later
					}
				}
				continue
			}
			if len(tk.Committee) == 0 {
				continue // opened before the first commit with vote extensions recorded the validator set
			}
			if len(tk.Committee) != 2 {
				t.Fatalf("a committee of %d: %+v", len(tk.Committee), tk)
			}
			switch {
			case tk.Escalated:
				escalated++
				if tk.Result.Reporters < 3 {
					t.Fatalf("an escalated task finalised on %d reports: %+v", tk.Result.Reporters, tk)
				}
				if tk.Result.Verdict == "VERDICT_FRAUD" {
					fraud++
				}
			case tk.Result.Verdict == "VERDICT_FRAUD":
				t.Fatalf("fraud decided by a committee alone: %+v", tk)
			case tk.Result.Reporters > 2:
				t.Fatalf("a committee task finalised on %d reports: %+v", tk.Result.Reporters, tk)
			default:
				gpu++
			}
		}
		if expired := tasks(t, 3); len(expired) > 0 {
			t.Fatalf("%d tasks expired, e.g. %+v", len(expired), expired[0])
		}
		if gpu >= 2 && batches >= 6 && lateBatches >= 3 && fraud >= 1 {
			t.Logf("%d challenges finalised by their committees of 2 and %d batches (%d past a device's second epoch); %d escalated challenges, %d of them the cheater's fraud",
				gpu, batches, lateBatches, escalated, fraud)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("within 5 minutes: %d committee challenges, %d batches (%d late), %d frauds (%d escalated)", gpu, batches, lateBatches, fraud, escalated)
		}
		time.Sleep(3 * time.Second)
	}

	// Phase 2: node1's sidecar stops. Every challenge and batch opened afterwards still
	// finalises: one node1 sits on reaches its deadline incomplete and escalates to every
	// validator; none expires.
	n.stopSidecar(1)
	from := height(t)
	missedBefore := n.performance(1).TotalMissed
	node1 := n.consensusAddress(1)
	deadline = time.Now().Add(6 * time.Minute) // a challenge every ~15 s, each seating node1 with p = 1/2
	for {
		var done, seated, escalated, seatedBatches int
		for _, tk := range finalised(t) {
			if opened, _ := strconv.ParseInt(tk.Opened, 10, 64); opened <= from {
				continue
			}
			if slices.Contains(tk.Committee, node1) && !tk.Escalated {
				t.Fatalf("a task node1 sits on finalised without it and without escalating: %+v", tk)
			}
			if tk.Kind == "TASK_KIND_SENSOR_BATCH" {
				if slices.Contains(tk.Committee, node1) {
					seatedBatches += len(tk.Items)
				}
				continue
			}
			done++
			if slices.Contains(tk.Committee, node1) {
				seated++
			}
			if tk.Escalated {
				escalated++
			}
		}
		if expired := tasks(t, 3); len(expired) > 0 {
			t.Fatalf("with node1's sidecar down %d tasks expired, e.g. %+v", len(expired), expired[0])
		}
		if seated >= 1 && done >= 3 && seatedBatches >= 2 {
			t.Logf("phase 2: %d challenges finalised with node1's sidecar down, %d of them with node1 seated, %d escalated; %d batches node1 sat on finalised after escalating",
				done, seated, escalated, seatedBatches)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with node1's sidecar down (from height %d) %d challenges finalised, %d with node1 seated, %d batches with node1 seated, within 6 minutes",
				from, done, seated, seatedBatches)
		}
		time.Sleep(3 * time.Second)
	}
	if missed := n.performance(1).TotalMissed; missed == missedBefore {
		t.Fatalf("node1's sidecar is down but its missed count stayed %s", missed)
	}
	n.requireSameAppHash()
}
