//go:build !devnet

package main

import (
	"log/slog"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/thalamus-network/thalamus/internal/sidecar"
)

// Release builds carry no fault injection (see faults_devnet.go).

func addDevnetFlags(*pflag.FlagSet) {}

func devnetFaults(*viper.Viper, *sidecar.Config, *slog.Logger) {}
