package cuda

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"github.com/thalamus-network/thalamus/pkg/pow"
)

// Kernels a step can run with: int8 tensor cores (mma.sync), or dp4a (any shape).
const (
	KernelAuto = ""
	KernelMMA  = "mma"
	KernelDP4A = "dp4a"
)

// tiledKernel is a tensor-core step kernel of kernels/pow.cu: a block computes bm x bn
// outputs with threads threads over stages shared-memory buffers of bk-byte K tiles. hopper
// kernels (warpgroup MMA) are only in the sm_90a PTX, with 1 KiB more to align their tiles.
type tiledKernel struct {
	name            string
	bm, bn, bk      uint32
	threads, stages uint32
	hopper          bool
}

func (k tiledKernel) sharedBytes() uint32 {
	bytes := k.stages * (k.bm + k.bn) * k.bk
	if k.hopper {
		bytes += 1024
	}
	return bytes
}

func (k tiledKernel) fits(rows, dim uint32) bool {
	return rows%k.bm == 0 && dim%k.bn == 0 && dim%k.bk == 0
}

// stepKernels are the tensor-core step kernels, preferred first: a shape runs on the first
// one the GPU loaded that fits it (one 2048^3 step on an H200: wgmma 649 int8 TOPS, mma 462;
// pkg/pow/README.md).
var stepKernels = []tiledKernel{
	{name: "pow_step_wgmma", bm: 128, bn: 128, bk: 128, threads: 256, stages: 3, hopper: true},
	{name: "pow_step_mma", bm: 128, bn: 128, bk: 64, threads: 256, stages: 3},
}

const dp4aKernel = "pow_step_dp4a"

// launchStep runs one step x' = requant(x . W) of a rows x dim batch with the named kernel:
// a tensor-core one of stepKernels, or dp4a (inside do).
func (b *Backend) launchStep(kernel string, x, w, next uint64, rows, dim uint32) error {
	args := []unsafe.Pointer{unsafe.Pointer(&x), unsafe.Pointer(&w), unsafe.Pointer(&next), unsafe.Pointer(&rows), unsafe.Pointer(&dim), unsafe.Pointer(&dim)}
	for _, k := range stepKernels {
		if k.name == kernel {
			return b.dev.launchShared(k.name, [3]uint32{dim / k.bn, rows / k.bm, 1}, [3]uint32{k.threads, 1, 1}, k.sharedBytes(), args...)
		}
	}
	return b.dev.launch(dp4aKernel, [3]uint32{(dim + 15) / 16, (rows + 15) / 16, 1}, [3]uint32{16, 16, 1}, args...)
}

// genLayers writes layers [first, first+count) of the table stream key, transposed, at ptr
// (inside do).
func (b *Backend) genLayers(ptr, key uint64, dim uint32, first uint64, count uint32) error {
	return b.dev.launch("pow_gen_table", [3]uint32{dim / 64, dim / 64, count}, [3]uint32{256, 1, 1},
		unsafe.Pointer(&ptr), unsafe.Pointer(&key), unsafe.Pointer(&dim), unsafe.Pointer(&first), unsafe.Pointer(&count))
}

// chunkBytes is the size of one allocation of the layer table: big tables are allocated in
// pieces, so a fragmented card still fits them and a failure names how far it got.
const chunkBytes = 1 << 30

// Backend runs the proof of work on one GPU. It keeps the layer table of the current epoch
// on the GPU (generated there when the table seed or preset changes) and streams batches:
// the starting vectors, Steps tensor-core products and the digests run on the GPU; only the
// winners come back.
type Backend struct {
	dev    *device
	kernel string

	mu       sync.Mutex
	table    []uint64 // allocations of the transposed layer table
	perChunk int      // layers per allocation
	tableFor pow.Task // the task whose TableSeed and Params the table holds
	bufs     buffers
}

// buffers are the per-batch device memory.
type buffers struct {
	params  pow.Params
	x, next uint64 // BatchRows x Dim
	v       uint64 // the digest vector
	count   uint64 // winners found (uint32)
	nonces  uint64 // cap x uint64
	digests uint64 // cap x uint32
	cap     uint32
}

// Options choose the GPU and the step kernel.
type Options struct {
	// Ordinal is the CUDA device number; UUID, when set, picks the device by its NVML UUID.
	Ordinal int
	UUID    string
	// Kernel forces a step kernel (KernelMMA, KernelDP4A); KernelAuto uses the tensor cores
	// wherever the shape allows.
	Kernel string
}

// New opens a GPU, loads the kernels and checks them against the CPU reference on small
// batches: a GPU whose results differ is refused, since every wrong winner would be a fraud
// verdict against its provider.
func New(o Options) (*Backend, error) {
	ordinal := o.Ordinal
	if o.UUID != "" {
		infos, err := Probe()
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(infos, func(in Info) bool { return in.UUID == o.UUID })
		if i < 0 {
			return nil, fmt.Errorf("no CUDA device has UUID %s", o.UUID)
		}
		ordinal = infos[i].Ordinal
	}
	if o.Kernel != KernelAuto && o.Kernel != KernelMMA && o.Kernel != KernelDP4A {
		return nil, fmt.Errorf("unknown CUDA kernel %q (want mma or dp4a)", o.Kernel)
	}
	dev, err := open(ordinal)
	if err != nil {
		return nil, err
	}
	b := &Backend{dev: dev, kernel: o.Kernel}
	if err := b.SelfTest(context.Background()); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Name implements pow.Backend.
func (b *Backend) Name() string { return fmt.Sprintf("cuda:%d", b.dev.info.Ordinal) }

// Info describes the GPU.
func (b *Backend) Info() Info { return b.dev.info }

// Close frees the GPU memory and releases the device.
func (b *Backend) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.dev.do(func() error {
		b.freeTable()
		b.freeBuffers()
		return nil
	})
	b.dev.close()
}

// SelfTest runs a few small batches with every nonce winning (so every digest comes back)
// through each kernel the backend uses, and compares them with pkg/pow's reference.
func (b *Backend) SelfTest(ctx context.Context) error {
	shapes := []pow.Params{
		{Name: "selftest-64", Dim: 64, Steps: 4, BatchRows: 64, Layers: 8},    // dp4a
		{Name: "selftest-256", Dim: 256, Steps: 3, BatchRows: 128, Layers: 5}, // wgmma on Hopper, else mma
	}
	for i, p := range shapes {
		t := pow.Task{Params: p, Seed: pow.Seed{0x5e, byte(i)}, TableSeed: pow.Seed{0x7a, byte(i)}}
		got, err := b.SearchBatches(ctx, t, 2, 2)
		if err != nil {
			return fmt.Errorf("CUDA self-test: %w", err)
		}
		if len(got) != 2*p.BatchRows {
			return fmt.Errorf("CUDA self-test: %d of %d digests came back", len(got), 2*p.BatchRows)
		}
		for _, w := range got {
			if want := t.Digest(w.Nonce); w.Digest != want {
				return fmt.Errorf("CUDA self-test on %s (%s kernel): nonce %d has digest %08x on the GPU, %08x in the reference: refusing to use this GPU",
					b.dev.info.Name, b.stepKernel(p), w.Nonce, w.Digest, want)
			}
		}
	}
	return nil
}

// stepKernel is the kernel a shape runs with: the first tensor-core kernel the GPU loaded
// that fits it, else (or with Options.Kernel dp4a) pow_step_dp4a.
func (b *Backend) stepKernel(p pow.Params) string {
	if b.kernel != KernelDP4A {
		for _, k := range stepKernels {
			if _, loaded := b.dev.fn[k.name]; loaded && k.fits(uint32(p.BatchRows), uint32(p.Dim)) {
				return k.name
			}
		}
	}
	return dp4aKernel
}

// SearchBatches implements pow.Backend.
func (b *Backend) SearchBatches(ctx context.Context, t pow.Task, first, count uint64) ([]pow.Winner, error) {
	p := t.Params
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Dim%64 != 0 {
		return nil, fmt.Errorf("the CUDA backend needs Dim a multiple of 64, preset %s has %d", p.Name, p.Dim)
	}
	kernel := b.stepKernel(p)
	if b.kernel == KernelMMA && kernel == dp4aKernel {
		return nil, fmt.Errorf("no tensor-core kernel fits preset %s (BatchRows %d, Dim %d: multiples of 128 needed)", p.Name, p.BatchRows, p.Dim)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var winners []pow.Winner
	err := b.dev.do(func() error {
		if err := b.ensureTable(t); err != nil {
			return err
		}
		expected := count * uint64(p.BatchRows) >> p.LotteryBits
		if err := b.ensureBuffers(t, uint32(min(4*expected+1024, count*uint64(p.BatchRows)))); err != nil {
			return err
		}
		for {
			found, err := b.run(ctx, t, first, count, kernel)
			if !errors.Is(err, errWinnersOverflow) {
				winners = found
				return err
			}
			if err := b.ensureBuffers(t, uint32(count*uint64(p.BatchRows))); err != nil { // rare: room for every nonce
				return err
			}
		}
	})
	pow.SortByNonce(winners)
	return winners, err
}

var errWinnersOverflow = errors.New("more winners than room")

// run launches the batches and collects the winners (inside do). A cancelled context stops
// launching; the batches already launched finish and are not reported.
func (b *Backend) run(ctx context.Context, t pow.Task, first, count uint64, kernel string) ([]pow.Winner, error) {
	p, s, bf := t.Params, t.Streams(), &b.bufs
	if err := b.dev.zero(bf.count, 4); err != nil {
		return nil, err
	}
	rows, dim, bits := uint32(p.BatchRows), uint32(p.Dim), uint32(p.LotteryBits)
	for batch := first; batch < first+count; batch++ {
		if ctx.Err() != nil {
			_ = b.dev.sync()
			return nil, ctx.Err()
		}
		start := batch * uint64(rows)
		words := uint64(rows) * uint64(dim) / 8
		if err := b.dev.launch("pow_gen_start", [3]uint32{uint32((words + 255) / 256), 1, 1}, [3]uint32{256, 1, 1},
			unsafe.Pointer(&bf.x), unsafe.Pointer(&s.Start), unsafe.Pointer(&start), unsafe.Pointer(&dim), unsafe.Pointer(&rows)); err != nil {
			return nil, err
		}
		x, next := bf.x, bf.next
		for step := range p.Steps {
			if err := b.launchStep(kernel, x, b.layer(t.LayerIndex(batch, step)), next, rows, dim); err != nil {
				return nil, err
			}
			x, next = next, x
		}
		if err := b.dev.launch("pow_digest", [3]uint32{(rows + 7) / 8, 1, 1}, [3]uint32{256, 1, 1},
			unsafe.Pointer(&x), unsafe.Pointer(&bf.v), unsafe.Pointer(&dim), unsafe.Pointer(&rows), unsafe.Pointer(&start),
			unsafe.Pointer(&bits), unsafe.Pointer(&bf.count), unsafe.Pointer(&bf.nonces), unsafe.Pointer(&bf.digests), unsafe.Pointer(&bf.cap)); err != nil {
			return nil, err
		}
	}
	if err := b.dev.sync(); err != nil {
		return nil, err
	}
	var n [4]byte
	if err := b.dev.toHost(n[:], bf.count); err != nil {
		return nil, err
	}
	found := binary.LittleEndian.Uint32(n[:])
	if found > bf.cap {
		return nil, errWinnersOverflow
	}
	nonces, digests := make([]byte, 8*found), make([]byte, 4*found)
	if err := b.dev.toHost(nonces, bf.nonces); err != nil {
		return nil, err
	}
	if err := b.dev.toHost(digests, bf.digests); err != nil {
		return nil, err
	}
	out := make([]pow.Winner, found)
	for i := range out {
		out[i] = pow.Winner{Nonce: binary.LittleEndian.Uint64(nonces[8*i:]), Digest: binary.LittleEndian.Uint32(digests[4*i:])}
	}
	return out, nil
}

// layer is the device address of table layer l.
func (b *Backend) layer(l int) uint64 {
	size := uint64(b.tableFor.Params.Dim) * uint64(b.tableFor.Params.Dim)
	return b.table[l/b.perChunk] + uint64(l%b.perChunk)*size
}

// ensureTable generates the task's layer table on the GPU unless it is there (inside do).
func (b *Backend) ensureTable(t pow.Task) error {
	if b.table != nil && b.tableFor.TableSeed == t.TableSeed && b.tableFor.Params == t.Params {
		return nil
	}
	b.freeTable()
	p := t.Params
	size := uint64(p.Dim) * uint64(p.Dim)
	free, total, err := b.dev.freeMemory()
	if err != nil {
		return err
	}
	if need := uint64(p.TableBytes()); need > free {
		return fmt.Errorf("preset %s keeps a %d GiB layer table on the GPU; %s has %d of %d GiB free (free GPU memory, or use a card of the class's memory)",
			p.Name, need>>30, b.dev.info.Name, free>>30, total>>30)
	}
	b.perChunk = int(max(1, chunkBytes/size))
	key, dim := t.Streams().Table, uint32(p.Dim)
	for first := 0; first < p.Layers; first += b.perChunk {
		layers := min(b.perChunk, p.Layers-first)
		ptr, err := b.dev.alloc(uint64(layers) * size)
		if err != nil {
			b.freeTable()
			return fmt.Errorf("layer table of preset %s, layers %d-%d: %w", p.Name, first, first+layers-1, err)
		}
		b.table = append(b.table, ptr)
		if err := b.genLayers(ptr, key, dim, uint64(first), uint32(layers)); err != nil {
			b.freeTable()
			return err
		}
	}
	if err := b.dev.sync(); err != nil {
		b.freeTable()
		return err
	}
	b.tableFor = t
	return nil
}

func (b *Backend) freeTable() {
	for _, p := range b.table {
		b.dev.free(p)
	}
	b.table = nil
}

// ensureBuffers sizes the batch buffers for the task's shape and at least capacity winners
// (inside do).
func (b *Backend) ensureBuffers(t pow.Task, capacity uint32) error {
	p := t.Params
	if b.bufs.x != 0 && b.bufs.params == p && b.bufs.cap >= capacity {
		return b.dev.toDevice(b.bufs.v, int8Bytes(t.DigestVector()))
	}
	b.freeBuffers()
	batch := uint64(p.BatchRows) * uint64(p.Dim)
	bf := buffers{params: p, cap: max(capacity, 1)}
	for _, a := range []struct {
		ptr   *uint64
		bytes uint64
	}{{&bf.x, batch}, {&bf.next, batch}, {&bf.v, uint64(p.Dim)}, {&bf.count, 4}, {&bf.nonces, 8 * uint64(bf.cap)}, {&bf.digests, 4 * uint64(bf.cap)}} {
		ptr, err := b.dev.alloc(a.bytes)
		if err != nil {
			b.bufs = bf
			b.freeBuffers()
			return err
		}
		*a.ptr = ptr
	}
	b.bufs = bf
	return b.dev.toDevice(bf.v, int8Bytes(t.DigestVector()))
}

func (b *Backend) freeBuffers() {
	for _, p := range []uint64{b.bufs.x, b.bufs.next, b.bufs.v, b.bufs.count, b.bufs.nonces, b.bufs.digests} {
		b.dev.free(p)
	}
	b.bufs = buffers{}
}

func int8Bytes(v []int8) []byte {
	out := make([]byte, len(v))
	for i, x := range v {
		out[i] = byte(x)
	}
	return out
}
