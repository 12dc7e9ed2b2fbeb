package gateway

import (
	"errors"
	"os"
	"sort"
	"sync"
	"time"
)

// diskQuota keeps the sealed batches under a byte budget. Once over it, the oldest batches
// sealed longer ago than the retention period are deleted, oldest first (the chain has long
// scored them); when none is that old, new readings are refused until space frees, rather
// than deleting data verifiers and consumers may still fetch.
type diskQuota struct {
	max       int64 // 0: no limit
	retention time.Duration

	mu      sync.Mutex
	batches []storedBatch // in sealing order
	bytes   int64
}

// storedBatch is one sealed batch file: its size and modification time identify it (a
// renumbered uncommitted batch is another file under the same name).
type storedBatch struct {
	path   string
	size   int64
	mod    time.Time
	sealed time.Time
}

// add records a sealed batch file.
func (q *diskQuota) add(path string, sealed time.Time) {
	info, err := os.Stat(path)
	if err != nil {
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.batches = append(q.batches, storedBatch{path: path, size: info.Size(), mod: info.ModTime(), sealed: sealed})
	q.bytes += info.Size()
}

// sort orders the batches found at start by when they were sealed.
func (q *diskQuota) sort() {
	q.mu.Lock()
	defer q.mu.Unlock()
	sort.SliceStable(q.batches, func(i, j int) bool { return q.batches[i].sealed.Before(q.batches[j].sealed) })
}

// full reports whether the stored batches fill the budget.
func (q *diskQuota) full() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.max > 0 && q.bytes >= q.max
}

// used is the bytes of sealed batches on disk.
func (q *diskQuota) used() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bytes
}

// evict deletes the oldest batches past the retention period while over budget and
// returns how many it deleted. A file that has moved or changed is only forgotten.
func (q *diskQuota) evict(now time.Time) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	evicted := 0
	var errs []error
	for q.max > 0 && q.bytes >= q.max && len(q.batches) > 0 && now.Sub(q.batches[0].sealed) >= q.retention {
		b := q.batches[0]
		q.batches, q.bytes = q.batches[1:], q.bytes-b.size
		info, err := os.Stat(b.path)
		if err != nil || info.Size() != b.size || !info.ModTime().Equal(b.mod) {
			continue // renumbered or rewritten since: not the batch this entry was
		}
		if err := os.Remove(b.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		evicted++
	}
	return evicted, errors.Join(errs...)
}
