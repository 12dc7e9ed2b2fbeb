package pow

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"
)

// Result is the output of a timed search, in the JSON form `thalamus-agent pow solve` writes.
type Result struct {
	Preset      string   `json:"preset"`
	Seed        string   `json:"seed"`
	NoncesTried uint64   `json:"nonces_tried"`
	Seconds     float64  `json:"seconds"`
	Winners     []Winner `json:"winners"`
}

// Progress is called after every chunk of batches with the running totals.
type Progress func(noncesTried uint64, winners int, elapsed time.Duration)

// Solve scans batches from 0 with the backend until the duration passes or ctx ends, and
// returns every winner found in the batches it completed.
func Solve(ctx context.Context, b Backend, t Task, d time.Duration, progress Progress) (Result, error) {
	if err := t.Params.Validate(); err != nil {
		return Result{}, err
	}
	res := Result{Preset: t.Params.Name, Seed: t.Seed.String(), Winners: []Winner{}}
	start := time.Now()
	deadline := start.Add(d)
	// Chunks of about 1/20 of the duration keep the overshoot small; the first chunk is one
	// batch per worker to measure the speed.
	chunk := uint64(1)
	var next uint64
	for time.Now().Before(deadline) {
		if ctx.Err() != nil {
			break
		}
		began := time.Now()
		winners, err := b.SearchBatches(ctx, t, next, chunk)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			break // an interrupted chunk does not count
		} else if err != nil {
			return res, err
		}
		res.Winners = append(res.Winners, winners...)
		next += chunk
		res.NoncesTried = next * uint64(t.Params.BatchRows)
		if progress != nil {
			progress(res.NoncesTried, len(res.Winners), time.Since(start))
		}
		perBatch := time.Since(began) / time.Duration(chunk)
		left := time.Until(deadline)
		chunk = max(1, min(uint64(d/20/max(perBatch, time.Microsecond)), uint64(left/max(perBatch, time.Microsecond))))
	}
	res.Seconds = time.Since(start).Seconds()
	return res, nil
}

// VerifyResult checks a claimed result the way a validator does: nonces must be unique and
// within the nonces tried, and samples winners drawn with sampleSeed (all of them when
// samples <= 0 or exceeds their number) must recompute to winning digests. The error names
// the first bad nonce.
func VerifyResult(t Task, res Result, samples int, sampleSeed uint64) error {
	if res.Preset != t.Params.Name {
		return fmt.Errorf("%w: result is for preset %q, not %q", ErrBadWinner, res.Preset, t.Params.Name)
	}
	if res.Seed != t.Seed.String() {
		return fmt.Errorf("%w: result is for seed %s, not %s", ErrBadWinner, res.Seed, t.Seed)
	}
	seen := make(map[uint64]struct{}, len(res.Winners))
	for _, w := range res.Winners {
		if _, dup := seen[w.Nonce]; dup {
			return fmt.Errorf("%w: nonce %d listed twice", ErrBadWinner, w.Nonce)
		}
		if w.Nonce >= res.NoncesTried {
			return fmt.Errorf("%w: nonce %d is beyond the %d nonces tried", ErrBadWinner, w.Nonce, res.NoncesTried)
		}
		seen[w.Nonce] = struct{}{}
	}
	// Samples are recomputed in parallel; the first bad one in nonce order is reported.
	picked := SampleIndexes(len(res.Winners), samples, sampleSeed)
	errs := make([]error, len(picked))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for j, i := range picked {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[j] = t.Verify(res.Winners[i])
		}()
	}
	wg.Wait()
	return firstNonNil(errs)
}

func firstNonNil(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// SampleIndexes picks k distinct indexes of n items, deterministically from seed, in
// increasing order; all of them when k <= 0 or k >= n.
func SampleIndexes(n, k int, seed uint64) []int {
	if k <= 0 || k >= n {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all
	}
	r := rand.New(rand.NewPCG(seed, golden)) //nolint:gosec // sampling, not secrecy
	perm := r.Perm(n)[:k]
	picked := make([]bool, n)
	for _, i := range perm {
		picked[i] = true
	}
	out := make([]int, 0, k)
	for i, p := range picked {
		if p {
			out = append(out, i)
		}
	}
	return out
}
