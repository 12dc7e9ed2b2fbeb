package runtime

import (
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/network"
	"github.com/stretchr/testify/require"
	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/pkg/workload"
)

// The container pins exactly the leased GPUs, publishes the manifest's ports and is confined:
// unprivileged, minimal capabilities, no privilege escalation, CPU, memory, swap, process and
// log limits, and the lease's own network.
func TestDockerContainerConfig(t *testing.T) {
	spec := Spec{Name: "thalamus-lease-4", LeaseID: 4, GPUs: []string{"GPU-1", "GPU-2"}, Ports: map[int]int{8080: 31000},
		Limits: Limits{CPUs: 3.5, MemoryBytes: 8 << 30, Pids: 2048, LogBytes: 30 << 20}}
	spec.Manifest.Image = "busybox:1.36"
	spec.Manifest.Command = []string{"httpd", "-f"}
	spec.Manifest.Ports = []int{8080}
	cfg, host, err := containerConfig(spec, "thalamus1provider")
	require.NoError(t, err)
	require.Equal(t, "busybox:1.36", cfg.Image)
	require.Equal(t, []string{"httpd", "-f"}, cfg.Cmd)
	require.Contains(t, cfg.Env, "CUDA_VISIBLE_DEVICES=GPU-1,GPU-2")
	require.Equal(t, "4", cfg.Labels["thalamus.lease"])
	require.Equal(t, "thalamus1provider", cfg.Labels["thalamus.owner"])
	require.Len(t, host.DeviceRequests, 1)
	require.Equal(t, []string{"GPU-1", "GPU-2"}, host.DeviceRequests[0].DeviceIDs)
	require.Equal(t, [][]string{{"gpu"}}, host.DeviceRequests[0].Capabilities)
	port := network.MustParsePort("8080/tcp")
	require.Contains(t, cfg.ExposedPorts, port)
	require.Equal(t, "31000", host.PortBindings[port][0].HostPort)

	require.False(t, host.Privileged)
	require.Equal(t, []string{"ALL"}, host.CapDrop)
	require.ElementsMatch(t, []string{"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "NET_BIND_SERVICE", "KILL"}, host.CapAdd)
	require.Contains(t, host.SecurityOpt, "no-new-privileges=true")
	require.Equal(t, int64(3_500_000_000), host.NanoCPUs)
	require.Equal(t, int64(8<<30), host.Memory)
	require.Equal(t, host.Memory, host.MemorySwap, "no swap beyond the memory limit")
	require.Equal(t, int64(2048), *host.PidsLimit)
	require.Equal(t, "json-file", host.LogConfig.Type)
	require.Equal(t, map[string]string{"max-size": strconv.Itoa(10 << 20), "max-file": "3"}, host.LogConfig.Config)
	require.Equal(t, "thalamus-lease-4", string(host.NetworkMode), "its own network")
	require.Equal(t, "false", networkOptions(spec)["com.docker.network.bridge.enable_icc"])
	require.Empty(t, host.Binds)
	require.Empty(t, host.Devices)
	require.False(t, host.NetworkMode.IsHost())

	simulated := spec
	simulated.SimulatedGPUs = true
	cfg, host, err = containerConfig(simulated, "thalamus1provider")
	require.NoError(t, err)
	require.Empty(t, host.DeviceRequests, "simulated GPUs: nothing asked of the engine")
	require.Contains(t, cfg.Env, "CUDA_VISIBLE_DEVICES=GPU-1,GPU-2")

	unlimited := spec
	unlimited.Limits.Pids = 0
	_, _, err = containerConfig(unlimited, "thalamus1provider")
	require.ErrorIs(t, err, ErrRefused, "no container without limits")
	spec.Manifest.Image = ""
	_, _, err = containerConfig(spec, "thalamus1provider")
	require.ErrorIs(t, err, ErrUnsupported)
}

// The image names the registry the engine pulls from, and the tenant wrote it: a registry
// named by a forbidden address is refused before anything starts, unless the provider
// listed it.
func TestDockerAdmitsPublicRegistriesOnly(t *testing.T) {
	d := &Docker{Registries: egress.Policy{Allow: []string{"10.0.0.5:5000"}}}
	spec := Spec{LeaseID: 4, Limits: Limits{CPUs: 1, MemoryBytes: 1 << 30, Pids: 100}}
	for _, image := range []string{"busybox:1.36", "ghcr.io/acme/trainer:2", "registry.example.com:5000/x@sha256:" + strings.Repeat("a", 64), "10.0.0.5:5000/mirror/x:1"} {
		spec.Manifest.Image = image
		require.NoError(t, d.Admit(spec), image)
	}
	for _, image := range []string{"127.0.0.1:5000/x:1", "localhost:5000/x", "169.254.169.254/x", "[::1]:5000/x", "10.0.0.6:5000/x", "Not An Image"} {
		spec.Manifest.Image = image
		require.ErrorIs(t, d.Admit(spec), ErrRefused, image)
	}
	registry, err := registryOf("busybox")
	require.NoError(t, err)
	require.Equal(t, "docker.io:443", registry)
}

// A manifest's limits are what it asks within the provider's per-GPU maxima, or the maxima.
func TestLimitsFor(t *testing.T) {
	maxima := PerGPU{CPUs: 8, MemoryMB: 65536}
	l, err := LimitsFor(workload.Manifest{GPUs: 2}, 2, maxima, 4096)
	require.NoError(t, err)
	require.Equal(t, Limits{CPUs: 16, MemoryBytes: 131072 << 20, Pids: 4096, LogBytes: 30 << 20}, l)
	l, err = LimitsFor(workload.Manifest{GPUs: 1, CPUs: 2.5, MemoryMB: 1024}, 1, maxima, 4096)
	require.NoError(t, err)
	require.Equal(t, 2.5, l.CPUs)
	require.Equal(t, int64(1024<<20), l.MemoryBytes)
	_, err = LimitsFor(workload.Manifest{GPUs: 1, CPUs: 9}, 1, maxima, 4096)
	require.ErrorIs(t, err, ErrRefused)
	_, err = LimitsFor(workload.Manifest{GPUs: 1, MemoryMB: 65537}, 1, maxima, 4096)
	require.ErrorIs(t, err, ErrRefused)
}
