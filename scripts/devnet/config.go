package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Config is the subset of Ignite's config.yml that the devnet tool understands.
type Config struct {
	Version      int         `json:"version"`
	DefaultDenom string      `json:"default_denom"`
	Accounts     []Account   `json:"accounts"`
	Validators   []Validator `json:"validators"`
	Faucet       struct {
		Enabled bool `json:"enabled"`
	} `json:"faucet"`
	Genesis map[string]any `json:"genesis"`
}

// Account is a funded genesis account; with a mnemonic its key is imported into the test keyring.
type Account struct {
	Name     string   `json:"name"`
	Coins    []string `json:"coins"`
	Mnemonic string   `json:"mnemonic"`
	Address  string   `json:"address"`
}

// Validator names the account that bonds, and overrides for app.toml, config.toml and client.toml.
type Validator struct {
	Name   string         `json:"name"`
	Bonded string         `json:"bonded"`
	App    map[string]any `json:"app"`
	Config map[string]any `json:"config"`
	Client map[string]any `json:"client"`
}

func loadConfig(path string) (*Config, error) {
	bz, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cfg Config
	// Ignite fields this tool does not use (build, client, ...) are ignored.
	if err := yaml.Unmarshal(bz, &cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if cfg.DefaultDenom == "" {
		cfg.DefaultDenom = "uthal"
	}
	if len(cfg.Validators) == 0 {
		return nil, fmt.Errorf("%s: no validators", path)
	}
	if cfg.Faucet.Enabled {
		return nil, fmt.Errorf("%s: faucet.enabled is not supported; fund accounts in accounts[]", path)
	}
	names := map[string]bool{}
	for _, a := range cfg.Accounts {
		if a.Name == "" || len(a.Coins) == 0 {
			return nil, fmt.Errorf("%s: every account needs a name and coins", path)
		}
		names[a.Name] = true
	}
	for _, v := range cfg.Validators {
		if !names[v.Name] {
			return nil, fmt.Errorf("%s: validator %q must be one of accounts[]", path, v.Name)
		}
	}
	return &cfg, nil
}

// chainID returns genesis.chain_id, or fallback.
func (c *Config) chainID(fallback string) string {
	if id, ok := c.Genesis["chain_id"].(string); ok && id != "" {
		return id
	}
	return fallback
}

// flatten turns nested override maps into sorted dotted keys, as `thalamusd config set` takes them.
func flatten(prefix string, m map[string]any, out map[string]string) {
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch val := v.(type) {
		case map[string]any:
			flatten(key, val, out)
		case []any:
			parts := make([]string, len(val))
			for i, item := range val {
				parts[i] = fmt.Sprintf("%q", fmt.Sprint(item))
			}
			out[key] = "[" + strings.Join(parts, ", ") + "]"
		default:
			out[key] = fmt.Sprint(val)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mergeInto deep-merges src into dst: maps merge key by key, anything else replaces.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				mergeInto(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}
