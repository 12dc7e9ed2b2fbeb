package main

import (
	"context"
	"fmt"
	"time"

	"github.com/thalamus-network/thalamus/internal/runtime"
)

// demoImage is the devnet's workload image: the static demo-workload (built by make
// build-devnet) FROM scratch, built in the local engine, never pulled.
const demoImage = "thalamus-demo-workload:dev"

// runtimeFlags are a devnet provider agent's workload runtime flags. exec may run only
// thalamus-agent itself (its demo-workload); docker runs manifests' images in the local
// engine, where the demo image is built first.
func runtimeFlags(kind, agentBinary string) ([]string, error) {
	switch kind {
	case "exec":
		return []string{"--runtime", "exec", "--exec-allow", agentBinary}, nil
	case "docker":
		if err := buildDemoImage(agentBinary); err != nil {
			return nil, err
		}
		return []string{"--runtime", "docker"}, nil
	default:
		return nil, fmt.Errorf("-runtime must be exec or docker, got %q", kind)
	}
}

// buildDemoImage builds demoImage from the demo-workload binary beside binary.
func buildDemoImage(binary string) error {
	program, err := siblingBinary(binary, "demo-workload")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	engine, err := runtime.NewDocker(ctx, "")
	if err != nil {
		return fmt.Errorf("the docker runtime needs a running engine (apt-get install docker.io; dockerd), or use -runtime exec: %w", err)
	}
	defer func() { _ = engine.Close() }()
	if err := engine.BuildImage(ctx, demoImage, program); err != nil {
		return err
	}
	step("built the demo workload image %s in the local Docker engine", demoImage)
	return nil
}

// removeWorkloads removes the lease containers of the owners (provider addresses).
func removeWorkloads(owners ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, owner := range owners {
		engine, err := runtime.NewDocker(ctx, owner)
		if err != nil {
			step("cannot remove %s's containers: %v", owner, err)
			return
		}
		if n, err := engine.Sweep(ctx, func(uint64) bool { return false }); err != nil {
			step("removing %s's containers: %v", owner, err)
		} else if n > 0 {
			step("removed %d lease containers of %s", n, owner)
		}
		_ = engine.Close()
	}
}
