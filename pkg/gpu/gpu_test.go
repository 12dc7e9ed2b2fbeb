package gpu_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/gpu"
)

func TestSummarize(t *testing.T) {
	require.Equal(t, gpu.Summary{}, gpu.Summarize(nil))
	s := gpu.Summarize([]gpu.Sample{
		{UtilizationPct: 90, PowerMW: 600_000, SMClockMHz: 1900, TemperatureC: 60, EnergyMJ: 1_000, ECCUncorrected: 2},
		{UtilizationPct: 100, PowerMW: 700_000, SMClockMHz: 2000, TemperatureC: 70, EnergyMJ: 31_000, ECCUncorrected: 3},
	})
	require.Equal(t, gpu.Summary{
		MeanUtilizationPct: 95, MeanPowerMW: 650_000, MeanSMClockMHz: 1950, EnergyMJ: 30_000, MaxTemperatureC: 70,
		NewECCErrors: 1, Samples: 2,
	}, s)
}

func TestClassOfUnknownDevice(t *testing.T) {
	_, err := gpu.ClassOf(gpu.Identity{UUID: "GPU-x", Name: "Tesla T4", PCIDeviceID: 0x1eb8})
	require.ErrorContains(t, err, "--class")
}
