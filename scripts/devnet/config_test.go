package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepositoryConfigLoads(t *testing.T) {
	cfg, err := loadConfig("../../config.yml")
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.chainID(""); got != "thalamus-local-1" {
		t.Fatalf("chain id %q", got)
	}
	if len(cfg.Validators) != 1 || cfg.Validators[0].Name != "alice" {
		t.Fatalf("validators %+v", cfg.Validators)
	}
}

func TestLoadConfigRejects(t *testing.T) {
	cases := map[string]string{
		"no validators":         "accounts: [{name: a, coins: [1uthal]}]\n",
		"unknown validator":     "accounts: [{name: a, coins: [1uthal]}]\nvalidators: [{name: b, bonded: 1uthal}]\n",
		"account without coins": "accounts: [{name: a}]\nvalidators: [{name: a, bonded: 1uthal}]\n",
		"faucet":                "accounts: [{name: a, coins: [1uthal]}]\nvalidators: [{name: a, bonded: 1uthal}]\nfaucet: {enabled: true}\n",
		"not yaml":              "accounts: [\n",
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yml")
			if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := loadConfig(path); err == nil {
				t.Fatal("expected an error")
			}
		})
	}
}

func TestFlatten(t *testing.T) {
	out := map[string]string{}
	flatten("", map[string]any{
		"api":                map[string]any{"enable": true},
		"minimum-gas-prices": "0uthal",
		"rpc":                map[string]any{"cors_allowed_origins": []any{"*"}},
	}, out)
	want := map[string]string{"api.enable": "true", "minimum-gas-prices": "0uthal", "rpc.cors_allowed_origins": `["*"]`}
	if len(out) != len(want) {
		t.Fatalf("got %v", out)
	}
	for k, v := range want {
		if out[k] != v {
			t.Fatalf("%s = %q, want %q", k, out[k], v)
		}
	}
}

func TestMergeInto(t *testing.T) {
	dst := map[string]any{"app_state": map[string]any{"gov": map[string]any{"params": map[string]any{"a": 1, "b": 2}}}}
	mergeInto(dst, map[string]any{"app_state": map[string]any{"gov": map[string]any{"params": map[string]any{"b": 3}}}})
	params := dst["app_state"].(map[string]any)["gov"].(map[string]any)["params"].(map[string]any)
	if params["a"] != 1 || params["b"] != 3 {
		t.Fatalf("merged params %v", params)
	}
}
