// Package workload defines what a tenant runs on leased GPUs and how tenant and provider
// authenticate to each other off chain: the manifest, its SHA-256 kept on the lease, the
// tenant-signed delivery of the manifest, and tenant-signed requests for status and logs.
package workload

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// MaxManifestBytes bounds a manifest, as sent and as stored by the provider.
const MaxManifestBytes = 64 << 10

// Manifest describes a workload. The exec runtime runs Command; the docker runtime runs
// Image (with Command, if given, as its command).
type Manifest struct {
	// Image is a container image reference, e.g. ghcr.io/acme/trainer:1.4.
	Image string `json:"image,omitempty"`
	// Command is the program and its arguments.
	Command []string `json:"command,omitempty"`
	// Env is added to the workload's environment.
	Env map[string]string `json:"env,omitempty"`
	// Ports are the TCP ports the workload listens on; each is published on a host port of
	// the provider, given to the workload as PORT_<port> (and the first as PORT).
	Ports []int `json:"ports,omitempty"`
	// GPUs must equal the lease's GPU count.
	GPUs int `json:"gpus"`
	// TenantPubKey is the tenant's access key (e.g. an ssh-ed25519 line), given to the
	// workload as THALAMUS_TENANT_PUBKEY.
	TenantPubKey string `json:"tenant_pub_key,omitempty"`
	// CPUs and MemoryMB are the workload's limits (0: the provider's per-GPU maximum times
	// the GPUs); a provider refuses a manifest asking for more than its maxima.
	CPUs     float64 `json:"cpus,omitempty"`
	MemoryMB int64   `json:"memory_mb,omitempty"`
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Parse decodes and checks a manifest: known fields only, an image or a command, at most
// 64 environment variables and 16 distinct ports, and at least one GPU.
func Parse(b []byte) (Manifest, error) {
	var m Manifest
	if len(b) > MaxManifestBytes {
		return m, fmt.Errorf("manifest is %d bytes, the limit is %d", len(b), MaxManifestBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("manifest: %w", err)
	}
	if dec.More() {
		return m, fmt.Errorf("manifest: trailing data after the JSON object")
	}
	switch {
	case m.Image == "" && len(m.Command) == 0:
		return m, fmt.Errorf("manifest needs an image or a command")
	case slices.Contains(m.Command, ""):
		return m, fmt.Errorf("manifest command has an empty argument")
	case m.GPUs < 1:
		return m, fmt.Errorf("manifest gpus must be at least 1, got %d", m.GPUs)
	case len(m.Env) > 64:
		return m, fmt.Errorf("manifest has %d environment variables, at most 64", len(m.Env))
	case len(m.Ports) > 16:
		return m, fmt.Errorf("manifest has %d ports, at most 16", len(m.Ports))
	case m.CPUs < 0 || m.CPUs > 4096 || math.IsNaN(m.CPUs):
		return m, fmt.Errorf("manifest cpus must be in [0, 4096], got %v", m.CPUs)
	case m.MemoryMB < 0 || m.MemoryMB > 64<<20:
		return m, fmt.Errorf("manifest memory_mb must be in [0, %d], got %d", 64<<20, m.MemoryMB)
	}
	for k := range m.Env {
		if !envName.MatchString(k) {
			return m, fmt.Errorf("manifest env name %q is not a valid variable name", k)
		}
		if strings.HasPrefix(k, "NVIDIA_") {
			return m, fmt.Errorf("manifest env name %q is reserved: the provider pins the leased GPUs", k)
		}
	}
	seen := map[int]bool{}
	for _, p := range m.Ports {
		if p < 1 || p > 65535 || seen[p] {
			return m, fmt.Errorf("manifest port %d is out of range or repeated", p)
		}
		seen[p] = true
	}
	return m, nil
}

// Hash is the manifest hash a lease carries: SHA-256 of the exact bytes the tenant sends.
func Hash(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
