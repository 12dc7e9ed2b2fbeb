// Package runtime runs tenant workloads on leased GPUs: a Runtime starts one workload
// process pinned to the lease's GPUs (a local process with CUDA_VISIBLE_DEVICES, or a Docker
// container with --gpus device=UUID), and a Supervisor keeps it running with back-off until
// the lease ends.
package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/thalamus-network/thalamus/pkg/workload"
)

// Spec is one workload to run.
type Spec struct {
	// Name is unique per workload, e.g. thalamus-lease-7.
	Name     string
	LeaseID  uint64
	Manifest workload.Manifest
	// GPUs are the leased GPUs' NVML UUIDs.
	GPUs []string
	// SimulatedGPUs says the GPUs are simulated (devnets, CI): the workload finds them in its
	// environment, but no device is asked of the engine, which has none to give.
	SimulatedGPUs bool
	// Ports maps each manifest port to the host port it is published on.
	Ports map[int]int
	// Limits confine the workload (the Docker runtime enforces them in the kernel).
	Limits Limits
}

// Limits are what one workload may use.
type Limits struct {
	// CPUs is the CPU time, in cores.
	CPUs float64
	// MemoryBytes caps memory; swap is not allowed on top.
	MemoryBytes int64
	// Pids caps the processes and threads.
	Pids int64
	// LogBytes caps the output the engine keeps (in rotated files).
	LogBytes int64
}

// PerGPU is a provider's maxima for one leased GPU.
type PerGPU struct {
	CPUs     float64
	MemoryMB int64
}

// LimitsFor turns a manifest's requests into limits for a lease of gpus GPUs: what the
// manifest asks, or the provider's per-GPU maxima times gpus when it asks nothing. A manifest
// asking for more than the maxima is refused.
func LimitsFor(m workload.Manifest, gpus int, maxima PerGPU, pids int64) (Limits, error) {
	maxCPUs, maxMemoryMB := maxima.CPUs*float64(gpus), maxima.MemoryMB*int64(gpus)
	if m.CPUs > maxCPUs {
		return Limits{}, fmt.Errorf("%w: the manifest asks for %v CPUs, this provider gives at most %v per GPU (%v for %d GPUs)",
			ErrRefused, m.CPUs, maxima.CPUs, maxCPUs, gpus)
	}
	if m.MemoryMB > maxMemoryMB {
		return Limits{}, fmt.Errorf("%w: the manifest asks for %d MB of memory, this provider gives at most %d MB per GPU (%d MB for %d GPUs)",
			ErrRefused, m.MemoryMB, maxima.MemoryMB, maxMemoryMB, gpus)
	}
	l := Limits{CPUs: m.CPUs, MemoryBytes: m.MemoryMB << 20, Pids: pids, LogBytes: 30 << 20}
	if l.CPUs == 0 {
		l.CPUs = maxCPUs
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = maxMemoryMB << 20
	}
	return l, nil
}

// Environment is what the workload finds in its environment, sorted: the manifest's
// variables, then the GPU pinning, the ports to listen on and the lease, which the manifest
// cannot override. PORT_<port> (and PORT, the first) is the host port a process of the exec
// runtime listens on itself; a container listens on the manifest's port, which the engine
// publishes on the host port (hostPorts false).
func (s Spec) Environment(hostPorts bool) []string {
	env := maps.Clone(s.Manifest.Env)
	if env == nil {
		env = map[string]string{}
	}
	gpus := strings.Join(s.GPUs, ",")
	env["CUDA_VISIBLE_DEVICES"], env["NVIDIA_VISIBLE_DEVICES"] = gpus, gpus
	env["THALAMUS_LEASE_ID"] = strconv.FormatUint(s.LeaseID, 10)
	if s.Manifest.TenantPubKey != "" {
		env["THALAMUS_TENANT_PUBKEY"] = s.Manifest.TenantPubKey
	}
	for i, p := range s.Manifest.Ports {
		listen := p
		if hostPorts {
			listen = s.Ports[p]
		}
		env[fmt.Sprintf("PORT_%d", p)] = strconv.Itoa(listen)
		if i == 0 {
			env["PORT"] = strconv.Itoa(listen)
		}
	}
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out
}

// Process is a started workload.
type Process interface {
	// Wait blocks until the workload exits; a nil error is a clean exit (status 0).
	Wait() error
	// Stop asks the workload to end and kills it when ctx is done.
	Stop(ctx context.Context) error
}

// Runtime starts workloads; logs receives their output.
type Runtime interface {
	Name() string
	// Admit says whether the runtime would run spec, before anything starts.
	Admit(spec Spec) error
	Start(ctx context.Context, spec Spec, logs io.Writer) (Process, error)
}

// Adopter is a runtime whose workloads outlive the agent (containers): after a restart the
// agent keeps a running workload's host ports and removes the workloads of leases that ended.
type Adopter interface {
	// Published is the host ports of the named workload while it runs.
	Published(ctx context.Context, name string) (map[int]int, bool)
	// Sweep removes the workloads of the leases keep rejects, and says how many it removed.
	Sweep(ctx context.Context, keep func(lease uint64) bool) (int, error)
}

var (
	// ErrUnsupported is returned by a runtime that cannot run a manifest (e.g. exec without a command).
	ErrUnsupported = errors.New("manifest not supported by this runtime")
	// ErrRefused is returned for a manifest the provider's policy does not run.
	ErrRefused = errors.New("manifest refused by the provider's policy")
)
