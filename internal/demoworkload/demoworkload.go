// Package demoworkload is a small tenant workload for devnets and tests, run by
// `thalamus-agent demo-workload` (exec runtime) and, as a static binary in a FROM scratch
// image, by the Docker runtime. It serves on $PORT:
//
//	GET /        the lease and GPUs it was started with
//	GET /self    what confines it, read from inside: capabilities, no_new_privs, cgroup limits
//	GET /probe   ?addr=HOST:PORT, whether it can open a TCP connection there
//	POST /crash  exits with status 3 (to watch the provider restart it)
package demoworkload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// Run serves until ctx ends; it needs $PORT.
func Run(ctx context.Context, logger *slog.Logger) error {
	port := os.Getenv("PORT")
	if port == "" {
		return errors.New("PORT is not set: the provider agent sets it from the manifest's ports")
	}
	info := map[string]string{
		"lease":                os.Getenv("THALAMUS_LEASE_ID"),
		"cuda_visible_devices": os.Getenv("CUDA_VISIBLE_DEVICES"),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, info) })
	mux.HandleFunc("GET /self", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, Confinement()) })
	mux.HandleFunc("GET /probe", func(w http.ResponseWriter, r *http.Request) {
		addr := r.URL.Query().Get("addr")
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second) //nolint:gosec // its purpose: tests ask the confined workload to reach what it must not
		out := map[string]any{"addr": addr, "reachable": err == nil}
		if err != nil {
			out["error"] = err.Error()
		} else {
			_ = conn.Close()
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("POST /crash", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		fmt.Println("demo workload crashing on request")
		go func() { time.Sleep(100 * time.Millisecond); os.Exit(3) }()
	})
	srv := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	logger.Info("demo workload serving", "port", port, "lease", info["lease"], "gpus", info["cuda_visible_devices"])
	fmt.Println("demo workload up on port", port, "with GPUs", info["cuda_visible_devices"])
	go func() { <-ctx.Done(); _ = srv.Close() }()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Confinement reads what the kernel applies to this process: its effective capabilities and
// no_new_privs (/proc/self/status), and its cgroup's memory, process and CPU limits (v1 or v2).
func Confinement() map[string]string {
	out := map[string]string{}
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			for _, field := range []string{"CapEff", "CapBnd", "NoNewPrivs", "Uid"} {
				if v, ok := strings.CutPrefix(line, field+":"); ok {
					out[field] = strings.TrimSpace(v)
				}
			}
		}
	}
	for name, paths := range map[string][]string{
		"memory_limit": {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"},
		"memory_swap":  {"/sys/fs/cgroup/memory.swap.max", "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"},
		"pids_max":     {"/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/pids/pids.max"},
		"cpu_max":      {"/sys/fs/cgroup/cpu.max"},
		"cpu_quota_us": {"/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us"},
		"cpu_period":   {"/sys/fs/cgroup/cpu/cpu.cfs_period_us", "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us"},
	} {
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil { //nolint:gosec // fixed kernel paths
				out[name] = strings.TrimSpace(string(b))
				break
			}
		}
	}
	return out
}
