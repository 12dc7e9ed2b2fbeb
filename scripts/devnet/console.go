package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"time"
)

// consoleAddr is where a localnet serves the web console (web/dist).
const consoleAddr = "127.0.0.1:8088"

// consoleConfig is the console's /config.json: where the node answers, and the localnet's
// public development keys (config.yml's mnemonics) for its dev-key signing mode and its
// permission to fetch batches from a loopback gateway. Only this devnet server hands them
// out; a console served elsewhere has neither.
type consoleConfig struct {
	REST    string   `json:"rest"`
	RPC     string   `json:"rpc"`
	ChainID string   `json:"chainId"`
	DevKeys []devKey `json:"devKeys"`
	// AllowPrivateBatchHosts lets the console fetch batches from the devnet's loopback gateway.
	AllowPrivateBatchHosts bool `json:"allowPrivateBatchHosts"`
}

type devKey struct {
	Name     string `json:"name"`
	Mnemonic string `json:"mnemonic"`
}

// consoleHandler serves the built console from dir: its files, /config.json, and index.html
// for every other path, so each page's URL loads directly.
func consoleHandler(dir string, cfg consoleConfig) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/config.json" {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_ = json.NewEncoder(w).Encode(cfg)
			return
		}
		clean := path.Clean("/" + r.URL.Path)
		if info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(clean))); err != nil || info.IsDir() {
			http.ServeFile(w, r, filepath.Join(dir, "index.html"))
			return
		}
		files.ServeHTTP(w, r)
	})
}

// serveConsole serves the console on addr until ctx ends; without a built console (dir has
// no index.html) it says so and serves nothing.
func serveConsole(ctx context.Context, dir, addr string, cfg consoleConfig) error {
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		step("no web console in %s (make web builds it): not serving one", dir)
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web console: %w", err)
	}
	srv := &http.Server{Handler: consoleHandler(dir, cfg), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			step("web console stopped: %v", err)
		}
	}()
	return nil
}

func devKeys(accounts []Account) []devKey {
	var keys []devKey
	for _, a := range accounts {
		if a.Mnemonic != "" {
			keys = append(keys, devKey{Name: a.Name, Mnemonic: a.Mnemonic})
		}
	}
	return keys
}
