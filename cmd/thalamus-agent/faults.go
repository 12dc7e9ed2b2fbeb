//go:build !devnet

package main

import (
	"github.com/spf13/pflag"

	"github.com/thalamus-network/thalamus/internal/agent"
)

// Release builds carry no fault injection (see faults_devnet.go).

func addDevnetFlags(*pflag.FlagSet) {}

func devnetFaults(*agent.GPUConfig) {}
