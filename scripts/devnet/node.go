package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// node is one thalamusd home directory and the binary that manages it.
type node struct {
	binary  string
	home    string
	moniker string
}

// run executes a thalamusd subcommand against the node's home and returns its stdout.
func (n node) run(stdin string, args ...string) (string, error) {
	args = append(args, "--home", n.home)
	cmd := exec.Command(n.binary, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("thalamusd %s: %w\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

func (n node) init(chainID, denom string) error {
	_, err := n.run("", "init", n.moniker, "--chain-id", chainID, "--default-denom", denom)
	return err
}

// addKey imports an account's mnemonic into the test keyring, or creates a new key.
func (n node) addKey(name, mnemonic string) (string, error) {
	if mnemonic != "" {
		if _, err := n.run(mnemonic+"\n", "keys", "add", name, "--recover", "--keyring-backend", "test"); err != nil {
			return "", err
		}
	} else {
		out, err := n.run("", "keys", "add", name, "--keyring-backend", "test", "--output", "json")
		if err != nil {
			return "", err
		}
		// Keep the generated mnemonic next to the keyring, so a dev key can be recovered.
		if err := os.WriteFile(filepath.Join(n.home, name+".key.json"), []byte(out), 0o600); err != nil {
			return "", err
		}
	}
	return n.run("", "keys", "show", name, "-a", "--keyring-backend", "test")
}

// addAccounts funds config.yml's accounts in genesis, importing keys for those without a
// fixed address, and returns each account's address by name.
func (n node) addAccounts(accounts []Account) (map[string]string, error) {
	addresses := make(map[string]string, len(accounts))
	for _, acc := range accounts {
		addr := acc.Address
		if addr == "" {
			var err error
			if addr, err = n.addKey(acc.Name, acc.Mnemonic); err != nil {
				return nil, err
			}
		}
		addresses[acc.Name] = addr
		if err := n.addGenesisAccount(addr, acc.Coins); err != nil {
			return nil, err
		}
	}
	return addresses, nil
}

func (n node) addGenesisAccount(address string, coins []string) error {
	_, err := n.run("", "genesis", "add-genesis-account", address, strings.Join(coins, ","), "--keyring-backend", "test")
	return err
}

func (n node) gentx(key, bonded, chainID, outputDir string) error {
	_, err := n.run("", "genesis", "gentx", key, bonded, "--chain-id", chainID, "--moniker", n.moniker,
		"--keyring-backend", "test", "--output-document", filepath.Join(outputDir, "gentx-"+n.moniker+".json"))
	return err
}

func (n node) nodeID() (string, error) {
	return n.run("", "comet", "show-node-id")
}

// set writes overrides into config/<file>.toml; config.toml is CometBFT's, which confix cannot validate.
func (n node) set(file string, values map[string]string) error {
	for _, key := range sortedKeys(values) {
		args := []string{"config", "set", file, key, values[key]}
		if file == "config" {
			args = append(args, "--skip-validate")
		}
		if _, err := n.run("", args...); err != nil {
			return err
		}
	}
	return nil
}

// applyOverrides writes a validator's app/config/client maps from config.yml.
func (n node) applyOverrides(v Validator) error {
	for file, m := range map[string]map[string]any{"app": v.App, "config": v.Config, "client": v.Client} {
		values := map[string]string{}
		flatten("", m, values)
		if err := n.set(file, values); err != nil {
			return err
		}
	}
	return nil
}

func (n node) genesisPath() string { return filepath.Join(n.home, "config", "genesis.json") }

// mergeGenesis deep-merges config.yml's genesis section (less chain_id, set at init) into genesis.json.
func (n node) mergeGenesis(overrides map[string]any) error {
	bz, err := os.ReadFile(n.genesisPath())
	if err != nil {
		return err
	}
	var genesis map[string]any
	if err := json.Unmarshal(bz, &genesis); err != nil {
		return err
	}
	rest := map[string]any{}
	for k, v := range overrides {
		if k != "chain_id" {
			rest[k] = v
		}
	}
	mergeInto(genesis, rest)
	out, err := json.MarshalIndent(genesis, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(n.genesisPath(), out, 0o600); err != nil {
		return err
	}
	_, err = n.run("", "genesis", "validate")
	return err
}

// copyFile copies src to dst, replacing dst.
func copyFile(src, dst string) error {
	bz, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, bz, 0o600)
}
