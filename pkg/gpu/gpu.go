// Package gpu reads GPU identity and telemetry from NVIDIA's NVML for thalamus-agent.
//
// The NVML implementation (go-nvml, which needs cgo) is compiled only with cgo on Linux;
// elsewhere Open reports ErrNoDriver. Only the agent imports this package: the chain binary
// must never link NVML.
package gpu

import (
	"context"
	"errors"
	"fmt"
)

// ErrNoDriver means no NVIDIA driver: libnvidia-ml.so.1 could not be loaded, or it was but
// the kernel driver is not (the user-space libraries installed on a machine without a GPU), or
// this build has no NVML support; the agent then needs --backend cpu --simulate-gpus N.
var ErrNoDriver = errors.New("no NVIDIA driver")

// Identity is what the chain's register-gpu records about a GPU.
type Identity struct {
	Index             int
	UUID              string
	Name              string
	MemoryMiB         uint64
	PCIDeviceID       uint32 // the device half of NVML's PciDeviceId, e.g. 0x2330 for H100 SXM5
	ComputeCapability string // e.g. 9.0
	DriverVersion     string
	CUDAVersion       string // the driver's CUDA API version, e.g. 12.4
}

// Sample is one telemetry reading of a GPU.
type Sample struct {
	UtilizationPct uint32
	MemoryUsedMiB  uint64
	TemperatureC   uint32
	PowerMW        uint32
	EnergyMJ       uint64 // monotonic since driver load
	SMClockMHz     uint32
	ECCUncorrected uint64
}

// XID is a critical error event (NVIDIA XID) reported by a GPU.
type XID struct {
	UUID string
	Code uint64
}

// Source lists GPUs and reads their telemetry.
type Source interface {
	Devices() ([]Identity, error)
	Sample(index int) (Sample, error)
	// WatchXIDs delivers XID critical errors of all GPUs until ctx ends, then closes the channel.
	WatchXIDs(ctx context.Context) (<-chan XID, error)
	Close() error
}

// Summary condenses the samples taken over a challenge window.
type Summary struct {
	MeanUtilizationPct uint32
	MeanPowerMW        uint64
	MeanSMClockMHz     uint32
	EnergyMJ           uint64 // energy used between the first and last sample
	MaxTemperatureC    uint32
	NewECCErrors       uint64
	Samples            int
}

// Summarize condenses samples taken in time order.
func Summarize(samples []Sample) Summary {
	s := Summary{Samples: len(samples)}
	if len(samples) == 0 {
		return s
	}
	var util, clock uint64
	for _, x := range samples {
		util += uint64(x.UtilizationPct)
		s.MeanPowerMW += uint64(x.PowerMW)
		clock += uint64(x.SMClockMHz)
		s.MaxTemperatureC = max(s.MaxTemperatureC, x.TemperatureC)
	}
	n := uint64(len(samples))
	s.MeanUtilizationPct = uint32(util / n)
	s.MeanPowerMW /= n
	s.MeanSMClockMHz = uint32(clock / n)
	first, last := samples[0], samples[len(samples)-1]
	if last.EnergyMJ >= first.EnergyMJ {
		s.EnergyMJ = last.EnergyMJ - first.EnergyMJ
	}
	if last.ECCUncorrected >= first.ECCUncorrected {
		s.NewECCErrors = last.ECCUncorrected - first.ECCUncorrected
	}
	return s
}

// classes maps PCI device ids to the chain's GPU class catalogue.
var classes = map[uint32]string{
	0x2330: "H100-SXM-80G", // H100 SXM5 80GB
	0x2335: "H200-SXM-141G",
	0x20b2: "A100-80G", // A100 SXM4 80GB
	0x20b5: "A100-80G", // A100 PCIe 80GB
	0x26b9: "L40S-48G",
	0x2684: "RTX4090-24G",
}

// ClassOf returns the catalogue class of a GPU, from its PCI device id.
func ClassOf(id Identity) (string, error) {
	if c, ok := classes[id.PCIDeviceID]; ok {
		return c, nil
	}
	return "", fmt.Errorf("GPU %s (%s, PCI device 0x%04x) has no class in the catalogue; pass --class", id.UUID, id.Name, id.PCIDeviceID)
}
