package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/require"
)

// The live tests run the Docker runtime on a real engine. make test starts one
// (scripts/with-docker.sh) and sets THALAMUS_DOCKER=1, which makes a missing engine a failure;
// without it they skip. THALAMUS_DOCKER_RUN changes every run, so they always run. The image is built here, FROM scratch with the static demo
// workload: nothing is pulled.

const (
	demoImage = "thalamus-demo-workload:test"
	testOwner = "thalamus1livetest"
)

var (
	imageOnce sync.Once
	imageErr  error
)

// engine connects to the engine and builds the demo image once per test binary.
func engine(t *testing.T) *Docker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_ = os.Getenv("THALAMUS_DOCKER_RUN") // set per run by with-docker.sh: never a cached result
	d, err := NewDocker(ctx, testOwner)
	if err != nil {
		if os.Getenv("THALAMUS_DOCKER") == "1" {
			t.Fatalf("THALAMUS_DOCKER=1 but no Docker engine answers: %v", err)
		}
		t.Skipf("no Docker engine (make test starts one): %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	imageOnce.Do(func() {
		bin := filepath.Join(os.TempDir(), fmt.Sprintf("thalamus-demo-workload-%d", os.Getpid()))
		cmd := exec.Command("go", "build", "-o", bin, "../../scripts/demo-workload")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("build the demo workload: %w: %s", err, out)
			return
		}
		defer func() { _ = os.Remove(bin) }()
		imageErr = d.BuildImage(ctx, demoImage, bin)
	})
	require.NoError(t, imageErr)
	return d
}

func liveSpec(lease uint64, hostPort int) Spec {
	spec := Spec{Name: fmt.Sprintf("thalamus-test-lease-%d", lease), LeaseID: lease, Ports: map[int]int{8080: hostPort},
		Limits: Limits{CPUs: 0.5, MemoryBytes: 64 << 20, Pids: 64, LogBytes: 3 << 20}}
	spec.Manifest.Image = demoImage
	spec.Manifest.Ports = []int{8080}
	return spec
}

func freeHostPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}

// getJSON reads a workload endpoint on the host port, retrying while it starts.
func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	require.Eventually(t, func() bool {
		res, err := http.Get(url) //nolint:gosec,noctx // the test's own workload
		if err != nil {
			return false
		}
		defer func() { _ = res.Body.Close() }()
		return res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(out) == nil
	}, 30*time.Second, 100*time.Millisecond, url)
}

// A lease's container runs confined, as the security issue requires, read back from the
// engine and from inside the workload: capabilities, no-new-privileges, CPU, memory and pids
// limits, its own network, and no way to the host's loopback services or another lease.
func TestDockerConfinesTheWorkload(t *testing.T) {
	d := engine(t)
	ctx := context.Background()
	hostService, err := net.Listen("tcp", "127.0.0.1:0") // the node's RPC, say
	require.NoError(t, err)
	defer func() { _ = hostService.Close() }()
	servicePort := hostService.Addr().(*net.TCPAddr).Port

	port, other := freeHostPort(t), freeHostPort(t)
	logs := NewLogs(100)
	p, err := d.Start(ctx, liveSpec(901, port), logs)
	require.NoError(t, err)
	defer stopAndWait(t, p)
	q, err := d.Start(ctx, liveSpec(902, other), io.Discard)
	require.NoError(t, err)
	defer stopAndWait(t, q)

	var info map[string]string
	getJSON(t, fmt.Sprintf("http://127.0.0.1:%d/", port), &info)
	require.Equal(t, "901", info["lease"], "published on the lease's host port")
	require.Eventually(t, func() bool { return len(logs.Tail(0)) > 0 }, 10*time.Second, 50*time.Millisecond)
	require.Contains(t, string(logs.Tail(0)), "demo workload up on port 8080", "its output reaches the tenant's logs")

	var self map[string]string
	getJSON(t, fmt.Sprintf("http://127.0.0.1:%d/self", port), &self)
	t.Logf("inside the container: %v", self)
	require.Equal(t, "00000000000004eb", self["CapBnd"], "only CHOWN, DAC_OVERRIDE, FOWNER, KILL, SETGID, SETUID, NET_BIND_SERVICE")
	require.Equal(t, "0000000000000000", self["CapEff"], "and none in effect for the image's non-root user")
	require.Equal(t, "1", self["NoNewPrivs"])
	require.Equal(t, strconv.Itoa(64<<20), self["memory_limit"])
	require.Equal(t, "64", self["pids_max"])
	if self["cpu_max"] != "" {
		require.Equal(t, "50000 100000", self["cpu_max"])
	} else {
		require.Equal(t, "50000", self["cpu_quota_us"])
	}

	res, err := d.cli.ContainerInspect(ctx, "thalamus-test-lease-901", client.ContainerInspectOptions{})
	require.NoError(t, err)
	host := res.Container.HostConfig
	require.False(t, host.Privileged)
	require.Contains(t, host.SecurityOpt, "no-new-privileges=true")
	require.Equal(t, "thalamus-lease-901", string(host.NetworkMode))
	require.Len(t, res.Container.NetworkSettings.Networks, 1, "only its lease's network")
	otherIP := ""
	if res, err := d.cli.ContainerInspect(ctx, "thalamus-test-lease-902", client.ContainerInspectOptions{}); err == nil {
		for _, n := range res.Container.NetworkSettings.Networks {
			otherIP = n.IPAddress.String()
		}
	}
	gateway := ""
	for _, n := range res.Container.NetworkSettings.Networks {
		gateway = n.Gateway.String()
	}
	for _, target := range []string{
		fmt.Sprintf("127.0.0.1:%d", servicePort),             // the host's loopback service
		net.JoinHostPort(gateway, strconv.Itoa(servicePort)), // the host through the bridge
		net.JoinHostPort(otherIP, "8080"),                    // another lease's workload
	} {
		var probe map[string]any
		getJSON(t, fmt.Sprintf("http://127.0.0.1:%d/probe?addr=%s", port, target), &probe)
		require.Equal(t, false, probe["reachable"], "%s: %v", target, probe)
	}
}

// A workload that crashes is restarted with back-off; a restarted agent adopts the running
// container instead of starting another; its containers of ended leases are swept away, and
// only its own.
func TestDockerRestartAdoptAndSweep(t *testing.T) {
	d := engine(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	port := freeHostPort(t)
	spec := liveSpec(903, port)
	sup := NewSupervisor(d, spec, NewLogs(100), Backoff{Initial: 200 * time.Millisecond, Max: time.Second, StableAfter: time.Minute},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan struct{})
	go func() { sup.Run(ctx, 5*time.Second); close(done) }()
	var info map[string]string
	getJSON(t, fmt.Sprintf("http://127.0.0.1:%d/", port), &info)
	res, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/crash", port), "", nil) //nolint:noctx // the test's own workload
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Eventually(t, func() bool { return sup.Status().Restarts == 1 && sup.Status().State == StateRunning }, 30*time.Second, 50*time.Millisecond)
	getJSON(t, fmt.Sprintf("http://127.0.0.1:%d/", port), &info)

	before, err := d.cli.ContainerInspect(context.Background(), spec.Name, client.ContainerInspectOptions{})
	require.NoError(t, err)
	ports, ok := d.Published(context.Background(), spec.Name)
	require.True(t, ok)
	require.Equal(t, map[int]int{8080: port}, ports)
	again, err := NewDocker(context.Background(), testOwner) // the agent restarted
	require.NoError(t, err)
	defer func() { _ = again.Close() }()
	adopted, err := again.Start(context.Background(), spec, io.Discard)
	require.NoError(t, err)
	require.Equal(t, before.Container.ID, adopted.(*dockerProcess).id, "the same container, not a second one")
	list, err := d.cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", leaseLabel+"=903")})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)

	cancel() // the lease ends: the supervisor stops it
	<-done
	orphan := liveSpec(904, freeHostPort(t))
	_, err = d.Start(context.Background(), orphan, io.Discard) // left running by a crashed agent
	require.NoError(t, err)
	neighbour, err := NewDocker(context.Background(), "thalamus1neighbour") // another provider's agent on the engine
	require.NoError(t, err)
	defer func() { _ = neighbour.Close() }()
	theirs, err := neighbour.Start(context.Background(), liveSpec(907, freeHostPort(t)), io.Discard)
	require.NoError(t, err)
	defer stopAndWait(t, theirs)
	removed, err := d.Sweep(context.Background(), func(lease uint64) bool { return lease != 904 && lease != 903 && lease != 907 })
	require.NoError(t, err)
	require.GreaterOrEqual(t, removed, 1)
	_, running := d.Published(context.Background(), "thalamus-test-lease-907")
	require.True(t, running, "another provider's container is not ours to sweep")
	list, err = d.cli.ContainerList(context.Background(), client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", leaseLabel)})
	require.NoError(t, err)
	for _, c := range list.Items {
		require.NotContains(t, []string{"903", "904"}, c.Labels[leaseLabel], "no container of an ended lease remains")
	}
}

// The container of a lease with GPUs asks the engine for exactly those GPUs. No GPU here:
// the request is read back from the created (not started) container.
func TestDockerDeviceRequest(t *testing.T) {
	d := engine(t)
	ctx := context.Background()
	spec := liveSpec(905, freeHostPort(t))
	spec.GPUs = []string{"GPU-11111111-2222-3333-4444-555555555555", "GPU-66666666-7777-8888-9999-000000000000"}
	cfg, host, err := containerConfig(spec, testOwner)
	require.NoError(t, err)
	require.NoError(t, d.ensureNetwork(ctx, spec))
	defer func() { _, _ = d.cli.NetworkRemove(ctx, networkName(spec), client.NetworkRemoveOptions{}) }()
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host, Name: spec.Name})
	require.NoError(t, err)
	defer func() { _, _ = d.cli.ContainerRemove(ctx, created.ID, client.ContainerRemoveOptions{Force: true}) }()
	res, err := d.cli.ContainerInspect(ctx, created.ID, client.ContainerInspectOptions{})
	require.NoError(t, err)
	reqs := res.Container.HostConfig.DeviceRequests
	require.Len(t, reqs, 1)
	require.Equal(t, "nvidia", reqs[0].Driver)
	require.Equal(t, spec.GPUs, reqs[0].DeviceIDs)
	require.Contains(t, res.Container.Config.Env, "NVIDIA_VISIBLE_DEVICES="+spec.GPUs[0]+","+spec.GPUs[1])
}

// A missing image that cannot be pulled is a clear error; one whose registry name resolves
// to a forbidden address is never pulled.
func TestDockerMissingImage(t *testing.T) {
	d := engine(t)
	spec := liveSpec(906, freeHostPort(t))
	spec.Manifest.Image = "registry.invalid/thalamus/none:1"
	_, err := d.Start(context.Background(), spec, io.Discard)
	require.ErrorContains(t, err, "is not on this machine and cannot be pulled")

	var hits atomic.Int32
	registry := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer registry.Close()
	spec.Manifest.Image = "localhost.thalamus.test:" + strings.TrimPrefix(registry.URL, "http://127.0.0.1:") + "/x:1"
	d.Registries.Resolver = loopbackResolver{}
	_, err = d.Start(context.Background(), spec, io.Discard)
	require.ErrorIs(t, err, ErrRefused)
	require.Zero(t, hits.Load(), "the engine never contacted the loopback registry")
}

// loopbackResolver answers every name with 127.0.0.1, as a hostile DNS record would.
type loopbackResolver struct{}

func (loopbackResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func stopAndWait(t *testing.T, p Process) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	require.NoError(t, p.Stop(ctx))
	_ = p.Wait()
}
