// Command demo-workload is thalamus-agent's demo-workload as a static binary of its own, for
// the FROM scratch test image the Docker runtime runs (thalamus-agent itself needs the
// system's dynamic loader for the CUDA driver, which a scratch image lacks).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/thalamus-network/thalamus/internal/demoworkload"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo-workload:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return demoworkload.Run(ctx, slog.New(slog.NewTextHandler(os.Stderr, nil)))
}
