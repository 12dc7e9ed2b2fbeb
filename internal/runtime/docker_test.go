package runtime

import (
	"context"
	"testing"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/stretchr/testify/require"
)

// The container pins exactly the leased GPUs and publishes the manifest's ports.
func TestDockerContainerConfig(t *testing.T) {
	spec := Spec{Name: "thalamus-lease-4", LeaseID: 4, GPUs: []string{"GPU-1", "GPU-2"}, Ports: map[int]int{8080: 31000}}
	spec.Manifest.Image = "busybox:1.36"
	spec.Manifest.Command = []string{"httpd", "-f"}
	spec.Manifest.Ports = []int{8080}
	cfg, host, err := containerConfig(spec)
	require.NoError(t, err)
	require.Equal(t, "busybox:1.36", cfg.Image)
	require.Equal(t, []string{"httpd", "-f"}, cfg.Cmd)
	require.Contains(t, cfg.Env, "CUDA_VISIBLE_DEVICES=GPU-1,GPU-2")
	require.Equal(t, "4", cfg.Labels["thalamus.lease"])
	require.Len(t, host.DeviceRequests, 1)
	require.Equal(t, []string{"GPU-1", "GPU-2"}, host.DeviceRequests[0].DeviceIDs)
	require.Equal(t, [][]string{{"gpu"}}, host.DeviceRequests[0].Capabilities)
	port := network.MustParsePort("8080/tcp")
	require.Contains(t, cfg.ExposedPorts, port)
	require.Equal(t, "31000", host.PortBindings[port][0].HostPort)

	spec.Manifest.Image = ""
	_, _, err = containerConfig(spec)
	require.ErrorIs(t, err, ErrUnsupported)
}

// TestDockerRuntime runs a real container when a Docker engine is reachable (DOCKER_HOST or
// the local socket) and skips otherwise. It leases no GPU, so it needs no NVIDIA toolkit.
func TestDockerRuntime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	d, err := NewDocker(ctx)
	if err != nil {
		t.Skipf("skipping the live Docker test: %v", err)
	}
	defer func() { _ = d.Close() }()
	spec := Spec{Name: "thalamus-runtime-test", LeaseID: 1}
	spec.Manifest.Image = "busybox:1.36"
	spec.Manifest.Command = []string{"sh", "-c", `echo "lease=$THALAMUS_LEASE_ID"; exec sleep 60`}
	logs := NewLogs(10)
	p, err := d.Start(ctx, spec, logs) // busybox is pulled when missing
	require.NoError(t, err)
	require.Eventually(t, func() bool { return string(logs.Tail(0)) == "lease=1\n" }, time.Minute, 100*time.Millisecond)
	stopCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	defer stop()
	require.NoError(t, p.Stop(stopCtx))
	require.Error(t, p.Wait())
}
