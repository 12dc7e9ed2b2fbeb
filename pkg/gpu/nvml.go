//go:build cgo && linux

package gpu

import (
	"context"
	"errors"
	"fmt"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// Open loads NVML. Without a driver it returns ErrNoDriver and nothing else is ever called:
// any NVML call after a failed Init kills the process (go-nvml resolves symbols lazily).
func Open() (Source, error) { return OpenWith(nvml.New()) }

// OpenWith initialises the given NVML library (tests pass go-nvml mocks).
func OpenWith(lib nvml.Interface) (Source, error) {
	switch ret := lib.Init(); {
	case errors.Is(ret, nvml.ERROR_LIBRARY_NOT_FOUND):
		return nil, fmt.Errorf("%w: libnvidia-ml.so.1 could not be loaded", ErrNoDriver)
	case errors.Is(ret, nvml.ERROR_DRIVER_NOT_LOADED):
		return nil, fmt.Errorf("%w: libnvidia-ml.so.1 is installed but the kernel driver is not loaded", ErrNoDriver)
	case !errors.Is(ret, nvml.SUCCESS):
		return nil, fmt.Errorf("nvml init: %s", lib.ErrorString(ret))
	}
	return &nvmlSource{lib: lib}, nil
}

type nvmlSource struct {
	lib nvml.Interface
}

func (s *nvmlSource) check(what string, ret nvml.Return) error {
	if errors.Is(ret, nvml.SUCCESS) {
		return nil
	}
	return fmt.Errorf("nvml %s: %s", what, s.lib.ErrorString(ret))
}

// Devices implements Source.
func (s *nvmlSource) Devices() ([]Identity, error) {
	driver, ret := s.lib.SystemGetDriverVersion()
	if err := s.check("driver version", ret); err != nil {
		return nil, err
	}
	cuda, ret := s.lib.SystemGetCudaDriverVersion()
	if err := s.check("CUDA version", ret); err != nil {
		return nil, err
	}
	count, ret := s.lib.DeviceGetCount()
	if err := s.check("device count", ret); err != nil {
		return nil, err
	}
	out := make([]Identity, 0, count)
	for i := 0; i < count; i++ {
		dev, ret := s.lib.DeviceGetHandleByIndex(i)
		if err := s.check("device handle", ret); err != nil {
			return nil, err
		}
		id := Identity{Index: i, DriverVersion: driver, CUDAVersion: fmt.Sprintf("%d.%d", cuda/1000, (cuda%1000)/10)}
		var err error
		if id.UUID, ret = dev.GetUUID(); s.check("uuid", ret) != nil {
			return nil, s.check("uuid", ret)
		}
		if id.Name, ret = dev.GetName(); s.check("name", ret) != nil {
			return nil, s.check("name", ret)
		}
		mem, ret := dev.GetMemoryInfo()
		if err = s.check("memory", ret); err != nil {
			return nil, err
		}
		id.MemoryMiB = mem.Total >> 20
		pci, ret := dev.GetPciInfo()
		if err = s.check("pci info", ret); err != nil {
			return nil, err
		}
		id.PCIDeviceID = pci.PciDeviceId >> 16 // NVML packs device id << 16 | vendor id
		major, minor, ret := dev.GetCudaComputeCapability()
		if err = s.check("compute capability", ret); err != nil {
			return nil, err
		}
		id.ComputeCapability = fmt.Sprintf("%d.%d", major, minor)
		out = append(out, id)
	}
	return out, nil
}

// Sample implements Source. Readings a GPU does not support (e.g. ECC on consumer cards)
// stay zero rather than failing the sample.
func (s *nvmlSource) Sample(index int) (Sample, error) {
	dev, ret := s.lib.DeviceGetHandleByIndex(index)
	if err := s.check("device handle", ret); err != nil {
		return Sample{}, err
	}
	var x Sample
	if u, ret := dev.GetUtilizationRates(); errors.Is(ret, nvml.SUCCESS) {
		x.UtilizationPct = u.Gpu
	}
	if m, ret := dev.GetMemoryInfo(); errors.Is(ret, nvml.SUCCESS) {
		x.MemoryUsedMiB = m.Used >> 20
	}
	if t, ret := dev.GetTemperature(nvml.TEMPERATURE_GPU); errors.Is(ret, nvml.SUCCESS) {
		x.TemperatureC = t
	}
	if p, ret := dev.GetPowerUsage(); errors.Is(ret, nvml.SUCCESS) {
		x.PowerMW = p
	}
	if e, ret := dev.GetTotalEnergyConsumption(); errors.Is(ret, nvml.SUCCESS) {
		x.EnergyMJ = e
	}
	if c, ret := dev.GetClockInfo(nvml.CLOCK_SM); errors.Is(ret, nvml.SUCCESS) {
		x.SMClockMHz = c
	}
	if e, ret := dev.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC); errors.Is(ret, nvml.SUCCESS) {
		x.ECCUncorrected = e
	}
	return x, nil
}

// WatchXIDs implements Source. GPUs that do not support XID events are skipped.
func (s *nvmlSource) WatchXIDs(ctx context.Context) (<-chan XID, error) {
	set, ret := s.lib.EventSetCreate()
	if err := s.check("event set", ret); err != nil {
		return nil, err
	}
	count, ret := s.lib.DeviceGetCount()
	if err := s.check("device count", ret); err != nil {
		return nil, errors.Join(err, s.check("free event set", set.Free()))
	}
	for i := 0; i < count; i++ {
		dev, ret := s.lib.DeviceGetHandleByIndex(i)
		if err := s.check("device handle", ret); err != nil {
			return nil, errors.Join(err, s.check("free event set", set.Free()))
		}
		if ret := dev.RegisterEvents(nvml.EventTypeXidCriticalError, set); !errors.Is(ret, nvml.SUCCESS) && !errors.Is(ret, nvml.ERROR_NOT_SUPPORTED) {
			return nil, errors.Join(s.check("register XID events", ret), s.check("free event set", set.Free()))
		}
	}
	out := make(chan XID)
	go func() {
		defer close(out)
		defer func() { _ = set.Free() }()
		for ctx.Err() == nil {
			data, ret := set.Wait(500)
			if !errors.Is(ret, nvml.SUCCESS) || data.EventType != nvml.EventTypeXidCriticalError {
				continue // timeouts and other events
			}
			uuid, _ := data.Device.GetUUID()
			select {
			case out <- XID{UUID: uuid, Code: data.EventData}:
			case <-ctx.Done():
			}
		}
	}()
	return out, nil
}

// Close implements Source.
func (s *nvmlSource) Close() error { return s.check("shutdown", s.lib.Shutdown()) }
