package powcli

import (
	"fmt"
	"log/slog"
	"sync"

	"github.com/thalamus-network/thalamus/pkg/pow"
	"github.com/thalamus-network/thalamus/pkg/pow/cuda"
)

// Backend kinds a provider chooses between.
const (
	BackendAuto = "auto" // CUDA when a driver and GPU are found, else the CPU with a warning
	BackendCUDA = "cuda"
	BackendCPU  = "cpu"
)

// Backends hands out a proof-of-work backend per GPU, opening each CUDA device once.
type Backends struct {
	kind       string
	cpuWorkers int
	log        *slog.Logger

	mu   sync.Mutex
	cuda map[string]pow.Backend // by GPU UUID ("" for the first GPU)
}

// NewBackends checks kind; with cuda it fails at once when no GPU can run the kernels, with
// auto it falls back to the CPU then (and says so).
func NewBackends(kind string, cpuWorkers int, log *slog.Logger) (*Backends, error) {
	b := &Backends{kind: kind, cpuWorkers: cpuWorkers, log: log, cuda: map[string]pow.Backend{}}
	switch kind {
	case BackendCPU:
		return b, nil
	case BackendCUDA, BackendAuto:
	default:
		return nil, fmt.Errorf("--backend must be auto, cuda or cpu, got %q", kind)
	}
	if _, err := cuda.Probe(); err != nil {
		if kind == BackendCUDA {
			return nil, err
		}
		log.Warn("no usable GPU, using the CPU backend: a real GPU would score low on it", "why", err)
		b.kind = BackendCPU
	}
	return b, nil
}

// Kind is the backend in use: cpu, or cuda (auto resolves to one of them).
func (b *Backends) Kind() string {
	if b.kind == BackendAuto {
		return BackendCUDA
	}
	return b.kind
}

// For returns the backend of the GPU with uuid ("" for the first GPU). A GPU whose CUDA
// backend does not start (out of memory, a failed self-test) is worked on the CPU under
// auto, and is an error under cuda.
func (b *Backends) For(uuid string) (pow.Backend, error) {
	if b.kind == BackendCPU {
		return &pow.CPU{Workers: b.cpuWorkers}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if be, ok := b.cuda[uuid]; ok {
		return be, nil
	}
	be, err := cuda.New(cuda.Options{UUID: uuid})
	if err != nil {
		if b.kind == BackendCUDA {
			return nil, fmt.Errorf("GPU %s: %w", uuid, err)
		}
		b.log.Warn("the CUDA backend does not start on this GPU; working it on the CPU", "gpu", uuid, "err", err)
		b.cuda[uuid] = &pow.CPU{Workers: b.cpuWorkers}
		return b.cuda[uuid], nil
	}
	info := be.Info()
	b.log.Info("CUDA backend ready", "gpu", info.UUID, "name", info.Name, "compute_capability", info.ComputeCapacity,
		"memory_gib", info.MemoryBytes>>30, "driver_cuda", info.DriverVersion)
	b.cuda[uuid] = be
	return be, nil
}

// Close releases the GPUs.
func (b *Backends) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, be := range b.cuda {
		if c, ok := be.(interface{ Close() }); ok {
			c.Close()
		}
	}
	b.cuda = map[string]pow.Backend{}
}
