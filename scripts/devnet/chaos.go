package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The chaos run (scripts/chaos.sh) restarts testnet processes and then verifies the testnet
// with these commands.

// savedCommand is what startBackground records next to a pid file, so `devnet restart` can
// start the same process again.
type savedCommand struct {
	Args []string `json:"args"`
	Log  string   `json:"log"`
}

func commandPath(dir, name string) string { return filepath.Join(dir, name+".cmd") }

func saveCommand(dir string, p *process) error {
	bz, err := json.Marshal(savedCommand{Args: p.args, Log: p.log})
	if err != nil {
		return err
	}
	return os.WriteFile(commandPath(dir, p.name), bz, 0o644)
}

// restartProcess stops the testnet process name (if it still runs) and starts it again with
// the command it was first started with, appending to the same log.
func restartProcess(dir, name string) error {
	bz, err := os.ReadFile(commandPath(dir, name))
	if err != nil {
		return fmt.Errorf("%s was not started by the testnet in %s: %w", name, dir, err)
	}
	var c savedCommand
	if err := json.Unmarshal(bz, &c); err != nil {
		return fmt.Errorf("%s: %w", commandPath(dir, name), err)
	}
	pidFile := filepath.Join(dir, name+".pid")
	if _, err := os.Stat(pidFile); err == nil {
		if _, err := stopPID(pidFile, 15*time.Second); err != nil {
			return err
		}
	}
	p := &process{name: name, args: c.Args, log: c.Log}
	if err := startBackground(dir, p); err != nil {
		return err
	}
	step("restarted %s (pid %d)", name, p.cmd.Process.Pid)
	return nil
}

// verifyOptions are the checks of `devnet verify`.
type verifyOptions struct {
	since      int64 // first height of the window whose block intervals are checked
	stallBlock int   // a stall is a block interval above this many median intervals
	invariants bool  // stop the testnet and run check-invariants on every node
}

// verifyTestnet checks a testnet after a chaos run: every node at the same app hash, no
// block interval since opts.since longer than opts.stallBlock median intervals, no open oracle
// task past its deadline, and (with opts.invariants, which stops the testnet) every node's
// invariants. It prints each figure and returns every failed check.
func verifyTestnet(binary, dir string, opts verifyOptions) error {
	ctx := context.Background()
	n := runningNodes(dir)
	if n == 0 {
		return fmt.Errorf("no testnet running in %s", dir)
	}
	st, err := nodeStatus(ctx, rpcURL(0))
	if err != nil {
		return fmt.Errorf("node0: %w", err)
	}
	var errs []error
	step("catch-up: every node must reach node0's height %d with the same app hash", st.Height)
	if err := waitAll(dir, n, st.Height, 3*time.Minute); err != nil {
		errs = append(errs, fmt.Errorf("catch-up: %w", err))
	}
	if err := checkStalls(ctx, opts.since, st.Height, opts.stallBlock); err != nil {
		errs = append(errs, err)
	}
	if err := checkOracleDeadlines(ctx); err != nil {
		errs = append(errs, err)
	}
	if opts.invariants {
		if err := stopTestnet(dir); err != nil {
			return errors.Join(append(errs, err)...)
		}
		for i := 0; i < n; i++ {
			home := filepath.Join(dir, fmt.Sprintf("node%d", i))
			out, err := exec.Command(binary, "check-invariants", "--home", home).CombinedOutput()
			step("node%d: %s", i, strings.TrimSpace(string(out)))
			if err != nil {
				errs = append(errs, fmt.Errorf("node%d invariants: %w", i, err))
			}
		}
	}
	if len(errs) == 0 {
		step("verify: all checks passed")
	}
	return errors.Join(errs...)
}

// checkStalls reads node0's block times from `from` to `to` and fails if any interval is
// longer than maxBlocks median intervals.
func checkStalls(ctx context.Context, from, to int64, maxBlocks int) error {
	if from < 1 {
		from = 1
	}
	times, err := blockTimes(ctx, rpcURL(0), from, to)
	if err != nil {
		return fmt.Errorf("block times: %w", err)
	}
	if len(times) < 3 {
		return fmt.Errorf("block times: only %d blocks between %d and %d", len(times), from, to)
	}
	gaps := make([]time.Duration, len(times)-1)
	worst, worstAt := time.Duration(0), from
	for i := 1; i < len(times); i++ {
		gaps[i-1] = times[i].Sub(times[i-1])
		if gaps[i-1] > worst {
			worst, worstAt = gaps[i-1], from+int64(i)
		}
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	bound := time.Duration(maxBlocks) * median
	step("block intervals over heights %d-%d: median %s, longest %s (block %d), bound %d × median = %s",
		from, to, median.Round(time.Millisecond), worst.Round(time.Millisecond), worstAt, maxBlocks, bound.Round(time.Millisecond))
	if worst > bound {
		return fmt.Errorf("stall: block %d came %s after the previous one, more than %d median block intervals", worstAt, worst, maxBlocks)
	}
	return nil
}

// blockTimes returns the header times of blocks from..to, 20 a request (CometBFT's page).
func blockTimes(ctx context.Context, rpc string, from, to int64) ([]time.Time, error) {
	var out []time.Time
	for lo := from; lo <= to; lo += 20 {
		hi := min(lo+19, to)
		var body struct {
			Result struct {
				BlockMetas []struct {
					Header struct {
						Height string    `json:"height"`
						Time   time.Time `json:"time"`
					} `json:"header"`
				} `json:"block_metas"`
			} `json:"result"`
		}
		if err := rpcGet(ctx, fmt.Sprintf("%s/blockchain?minHeight=%d&maxHeight=%d", rpc, lo, hi), &body); err != nil {
			return nil, err
		}
		metas := body.Result.BlockMetas // newest first
		for i := len(metas) - 1; i >= 0; i-- {
			out = append(out, metas[i].Header.Time)
		}
	}
	return out, nil
}

// checkOracleDeadlines fails if node0 has an open oracle task whose deadline passed: its
// last vote extensions were processed in the block after the deadline, which must have
// finalised or expired it.
func checkOracleDeadlines(ctx context.Context) error {
	st, err := nodeStatus(ctx, rpcURL(0))
	if err != nil {
		return err
	}
	open, err := listTasks(ctx, 1)
	if err != nil {
		return err
	}
	var overdue []string
	for _, t := range open {
		if d, err := strconv.ParseInt(t.Deadline, 10, 64); err == nil && d+1 < st.Height {
			overdue = append(overdue, fmt.Sprintf("task %s (%s, deadline %d)", t.ID, t.Kind, d))
		}
	}
	finalized, err := listTasks(ctx, 2)
	if err != nil {
		return err
	}
	expired, err := listTasks(ctx, 3)
	if err != nil {
		return err
	}
	step("oracle: %d task(s) finalized, %d expired without quorum, %d open at height %d, %d of them past their deadline",
		len(finalized), len(expired), len(open), st.Height, len(overdue))
	if len(overdue) > 0 {
		return fmt.Errorf("oracle tasks open past their deadline: %s", strings.Join(overdue, ", "))
	}
	return nil
}

// oracleTask is what the checks read of a task.
type oracleTask struct {
	ID       string `json:"id"`
	Kind     string `json:"kind"`
	Deadline string `json:"deadline_height"`
}

// listTasks lists node0's oracle tasks of a status (1 open, 2 finalized, 3 expired), page
// by page.
func listTasks(ctx context.Context, status int) ([]oracleTask, error) {
	var tasks []oracleTask
	next := ""
	for {
		var body struct {
			Tasks      []oracleTask `json:"tasks"`
			Pagination struct {
				NextKey string `json:"next_key"`
			} `json:"pagination"`
		}
		url := fmt.Sprintf("http://127.0.0.1:%d/thalamus/oracle/v1/tasks?status=%d&pagination.limit=500&pagination.key=%s",
			baseREST, status, neturl.QueryEscape(next))
		if err := rpcGet(ctx, url, &body); err != nil {
			return nil, fmt.Errorf("oracle tasks: %w", err)
		}
		tasks = append(tasks, body.Tasks...)
		if next = body.Pagination.NextKey; next == "" {
			return tasks, nil
		}
	}
}
