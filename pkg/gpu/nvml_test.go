//go:build cgo && linux

package gpu_test

import (
	"context"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/gpu"
)

// h100 is our own single-H100 fixture on go-nvml's moq mocks, with telemetry the canned
// servers do not provide.
func h100() *mock.Interface {
	dev := &mock.Device{
		GetUUIDFunc: func() (string, nvml.Return) { return "GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", nvml.SUCCESS },
		GetNameFunc: func() (string, nvml.Return) { return "NVIDIA H100 80GB HBM3", nvml.SUCCESS },
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
			return nvml.Memory{Total: 81559 << 20, Used: 1024 << 20}, nvml.SUCCESS
		},
		GetPciInfoFunc:                func() (nvml.PciInfo, nvml.Return) { return nvml.PciInfo{PciDeviceId: 0x233010DE}, nvml.SUCCESS },
		GetCudaComputeCapabilityFunc:  func() (int, int, nvml.Return) { return 9, 0, nvml.SUCCESS },
		GetUtilizationRatesFunc:       func() (nvml.Utilization, nvml.Return) { return nvml.Utilization{Gpu: 98}, nvml.SUCCESS },
		GetTemperatureFunc:            func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 61, nvml.SUCCESS },
		GetPowerUsageFunc:             func() (uint32, nvml.Return) { return 640_000, nvml.SUCCESS },
		GetTotalEnergyConsumptionFunc: func() (uint64, nvml.Return) { return 123_456_789, nvml.SUCCESS },
		GetClockInfoFunc:              func(nvml.ClockType) (uint32, nvml.Return) { return 1980, nvml.SUCCESS },
		GetTotalEccErrorsFunc: func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) {
			return 0, nvml.ERROR_NOT_SUPPORTED
		},
	}
	return &mock.Interface{
		InitFunc:                       func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc:                   func() nvml.Return { return nvml.SUCCESS },
		ErrorStringFunc:                func(r nvml.Return) string { return "mock error" },
		SystemGetDriverVersionFunc:     func() (string, nvml.Return) { return "550.54.15", nvml.SUCCESS },
		SystemGetCudaDriverVersionFunc: func() (int, nvml.Return) { return 12040, nvml.SUCCESS },
		DeviceGetCountFunc:             func() (int, nvml.Return) { return 1, nvml.SUCCESS },
		DeviceGetHandleByIndexFunc:     func(int) (nvml.Device, nvml.Return) { return dev, nvml.SUCCESS },
	}
}

func TestIdentityAndTelemetryFromNVML(t *testing.T) {
	src, err := gpu.OpenWith(h100())
	require.NoError(t, err)
	devs, err := src.Devices()
	require.NoError(t, err)
	require.Equal(t, []gpu.Identity{{
		Index: 0, UUID: "GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", Name: "NVIDIA H100 80GB HBM3", MemoryMiB: 81559,
		PCIDeviceID: 0x2330, ComputeCapability: "9.0", DriverVersion: "550.54.15", CUDAVersion: "12.4",
	}}, devs)
	class, err := gpu.ClassOf(devs[0])
	require.NoError(t, err)
	require.Equal(t, "H100-SXM-80G", class)

	s, err := src.Sample(0)
	require.NoError(t, err)
	require.Equal(t, gpu.Sample{UtilizationPct: 98, MemoryUsedMiB: 1024, TemperatureC: 61, PowerMW: 640_000, EnergyMJ: 123_456_789, SMClockMHz: 1980}, s,
		"unsupported readings (ECC here) stay zero")
	require.NoError(t, src.Close())
}

// Without a driver Init fails and nothing else may be called: a real NVML call after a failed
// Init kills the process.
// The libraries may be installed without the kernel driver (a machine without a GPU): the same.
func TestNoDriverCallsNothingElse(t *testing.T) {
	for _, ret := range []nvml.Return{nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED} {
		lib := h100()
		lib.InitFunc = func() nvml.Return { return ret }
		src, err := gpu.OpenWith(lib)
		require.ErrorIs(t, err, gpu.ErrNoDriver)
		require.Nil(t, src)
		require.Empty(t, lib.DeviceGetCountCalls())
		require.Empty(t, lib.SystemGetDriverVersionCalls())
		require.Empty(t, lib.ShutdownCalls())
	}
}

// go-nvml's canned DGX H100 lists eight H100s that map to the H100 class.
func TestCannedDGXH100(t *testing.T) {
	src, err := gpu.OpenWith(dgxh100.New())
	require.NoError(t, err)
	devs, err := src.Devices()
	require.NoError(t, err)
	require.Len(t, devs, 8)
	for _, d := range devs {
		class, err := gpu.ClassOf(d)
		require.NoError(t, err)
		require.Equal(t, "H100-SXM-80G", class)
		require.Equal(t, "9.0", d.ComputeCapability)
	}
}

// This machine has no NVIDIA driver: the real library reports ErrNoDriver cleanly.
func TestRealLibraryWithoutDriver(t *testing.T) {
	src, err := gpu.Open()
	if err == nil {
		_ = src.Close()
		t.Skip("an NVIDIA driver is present")
	}
	require.ErrorIs(t, err, gpu.ErrNoDriver)
}

// XID critical errors reach the watcher with the GPU's UUID; the event set is freed at the end.
func TestWatchXIDs(t *testing.T) {
	lib := h100()
	dev, _ := lib.DeviceGetHandleByIndex(0)
	var registered uint64
	dev.(*mock.Device).RegisterEventsFunc = func(types uint64, _ nvml.EventSet) nvml.Return {
		registered = types
		return nvml.SUCCESS
	}
	events := []nvml.EventData{{Device: dev, EventType: nvml.EventTypeXidCriticalError, EventData: 79}}
	freed := make(chan struct{})
	set := &mock.EventSet{
		WaitFunc: func(uint32) (nvml.EventData, nvml.Return) {
			if len(events) == 0 {
				time.Sleep(time.Millisecond)
				return nvml.EventData{}, nvml.ERROR_TIMEOUT
			}
			e := events[0]
			events = events[1:]
			return e, nvml.SUCCESS
		},
		FreeFunc: func() nvml.Return { close(freed); return nvml.SUCCESS },
	}
	lib.EventSetCreateFunc = func() (nvml.EventSet, nvml.Return) { return set, nvml.SUCCESS }

	src, err := gpu.OpenWith(lib)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	xids, err := src.WatchXIDs(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(nvml.EventTypeXidCriticalError), registered)
	require.Equal(t, gpu.XID{UUID: "GPU-5c2b7f3e-1a2b-4c3d-8e9f-0a1b2c3d4e5f", Code: 79}, <-xids)
	cancel()
	for range xids { // drain until the watcher closes the channel
	}
	<-freed
}
