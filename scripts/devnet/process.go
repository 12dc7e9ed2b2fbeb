package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is one long-running program the devnet starts, with its log file.
type process struct {
	name string
	args []string
	log  string
	cmd  *exec.Cmd
	done chan error
}

// start launches the process in its own process group, so a terminal's Ctrl-C reaches
// only the devnet tool, which then stops its children in order.
func (p *process) start() error {
	if err := os.MkdirAll(filepath.Dir(p.log), 0o755); err != nil {
		return err
	}
	logFile, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	p.cmd = exec.Command(p.args[0], p.args[1:]...)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := p.cmd.Start(); err != nil {
		return errors.Join(fmt.Errorf("start %s: %w", p.name, err), logFile.Close())
	}
	p.done = make(chan error, 1)
	go func() {
		p.done <- errors.Join(p.cmd.Wait(), logFile.Close())
	}()
	return nil
}

// stop sends SIGTERM and, after grace, SIGKILL; it returns how the process ended.
func (p *process) stop(grace time.Duration) error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM) // the group may be gone already
	select {
	case err := <-p.done:
		return err
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return fmt.Errorf("did not stop within %s, killed: %w", grace, <-p.done)
	}
}

// writePID records a detached process so `devnet stop` can find it later.
func writePID(path string, pid int) error {
	return os.WriteFile(path, []byte(strconv.Itoa(pid)+"\n"), 0o644)
}

// stopPID stops the process group recorded in a pid file and removes the file.
func stopPID(path string, grace time.Duration) (bool, error) {
	bz, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(bz)))
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	defer func() { _ = os.Remove(path) }()
	if !alive(pid) {
		return false, nil
	}
	_ = syscall.Kill(-pid, syscall.SIGTERM)
	for deadline := time.Now().Add(grace); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if !alive(pid) {
			return true, nil
		}
	}
	_ = syscall.Kill(-pid, syscall.SIGKILL)
	return true, nil
}

func alive(pid int) bool {
	return syscall.Kill(pid, 0) == nil
}

// lastLines returns the end of a log file, for error messages.
func lastLines(path string, n int) string {
	bz, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(bz), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
