package pow

import (
	"context"
	"runtime"
	"sync"
)

// Backend searches batches of nonces for winners. Batch b covers nonces
// [b*BatchRows, (b+1)*BatchRows). Implementations must find exactly the winners the
// reference finds.
type Backend interface {
	Name() string
	// SearchBatches scans batches [first, first+count) and returns their winners by nonce.
	SearchBatches(ctx context.Context, t Task, first, count uint64) ([]Winner, error)
}

// maxCachedTable is the largest layer table the CPU backend keeps in memory; larger tables
// (the GPU presets) are generated layer by layer for each batch, as a verifier would.
const maxCachedTable = 256 << 20

// CPU is the parallel pure-Go backend: one goroutine per worker, each scanning whole batches
// with the reference arithmetic.
type CPU struct {
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int

	mu       sync.Mutex
	table    []int8
	tableFor Task
}

// Name implements Backend.
func (c *CPU) Name() string { return "cpu" }

// SearchBatches implements Backend.
func (c *CPU) SearchBatches(ctx context.Context, t Task, first, count uint64) ([]Winner, error) {
	if err := t.Params.Validate(); err != nil {
		return nil, err
	}
	table := c.cachedTable(t)
	workers := c.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	next := make(chan uint64)
	results := make(chan []Winner, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newScanner(t, table)
			var found []Winner
			for b := range next {
				found = s.batch(b, found)
			}
			results <- found
		}()
	}
	var err error
feed:
	for b := first; b < first+count; b++ {
		select {
		case next <- b:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(results)
	var winners []Winner
	for r := range results {
		winners = append(winners, r...)
	}
	SortByNonce(winners)
	return winners, err
}

// cachedTable returns the whole layer table when it is small enough to keep, else nil.
func (c *CPU) cachedTable(t Task) []int8 {
	if t.Params.TableBytes() > maxCachedTable {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.table == nil || c.tableFor.TableSeed != t.TableSeed || c.tableFor.Params != t.Params {
		p, k := t.Params, t.keys()
		size := p.Dim * p.Dim
		c.table = make([]int8, p.Layers*size)
		for l := 0; l < p.Layers; l++ {
			p.fillLayer(k, l, c.table[l*size:(l+1)*size])
		}
		c.tableFor = t
	}
	return c.table
}

// scanner holds one worker's buffers.
type scanner struct {
	t             Task
	k             keys
	table         []int8
	layers        [][]int8 // the batch's layer per step
	v, x, next    []int8
	y             []int32
	layerBuffers  [][]int8
	layerBufferOf []int // which table layer each buffer holds, -1 if none
}

func newScanner(t Task, table []int8) *scanner {
	p := t.Params
	s := &scanner{
		t: t, k: t.keys(), table: table, layers: make([][]int8, p.Steps),
		v: make([]int8, p.Dim), x: make([]int8, p.Dim), next: make([]int8, p.Dim), y: make([]int32, p.Dim),
	}
	fill(s.v, s.k.digest, 0)
	if table == nil {
		s.layerBuffers = make([][]int8, p.Steps)
		s.layerBufferOf = make([]int, p.Steps)
		for i := range s.layerBuffers {
			s.layerBuffers[i] = make([]int8, p.Dim*p.Dim)
			s.layerBufferOf[i] = -1
		}
	}
	return s
}

// batch appends batch b's winners to found.
func (s *scanner) batch(b uint64, found []Winner) []Winner {
	p := s.t.Params
	size := p.Dim * p.Dim
	for st := 0; st < p.Steps; st++ {
		l := p.layerIndex(s.k, b, st)
		if s.table != nil {
			s.layers[st] = s.table[l*size : (l+1)*size]
			continue
		}
		if s.layerBufferOf[st] != l {
			p.fillLayer(s.k, l, s.layerBuffers[st])
			s.layerBufferOf[st] = l
		}
		s.layers[st] = s.layerBuffers[st]
	}
	rows := uint64(p.BatchRows)
	for nonce := b * rows; nonce < (b+1)*rows; nonce++ {
		p.fillStart(s.k, nonce, s.x)
		x, next := s.x, s.next
		for st := 0; st < p.Steps; st++ {
			stepFast(x, s.layers[st], s.y, next)
			x, next = next, x
		}
		if d := digestOf(x, s.v); p.Wins(d) {
			found = append(found, Winner{Nonce: nonce, Digest: d})
		}
	}
	return found
}
