package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// Exec runs the manifest's command as a local process of the agent, for devnets and tests:
// the GPUs are pinned by CUDA_VISIBLE_DEVICES only, without isolation.
type Exec struct {
	// Dir is the working directory of every workload (default: the agent's).
	Dir string
}

// Name implements Runtime.
func (Exec) Name() string { return "exec" }

// Start implements Runtime. The process gets PATH and HOME from the agent, and the spec's
// environment; it runs in its own process group, so Stop reaches its children too.
func (e Exec) Start(_ context.Context, spec Spec, logs io.Writer) (Process, error) {
	if len(spec.Manifest.Command) == 0 {
		return nil, fmt.Errorf("%w: the exec runtime needs a command", ErrUnsupported)
	}
	cmd := exec.Command(spec.Manifest.Command[0], spec.Manifest.Command[1:]...)
	cmd.Dir = e.Dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, spec.Environment()...)
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
