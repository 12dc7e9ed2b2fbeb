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
	// Ports maps each manifest port to the host port it is published on.
	Ports map[int]int
}

// Environment is what the workload finds in its environment, sorted: the manifest's
// variables, then the GPU pinning, the published ports and the lease, which the manifest
// cannot override.
func (s Spec) Environment() []string {
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
		env[fmt.Sprintf("PORT_%d", p)] = strconv.Itoa(s.Ports[p])
		if i == 0 {
			env["PORT"] = strconv.Itoa(s.Ports[p])
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
	Start(ctx context.Context, spec Spec, logs io.Writer) (Process, error)
}

// ErrUnsupported is returned by a runtime that cannot run a manifest (e.g. exec without a command).
var ErrUnsupported = errors.New("manifest not supported by this runtime")
