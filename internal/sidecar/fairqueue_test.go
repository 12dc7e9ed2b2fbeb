package sidecar

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// A committer whose 200 batches hang holds at most perKey workers: the 20 honest batches of
// four other committers, queued after them, all finish while every hostile fetch still hangs.
func TestFairQueueKeepsHonestCommittersFlowing(t *testing.T) {
	const workers, perKey = 16, 2
	q := newFairQueue[string](perKey)
	release := make(chan struct{})
	var hostileRunning, hostileMax atomic.Int32
	var honest sync.WaitGroup
	for i := range 200 {
		q.push("hostile", fmt.Sprintf("hostile-%d", i))
	}
	for i := range 20 {
		honest.Add(1)
		q.push(fmt.Sprintf("honest-%d", i%4), "honest")
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				job, key, ok := q.pop()
				if !ok {
					return
				}
				if key == "hostile" {
					n := hostileRunning.Add(1)
					for m := hostileMax.Load(); n > m && !hostileMax.CompareAndSwap(m, n); m = hostileMax.Load() {
					}
					<-release // a gateway that accepts and never answers (until the test ends)
					hostileRunning.Add(-1)
				} else {
					require.Equal(t, "honest", job)
					honest.Done()
				}
				q.done(key)
			}
		}()
	}
	honest.Wait() // would never return if hostile jobs could take every worker
	require.Equal(t, int32(perKey), hostileMax.Load(), "the hostile committer held exactly perKey workers")
	require.Equal(t, 198, q.queued(), "its other batches wait their turn")
	close(release)
	q.close()
	wg.Wait()
}

// Keys take turns: with one worker, jobs come out round-robin across keys, oldest first within each.
func TestFairQueueRoundRobin(t *testing.T) {
	q := newFairQueue[int](1)
	for i, key := range []string{"a", "a", "a", "b", "c", "c"} {
		q.push(key, i)
	}
	var got []int
	for range 6 {
		job, key, ok := q.pop()
		require.True(t, ok)
		got = append(got, job)
		q.done(key)
	}
	require.Equal(t, []int{0, 3, 4, 1, 5, 2}, got)
	q.close()
	_, _, ok := q.pop()
	require.False(t, ok)
}
