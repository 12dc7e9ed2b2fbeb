// Command attack tries, on a running localnet (make attack starts a fresh one), what a hostile
// account can do to the machines that read the chain, and prints a table attack | expected |
// observed. It exits 1 when any attack is not stopped as expected.
//
// The attacker is an ordinary account (the localnet's tenant): it registers devices and commits
// batches whose URIs point at the validator's own machine, at cloud metadata, at a server
// that redirects, hangs, serves a bad certificate or too much data; it sends the provider
// replayed, expired, oversized and over-limit requests, and the gateway forged, duplicated,
// replayed and oversized readings.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thalamus-network/thalamus/internal/chainclient"
)

type config struct {
	home, node, key       string
	gateway, provider     string // the localnet's gateway and GPU provider endpoint
	attacker, attackerTLS string // HOST:PORT of the attacker's servers (the localnet allows both)
	agentBinary           string // the program the provider's exec runtime allows
	hostile               int    // batches pointing at a server that never answers
}

// result is one row of the table.
type result struct {
	attack, expected, observed string
	ok                         bool
}

func main() {
	home, _ := os.UserHomeDir()
	agent, _ := filepath.Abs("build/devnet-bin/thalamus-agent")
	var cfg config
	flag.StringVar(&cfg.home, "home", filepath.Join(home, ".thalamus-localnet"), "the localnet's home (its keyring holds the attacker account)")
	flag.StringVar(&cfg.node, "node", "tcp://127.0.0.1:26657", "CometBFT RPC")
	flag.StringVar(&cfg.key, "from", "tenant", "the attacker's key")
	flag.StringVar(&cfg.gateway, "gateway", "http://127.0.0.1:8090", "the localnet's sensor gateway")
	flag.StringVar(&cfg.provider, "provider", "http://127.0.0.1:8080", "the localnet's GPU provider endpoint")
	flag.StringVar(&cfg.attacker, "attacker", "127.0.0.1:8099", "HOST:PORT of the attacker's HTTP server (on the localnet's --allow-fetch list, as a public server would be)")
	flag.StringVar(&cfg.attackerTLS, "attacker-tls", "127.0.0.1:8098", "HOST:PORT of the attacker's HTTPS server with an untrusted certificate (also allowed)")
	flag.StringVar(&cfg.agentBinary, "agent-binary", agent, "the thalamus-agent the provider's exec runtime allows")
	flag.IntVar(&cfg.hostile, "hostile", 100, "batches committed at once pointing at a server that accepts and never answers")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: attack [flags]\n\nTries each attack on a running localnet and prints what stopped it (make attack).\n\nFlags:\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	os.Exit(attack(cfg))
}

// attack runs the attacks, prints the table and returns the exit code.
func attack(cfg config) int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	results, err := run(ctx, cfg, logger)
	print(results)
	if err != nil {
		fmt.Fprintln(os.Stderr, "attack:", err)
		return 1
	}
	for _, r := range results {
		if !r.ok {
			return 1
		}
	}
	return 0
}

func run(ctx context.Context, cfg config, logger *slog.Logger) ([]result, error) {
	srv, err := startServers(ctx, cfg)
	if err != nil {
		return nil, err
	}
	chain, err := chainclient.Dial(ctx, chainclient.ChainConfig{Node: cfg.node, KeyringDir: cfg.home, KeyringBackend: "test", From: cfg.key})
	if err != nil {
		return nil, err
	}
	a := &attacker{cfg: cfg, chain: chain, srv: srv, log: logger}
	var results []result
	for _, step := range []func(context.Context) ([]result, error){a.gatewayReadings, a.oversized, a.provider, a.batchURIs} {
		rs, err := step(ctx)
		results = append(results, rs...)
		if err != nil {
			return results, err
		}
	}
	return results, nil
}

// print writes the table to stdout.
func print(results []result) {
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(w, "attack\texpected\tobserved\t")
	_, _ = fmt.Fprintln(w, "---\t---\t---\t")
	misses := 0
	for _, r := range results {
		mark := ""
		if !r.ok {
			mark, misses = "MISS", misses+1
		}
		_, _ = fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.attack, r.expected, strings.ReplaceAll(r.observed, "\n", " "), mark)
	}
	_ = w.Flush()
	fmt.Printf("\n%d attacks, %d stopped as expected, %d missed\n", len(results), len(results)-misses, misses)
}

// check builds a row.
func check(attack, expected, observed string, ok bool) result {
	return result{attack: attack, expected: expected, observed: observed, ok: ok}
}
