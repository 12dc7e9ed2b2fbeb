package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// cosmovisorOptions run each testnet node under cosmovisor (tools/cosmovisor), with upgrade
// binaries staged beforehand, as validators run them: at an upgrade's height the node halts,
// cosmovisor switches to the staged binary and starts it again.
type cosmovisorOptions struct {
	path     string            // the cosmovisor binary; empty: nodes run thalamusd directly
	upgrades map[string]string // plan name -> the thalamusd binary to switch to
}

// cosmovisorEnv is the environment cosmovisor reads for the node home: no downloads (binaries
// are staged), restart after the switch, no data backup (a testnet's data is disposable).
func cosmovisorEnv(home string) []string {
	return []string{
		"DAEMON_NAME=thalamusd", "DAEMON_HOME=" + home,
		"DAEMON_ALLOW_DOWNLOAD_BINARIES=false", "DAEMON_RESTART_AFTER_UPGRADE=true",
		"DAEMON_POLL_INTERVAL=300ms", "UNSAFE_SKIP_BACKUP=true",
	}
}

// nodeCommand is the command that runs a testnet node: thalamusd start, or cosmovisor run start
// through env(1), so that `devnet restart` repeats it with the same environment.
func nodeCommand(binary, home string, cv cosmovisorOptions) []string {
	if cv.path == "" {
		return []string{binary, "start", "--home", home}
	}
	return append(append([]string{"env"}, cosmovisorEnv(home)...), cv.path, "run", "start", "--home", home)
}

// setupCosmovisor installs binary as the node's genesis binary and stages every upgrade's.
func setupCosmovisor(binary, home string, cv cosmovisorOptions) error {
	run := func(args ...string) error {
		cmd := exec.Command(cv.path, args...)
		cmd.Env = append(os.Environ(), cosmovisorEnv(home)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("cosmovisor %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("init", binary); err != nil {
		return err
	}
	for _, name := range sortedKeys(cv.upgrades) {
		if err := run("add-upgrade", name, cv.upgrades[name]); err != nil {
			return err
		}
		step("%s: upgrade %s staged: %s", filepath.Base(home), name, cv.upgrades[name])
	}
	return nil
}
