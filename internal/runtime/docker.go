package runtime

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/distribution/reference"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/thalamus-network/thalamus/pkg/egress"
)

// Docker runs the manifest's image through the Docker Engine API, with exactly the leased
// GPUs (the equivalent of `docker run --gpus device=UUID,...`, through the NVIDIA container
// toolkit) and the manifest's ports published on the host ports of the spec. The container
// is confined: not privileged, every capability dropped but a minimal set, no privilege
// escalation, CPU, memory (no swap) and process limits, bounded logs, and a network of its
// own on which it reaches neither other leases nor the host's loopback services.
type Docker struct {
	cli *client.Client
	// owner labels every container this runtime starts (the provider's address): another
	// agent on the same engine never adopts or sweeps them.
	owner string
	// Registries is where the engine may pull a manifest's image from. The image names its
	// registry, and the tenant chose it: by default only registries at public addresses, so
	// a manifest cannot make the engine connect to the provider's loopback or private network.
	Registries egress.Policy
}

// keptCapabilities are the only capabilities a workload keeps: enough for an entrypoint to
// drop to another user and bind low ports, nothing that reaches the host.
var keptCapabilities = []string{"CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID", "NET_BIND_SERVICE", "KILL"}

// NewDocker connects to the engine named by DOCKER_HOST (default: the local socket), for
// the workloads of owner.
func NewDocker(ctx context.Context, owner string) (*Docker, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, err
	}
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("no Docker engine reachable: %w", err)
	}
	return &Docker{cli: cli, owner: owner}, nil
}

// Name implements Runtime.
func (*Docker) Name() string { return "docker" }

// Close releases the engine connection.
func (d *Docker) Close() error { return d.cli.Close() }

// Admit implements Runtime: an image with limits, from a registry the policy allows by name
// (its addresses are checked before a pull).
func (d *Docker) Admit(spec Spec) error {
	if err := checkLimits(spec); err != nil {
		return err
	}
	registry, err := registryOf(spec.Manifest.Image)
	if err != nil {
		return err
	}
	if err := d.Registries.Check("https://" + registry); err != nil {
		return fmt.Errorf("%w: image registry %s: %w", ErrRefused, registry, err)
	}
	return nil
}

// checkLimits refuses a spec without an image or without every limit.
func checkLimits(spec Spec) error {
	if spec.Manifest.Image == "" {
		return fmt.Errorf("%w: the docker runtime needs an image", ErrUnsupported)
	}
	if spec.Limits.CPUs <= 0 || spec.Limits.MemoryBytes <= 0 || spec.Limits.Pids <= 0 {
		return fmt.Errorf("%w: a container needs CPU, memory and process limits", ErrRefused)
	}
	return nil
}

// registryOf is the HOST:PORT of the registry an image reference names (docker.io when it
// names none).
func registryOf(image string) (string, error) {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return "", fmt.Errorf("%w: image %q: %w", ErrRefused, image, err)
	}
	u := url.URL{Scheme: "https", Host: reference.Domain(named)}
	return egress.HostPort(&u), nil
}

// networkName is the lease's own network.
func networkName(spec Spec) string { return fmt.Sprintf("thalamus-lease-%d", spec.LeaseID) }

// containerConfig is the container a spec runs in for owner.
func containerConfig(spec Spec, owner string) (*container.Config, *container.HostConfig, error) {
	if err := checkLimits(spec); err != nil {
		return nil, nil, err
	}
	cfg := &container.Config{
		Image: spec.Manifest.Image, Cmd: spec.Manifest.Command, Env: spec.Environment(false),
		ExposedPorts: network.PortSet{}, Labels: map[string]string{leaseLabel: strconv.FormatUint(spec.LeaseID, 10), ownerLabel: owner},
	}
	pids := spec.Limits.Pids
	host := &container.HostConfig{
		PortBindings: network.PortMap{},
		Privileged:   false,
		CapDrop:      []string{"ALL"},
		CapAdd:       keptCapabilities,
		SecurityOpt:  []string{"no-new-privileges=true"},
		NetworkMode:  container.NetworkMode(networkName(spec)),
		LogConfig: container.LogConfig{Type: "json-file", Config: map[string]string{
			"max-size": strconv.FormatInt(spec.Limits.LogBytes/3, 10), "max-file": "3",
		}},
		Resources: container.Resources{
			NanoCPUs:   int64(spec.Limits.CPUs * 1e9),
			Memory:     spec.Limits.MemoryBytes,
			MemorySwap: spec.Limits.MemoryBytes, // equal to Memory: no swap
			PidsLimit:  &pids,
		},
	}
	if len(spec.GPUs) > 0 && !spec.SimulatedGPUs {
		host.DeviceRequests = []container.DeviceRequest{{Driver: "nvidia", DeviceIDs: spec.GPUs, Capabilities: [][]string{{"gpu"}}}}
	}
	for _, p := range spec.Manifest.Ports {
		port, ok := network.PortFrom(uint16(p), network.TCP)
		if !ok {
			return nil, nil, fmt.Errorf("bad port %d", p)
		}
		cfg.ExposedPorts[port] = struct{}{}
		host.PortBindings[port] = []network.PortBinding{{HostIP: netip.IPv4Unspecified(), HostPort: strconv.Itoa(spec.Ports[p])}}
	}
	cfg.Labels[specLabel] = specHash(cfg, host)
	return cfg, host, nil
}

// Container labels: the lease a container serves, the provider it serves it for, and a hash
// of what it runs, so a restarted agent adopts a container only if it is exactly the one it
// would start.
const (
	leaseLabel = "thalamus.lease"
	ownerLabel = "thalamus.owner"
	specLabel  = "thalamus.spec"
)

func specHash(cfg *container.Config, host *container.HostConfig) string {
	bz, _ := json.Marshal(struct {
		C *container.Config
		H *container.HostConfig
	}{cfg, host})
	sum := sha256.Sum256(bz)
	return hex.EncodeToString(sum[:8])
}

// Start runs the spec's container: it adopts the lease's container when one with the same
// spec already runs (the agent restarted), else replaces any left by an earlier run, pulls
// the image unless the engine has it, creates and starts a new one, and streams its output
// to logs.
func (d *Docker) Start(ctx context.Context, spec Spec, logs io.Writer) (Process, error) {
	cfg, host, err := containerConfig(spec, d.owner)
	if err != nil {
		return nil, err
	}
	if p, ok := d.adopt(ctx, spec, cfg.Labels[specLabel], logs); ok {
		return p, nil
	}
	if err := d.ensureImage(ctx, cfg.Image); err != nil {
		return nil, err
	}
	_, _ = d.cli.ContainerRemove(ctx, spec.Name, client.ContainerRemoveOptions{Force: true})
	if err := d.ensureNetwork(ctx, spec); err != nil {
		return nil, err
	}
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host, Name: spec.Name})
	if err != nil {
		return nil, err
	}
	if _, err := d.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		_, _ = d.cli.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true})
		return nil, err
	}
	return d.attach(created.ID, networkName(spec), logs), nil
}

// adopt finds the lease's container running with the same spec, after an agent restart.
func (d *Docker) adopt(ctx context.Context, spec Spec, hash string, logs io.Writer) (Process, bool) {
	res, err := d.cli.ContainerInspect(ctx, spec.Name, client.ContainerInspectOptions{})
	if err != nil || res.Container.State == nil || !res.Container.State.Running || res.Container.Config == nil ||
		res.Container.Config.Labels[specLabel] != hash {
		return nil, false
	}
	return d.attach(res.Container.ID, networkName(spec), logs), true
}

// attach follows a running container's output into logs.
func (d *Docker) attach(id, network string, logs io.Writer) *dockerProcess {
	p := &dockerProcess{cli: d.cli, id: id, network: network}
	if out, err := d.cli.ContainerLogs(context.Background(), id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true}); err == nil {
		go func() { _, _ = stdcopy.StdCopy(logs, logs, out); _ = out.Close() }()
	}
	return p
}

// ensureImage pulls the image unless the engine has it already (images built locally, or
// pulled before); a pull that fails says so clearly.
func (d *Docker) ensureImage(ctx context.Context, image string) error {
	_, err := d.cli.ImageInspect(ctx, image)
	if err == nil || client.IsErrConnectionFailed(err) { // no engine: say that, not "cannot be pulled"
		return err
	}
	registry, err := registryOf(image)
	if err != nil {
		return err
	}
	err = d.Registries.CheckHost(ctx, registry)
	if errors.Is(err, egress.ErrForbidden) {
		return fmt.Errorf("%w: image %s: registry %s: %w", ErrRefused, image, registry, err)
	}
	var pull client.ImagePullResponse
	if err == nil {
		pull, err = d.cli.ImagePull(ctx, image, client.ImagePullOptions{})
	}
	if err == nil {
		err = pull.Wait(ctx)
		_ = pull.Close()
	}
	if err != nil {
		return fmt.Errorf("image %s is not on this machine and cannot be pulled: %w", image, err)
	}
	return nil
}

// Published returns the host ports of the named container's published ports while it runs:
// a restarted agent keeps them, so the container it adopts is the one it would start.
func (d *Docker) Published(ctx context.Context, name string) (map[int]int, bool) {
	res, err := d.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil || res.Container.State == nil || !res.Container.State.Running || res.Container.HostConfig == nil {
		return nil, false
	}
	out := map[int]int{}
	for port, bindings := range res.Container.HostConfig.PortBindings {
		if len(bindings) == 0 {
			continue
		}
		host, err := strconv.Atoi(bindings[0].HostPort)
		if err != nil {
			continue
		}
		out[int(port.Num())] = host
	}
	return out, true
}

// Sweep removes the owner's lease containers (and their networks) whose lease keep says is
// over: what a crash or an engine restart left behind.
func (d *Docker) Sweep(ctx context.Context, keep func(lease uint64) bool) (int, error) {
	res, err := d.cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", leaseLabel).Add("label", ownerLabel+"="+d.owner)})
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, c := range res.Items {
		lease, err := strconv.ParseUint(c.Labels[leaseLabel], 10, 64)
		if err != nil || keep(lease) {
			continue
		}
		if _, err := d.cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}); err != nil {
			return removed, err
		}
		_, _ = d.cli.NetworkRemove(ctx, networkName(Spec{LeaseID: lease}), client.NetworkRemoveOptions{})
		removed++
	}
	return removed, nil
}

// ensureNetwork creates the lease's bridge network unless it exists: containers on it do
// not talk to each other (ICC off), and each lease has its own, so leases never meet.
func (d *Docker) ensureNetwork(ctx context.Context, spec Spec) error {
	name := networkName(spec)
	if _, err := d.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{}); err == nil {
		return nil
	}
	off := false
	_, err := d.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge", EnableIPv6: &off,
		Options: networkOptions(spec),
		Labels:  map[string]string{leaseLabel: strconv.FormatUint(spec.LeaseID, 10)},
	})
	if err != nil {
		return fmt.Errorf("create network %s: %w", name, err)
	}
	return nil
}

// networkOptions are the bridge options of a lease's network.
func networkOptions(spec Spec) map[string]string {
	return map[string]string{
		"com.docker.network.bridge.enable_icc": "false",
		"com.docker.network.bridge.name":       fmt.Sprintf("thl%d", spec.LeaseID%1_000_000_000_000), // <= 15 characters
	}
}

type dockerProcess struct {
	cli     *client.Client
	id      string
	network string
}

// Wait blocks until the container exits and removes it (and the lease's network with it).
// When the engine stops answering (it restarts) the container is left alone: the
// supervisor's next Start adopts it if it still runs, or replaces it.
func (p *dockerProcess) Wait() error {
	res := p.cli.ContainerWait(context.Background(), p.id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var err error
	select {
	case r := <-res.Result:
		if r.StatusCode != 0 {
			err = fmt.Errorf("container exited with status %d", r.StatusCode)
		}
	case err := <-res.Error:
		return fmt.Errorf("lost the engine while waiting on the container: %w", err)
	}
	_, _ = p.cli.ContainerRemove(context.Background(), p.id, client.ContainerRemoveOptions{Force: true})
	_, _ = p.cli.NetworkRemove(context.Background(), p.network, client.NetworkRemoveOptions{})
	return err
}

// Stop stops the container, which the engine kills once ctx's deadline (or 10 s) passes.
func (p *dockerProcess) Stop(ctx context.Context) error {
	timeout := 10
	if deadline, ok := ctx.Deadline(); ok {
		timeout = max(1, int(time.Until(deadline).Seconds()))
	}
	_, err := p.cli.ContainerStop(ctx, p.id, client.ContainerStopOptions{Timeout: &timeout})
	return err
}
