package sidecar

import "sync"

// fairQueue hands out jobs round-robin across keys (the accounts that committed the
// batches), at most perKey at a time for one key. A committer whose gateway hangs holds at
// most perKey workers; every other committer's batches keep flowing through the rest.
type fairQueue[J any] struct {
	perKey int

	mu      sync.Mutex
	wake    *sync.Cond
	pending map[string][]J // queued jobs per key, oldest first
	ring    []string       // keys with queued jobs, in round-robin order
	next    int            // where the ring is read next
	running map[string]int // jobs handed out and not yet done, per key
	closed  bool
}

func newFairQueue[J any](perKey int) *fairQueue[J] {
	q := &fairQueue[J]{perKey: max(perKey, 1), pending: map[string][]J{}, running: map[string]int{}}
	q.wake = sync.NewCond(&q.mu)
	return q
}

// push queues a job under key.
func (q *fairQueue[J]) push(key string, job J) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending[key]) == 0 {
		q.ring = append(q.ring, key)
	}
	q.pending[key] = append(q.pending[key], job)
	q.wake.Signal()
}

// pop waits for the next job of the next key in the ring that has room, and returns it with
// its key; false once the queue is closed. Call done(key) when the job is finished.
func (q *fairQueue[J]) pop() (J, string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for {
		if q.closed {
			var zero J
			return zero, "", false
		}
		for i := range q.ring {
			at := (q.next + i) % len(q.ring)
			key := q.ring[at]
			if q.running[key] >= q.perKey {
				continue
			}
			job := q.pending[key][0]
			q.pending[key] = q.pending[key][1:]
			q.running[key]++
			if len(q.pending[key]) == 0 {
				delete(q.pending, key)
				q.ring = append(q.ring[:at], q.ring[at+1:]...)
				q.next = at
			} else {
				q.next = at + 1
			}
			if len(q.ring) > 0 {
				q.next %= len(q.ring)
			} else {
				q.next = 0
			}
			return job, key, true
		}
		q.wake.Wait()
	}
}

// done marks a job of key finished, making room for the key's next one.
func (q *fairQueue[J]) done(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running[key]--; q.running[key] <= 0 {
		delete(q.running, key)
	}
	q.wake.Broadcast()
}

// close wakes every waiting pop with false; queued jobs are dropped.
func (q *fairQueue[J]) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.wake.Broadcast()
}

// queued counts the jobs waiting.
func (q *fairQueue[J]) queued() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for _, jobs := range q.pending {
		n += len(jobs)
	}
	return n
}
