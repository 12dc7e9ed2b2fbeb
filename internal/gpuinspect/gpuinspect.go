// Package gpuinspect is `thalamus-agent gpu inspect`: what NVML and the CUDA driver see of
// the machine's GPUs, and whether the proof-of-work backend runs on them.
package gpuinspect

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/thalamus-network/thalamus/pkg/gpu"
	"github.com/thalamus-network/thalamus/pkg/pow/cuda"
)

// inspection is what gpu inspect found.
type inspection struct {
	NVML      []nvmlGPU `json:"nvml"`
	NVMLError string    `json:"nvml_error,omitempty"`
	CUDA      []cudaGPU `json:"cuda"`
	CUDAError string    `json:"cuda_error,omitempty"`
}

type nvmlGPU struct {
	gpu.Identity
	Class      string     `json:"class,omitempty"`
	ClassError string     `json:"class_error,omitempty"`
	Telemetry  gpu.Sample `json:"telemetry"`
}

type cudaGPU struct {
	cuda.Info
	// Backend says whether the CUDA backend loads on the GPU and passes its self-test.
	Backend string `json:"backend"`
}

// Command is `gpu inspect`.
func Command() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect",
		Short: "Show what NVML and the CUDA driver see of this machine's GPUs, and whether the proof-of-work backend runs (touches no chain)",
		Long: `inspect is the first command a provider runs. It lists the GPUs NVML sees (identity, the
chain class derived from the PCI device id, memory, driver and CUDA versions, telemetry) and
the GPUs the CUDA driver sees (compute capability, multiprocessors, memory), then opens the
proof-of-work backend on each and runs its self-test against the CPU reference. It needs no
node and no key. On a machine without a GPU it says what is missing.`,
		Example: "thalamus-agent gpu inspect\nthalamus-agent gpu inspect --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in := inspect()
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(in)
			}
			printInspection(cmd.OutOrStdout(), in)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func inspect() inspection {
	var in inspection
	if src, err := gpu.Open(); err != nil {
		in.NVMLError = err.Error()
	} else {
		defer func() { _ = src.Close() }()
		ids, err := src.Devices()
		if err != nil {
			in.NVMLError = err.Error()
		}
		for _, id := range ids {
			g := nvmlGPU{Identity: id}
			if c, err := gpu.ClassOf(id); err == nil {
				g.Class = c
			} else {
				g.ClassError = err.Error()
			}
			g.Telemetry, _ = src.Sample(id.Index)
			in.NVML = append(in.NVML, g)
		}
	}
	infos, err := cuda.Probe()
	if err != nil {
		in.CUDAError = err.Error()
	}
	for _, info := range infos {
		g := cudaGPU{Info: info, Backend: "ok: kernels loaded, self-test against the CPU reference passed"}
		if b, err := cuda.New(cuda.Options{Ordinal: info.Ordinal}); err != nil {
			g.Backend = "does not run: " + err.Error()
		} else {
			b.Close()
		}
		in.CUDA = append(in.CUDA, g)
	}
	return in
}

func printInspection(w io.Writer, in inspection) {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
	p("NVML:\n")
	if in.NVMLError != "" {
		p("  not available: %s\n", in.NVMLError)
	}
	for _, g := range in.NVML {
		class := g.Class
		if class == "" {
			class = "none (" + g.ClassError + ")"
		}
		p("  GPU %d: %s %s\n    class %s, %d MiB, PCI device 0x%04x, compute capability %s, driver %s, CUDA %s\n",
			g.Index, g.Name, g.UUID, class, g.MemoryMiB, g.PCIDeviceID, g.ComputeCapability, g.DriverVersion, g.CUDAVersion)
		t := g.Telemetry
		p("    now: %d %% busy, %d MiB used, %d C, %.0f W, SM clock %d MHz, %d uncorrected ECC errors\n",
			t.UtilizationPct, t.MemoryUsedMiB, t.TemperatureC, float64(t.PowerMW)/1000, t.SMClockMHz, t.ECCUncorrected)
	}
	p("CUDA driver:\n")
	if in.CUDAError != "" {
		p("  not available: %s\n", in.CUDAError)
	}
	for _, g := range in.CUDA {
		p("  GPU %d: %s %s\n    compute capability %s, %d multiprocessors, %d GiB, driver supports CUDA %s\n    proof-of-work backend: %s\n",
			g.Ordinal, g.Name, g.UUID, g.ComputeCapacity, g.Multiprocessors, g.MemoryBytes>>30, g.DriverVersion, g.Backend)
	}
	if len(in.CUDA) == 0 {
		p("  no GPU can run the proof-of-work kernels here: thalamus-agent gpu would use the CPU backend (--backend auto)\n")
	}
}
