package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Exec runs the manifest's command as a local process of the agent, for devnets and tests:
// the GPUs are pinned by CUDA_VISIBLE_DEVICES only, without isolation, so it runs only the
// programs the operator lists.
type Exec struct {
	// Dir is the working directory of every workload (default: the agent's).
	Dir string
	// Allow lists the programs (absolute paths) and the folders of programs a manifest's
	// command may name; a command outside them is refused. Empty: nothing runs.
	Allow []string
}

// Name implements Runtime.
func (Exec) Name() string { return "exec" }

// Admit implements Runtime: the command must be an absolute path to an allowed program (or
// one inside an allowed folder), symbolic links resolved.
func (e Exec) Admit(spec Spec) error {
	if len(spec.Manifest.Command) == 0 {
		return fmt.Errorf("%w: the exec runtime needs a command", ErrUnsupported)
	}
	program := spec.Manifest.Command[0]
	if !filepath.IsAbs(program) {
		return fmt.Errorf("%w: the exec runtime runs absolute paths only, got %q", ErrRefused, program)
	}
	resolved, err := filepath.EvalSymlinks(program)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrRefused, program, err) //nolint:errorlint // detail of the refusal
	}
	for _, allowed := range e.Allow {
		if a, err := filepath.EvalSymlinks(allowed); err == nil && within(resolved, a) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not under an allowed path (--exec-allow)", ErrRefused, program)
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// Start implements Runtime. The process gets PATH and HOME from the agent, and the spec's
// environment; it runs in its own process group, so Stop reaches its children too.
func (e Exec) Start(_ context.Context, spec Spec, logs io.Writer) (Process, error) {
	if err := e.Admit(spec); err != nil {
		return nil, err
	}
	cmd := exec.Command(spec.Manifest.Command[0], spec.Manifest.Command[1:]...)
	cmd.Dir = e.Dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, spec.Environment(true)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &execProcess{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

type execProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func (p *execProcess) Wait() error { <-p.done; return p.err }

// Stop sends SIGTERM to the process group and SIGKILL once ctx is done.
func (p *execProcess) Stop(ctx context.Context) error {
	pgid := -p.cmd.Process.Pid
	if err := syscall.Kill(pgid, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	select {
	case <-p.done:
		return nil
	case <-ctx.Done():
		if err := syscall.Kill(pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return err
		}
		<-p.done
		return nil
	}
}
