package runtime

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// Docker runs the manifest's image through the Docker Engine API, with exactly the leased
// GPUs (the equivalent of `docker run --gpus device=UUID,...`, through the NVIDIA container
// toolkit) and the manifest's ports published on the host ports of the spec.
type Docker struct {
	cli *client.Client
}

// NewDocker connects to the engine named by DOCKER_HOST (default: the local socket).
func NewDocker(ctx context.Context) (*Docker, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, err
	}
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("no Docker engine reachable: %w", err)
	}
	return &Docker{cli: cli}, nil
}

// Name implements Runtime.
func (*Docker) Name() string { return "docker" }

// Close releases the engine connection.
func (d *Docker) Close() error { return d.cli.Close() }

// containerConfig is the container a spec runs in.
func containerConfig(spec Spec) (*container.Config, *container.HostConfig, error) {
	if spec.Manifest.Image == "" {
		return nil, nil, fmt.Errorf("%w: the docker runtime needs an image", ErrUnsupported)
	}
	cfg := &container.Config{
		Image: spec.Manifest.Image, Cmd: spec.Manifest.Command, Env: spec.Environment(),
		ExposedPorts: network.PortSet{}, Labels: map[string]string{"thalamus.lease": strconv.FormatUint(spec.LeaseID, 10)},
	}
	host := &container.HostConfig{PortBindings: network.PortMap{}}
	if len(spec.GPUs) > 0 {
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
	return cfg, host, nil
}

// Start pulls the image, replaces any container left by an earlier run of the lease, starts
// a new one and streams its output to logs.
func (d *Docker) Start(ctx context.Context, spec Spec, logs io.Writer) (Process, error) {
	cfg, host, err := containerConfig(spec)
	if err != nil {
		return nil, err
	}
	pull, err := d.cli.ImagePull(ctx, cfg.Image, client.ImagePullOptions{})
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", cfg.Image, err)
	}
	err = pull.Wait(ctx)
	_ = pull.Close()
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", cfg.Image, err)
	}
	_, _ = d.cli.ContainerRemove(ctx, spec.Name, client.ContainerRemoveOptions{Force: true})
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: host, Name: spec.Name})
	if err != nil {
		return nil, err
	}
	if _, err := d.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		_, _ = d.cli.ContainerRemove(context.Background(), created.ID, client.ContainerRemoveOptions{Force: true})
		return nil, err
	}
	p := &dockerProcess{cli: d.cli, id: created.ID}
	if out, err := d.cli.ContainerLogs(context.Background(), created.ID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true}); err == nil {
		go func() { _, _ = stdcopy.StdCopy(logs, logs, out); _ = out.Close() }()
	}
	return p, nil
}

type dockerProcess struct {
	cli *client.Client
	id  string
}

// Wait blocks until the container exits and removes it.
func (p *dockerProcess) Wait() error {
	res := p.cli.ContainerWait(context.Background(), p.id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var err error
	select {
	case r := <-res.Result:
		if r.StatusCode != 0 {
			err = fmt.Errorf("container exited with status %d", r.StatusCode)
		}
	case err = <-res.Error:
	}
	_, _ = p.cli.ContainerRemove(context.Background(), p.id, client.ContainerRemoveOptions{Force: true})
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
