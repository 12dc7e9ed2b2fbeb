package runtime

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/thalamus-network/thalamus/pkg/workload"
)

// fakeProcess exits when told to; Stop makes it exit cleanly.
type fakeProcess struct {
	exit    chan error
	stopped bool
}

func (p *fakeProcess) Wait() error { return <-p.exit }

func (p *fakeProcess) Stop(context.Context) error {
	p.stopped = true
	p.exit <- nil
	return nil
}

// fakeRuntime hands out processes (or start errors) in order.
type fakeRuntime struct {
	mu      sync.Mutex
	started []*fakeProcess
	failing int // the next starts that fail
	notify  chan *fakeProcess
}

func (*fakeRuntime) Name() string { return "fake" }

func (*fakeRuntime) Admit(Spec) error { return nil }

func (r *fakeRuntime) Start(context.Context, Spec, io.Writer) (Process, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failing > 0 {
		r.failing--
		r.notify <- nil
		return nil, errors.New("image not found")
	}
	p := &fakeProcess{exit: make(chan error, 1)}
	r.started = append(r.started, p)
	r.notify <- p
	return p, nil
}

// harness runs a supervisor with a manual clock: every back-off wait is reported on delays
// and ends when the test sends on wake.
type harness struct {
	rt     *fakeRuntime
	sup    *Supervisor
	delays chan time.Duration
	wake   chan time.Time
	now    time.Time
	cancel context.CancelFunc
	done   chan struct{}
}

func newHarness(t *testing.T, failing int) *harness {
	h := &harness{
		rt:     &fakeRuntime{failing: failing, notify: make(chan *fakeProcess, 16)},
		delays: make(chan time.Duration, 16), wake: make(chan time.Time), now: time.Unix(0, 0), done: make(chan struct{}),
	}
	h.sup = NewSupervisor(h.rt, Spec{LeaseID: 7}, NewLogs(10), Backoff{Initial: time.Second, Max: 4 * time.Second, StableAfter: time.Minute},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.sup.now = func() time.Time { return h.now }
	h.sup.after = func(d time.Duration) <-chan time.Time { h.delays <- d; return h.wake }
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.sup.Run(ctx, time.Second); close(h.done) }()
	t.Cleanup(func() { cancel(); <-h.done })
	return h
}

func (h *harness) started(t *testing.T) *fakeProcess {
	t.Helper()
	select {
	case p := <-h.rt.notify:
		return p
	case <-time.After(5 * time.Second):
		t.Fatal("no start")
		return nil
	}
}

func (h *harness) waitState(t *testing.T, s State) Status {
	t.Helper()
	require.Eventually(t, func() bool { return h.sup.Status().State == s }, 5*time.Second, time.Millisecond, "state %s", s)
	return h.sup.Status()
}

func (h *harness) delay(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-h.delays:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("no back-off")
		return 0
	}
}

// A detached supervisor (the agent shuts down) leaves its workload running.
func TestSupervisorDetachLeavesTheWorkloadRunning(t *testing.T) {
	h := newHarness(t, 0)
	p := h.started(t)
	h.waitState(t, StateRunning)
	h.sup.Detach()
	h.cancel()
	<-h.done
	require.False(t, p.stopped)
	require.Equal(t, StateDetached, h.sup.Status().State)
}

// A crash restarts the workload after a back-off that doubles up to its maximum and resets
// after a stable run; the lease ending stops it.
func TestSupervisorRestartsCrashesWithBackoff(t *testing.T) {
	h := newHarness(t, 0)
	p := h.started(t)
	h.waitState(t, StateRunning)

	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		p.exit <- errors.New("exit status 1")
		require.Equal(t, want, h.delay(t))
		st := h.waitState(t, StateRestarting)
		require.Equal(t, "exit status 1", st.LastError)
		h.wake <- h.now
		p = h.started(t)
		h.waitState(t, StateRunning)
	}
	require.Equal(t, 4, h.sup.Status().Restarts)

	h.now = h.now.Add(2 * time.Minute) // a stable run resets the back-off
	p.exit <- errors.New("signal: killed")
	require.Equal(t, time.Second, h.delay(t))
	h.wake <- h.now
	p = h.started(t)
	h.waitState(t, StateRunning)

	h.cancel()
	<-h.done
	require.True(t, p.stopped, "the lease ending stops the workload")
	require.Equal(t, StateStopped, h.sup.Status().State)
}

func TestSupervisorRetriesFailedStarts(t *testing.T) {
	h := newHarness(t, 2)
	require.Nil(t, h.started(t))
	require.Equal(t, time.Second, h.delay(t))
	require.Equal(t, "image not found", h.waitState(t, StateRestarting).LastError)
	h.wake <- h.now
	require.Nil(t, h.started(t))
	require.Equal(t, 2*time.Second, h.delay(t))
	h.wake <- h.now
	require.NotNil(t, h.started(t))
	h.waitState(t, StateRunning)
}

// A clean exit restarts the workload too: the lease runs it until the lease ends.
func TestSupervisorRestartsCleanExits(t *testing.T) {
	h := newHarness(t, 0)
	p := h.started(t)
	h.waitState(t, StateRunning)
	p.exit <- nil
	require.Equal(t, time.Second, h.delay(t))
	require.Equal(t, "exited with status 0", h.waitState(t, StateRestarting).LastError)
	h.wake <- h.now
	require.NotNil(t, h.started(t))
	h.waitState(t, StateRunning)
	h.cancel()
	<-h.done
	require.Equal(t, StateStopped, h.sup.Status().State)
}

func TestSpecEnvironmentPinsGPUs(t *testing.T) {
	s := Spec{LeaseID: 3, GPUs: []string{"GPU-a", "GPU-b"}, Ports: map[int]int{8080: 31001, 9000: 31002}}
	s.Manifest.Env = map[string]string{"MODE": "x", "CUDA_VISIBLE_DEVICES": "all"}
	s.Manifest.Ports = []int{8080, 9000}
	s.Manifest.TenantPubKey = "ssh-ed25519 K"
	require.Equal(t, []string{
		"CUDA_VISIBLE_DEVICES=GPU-a,GPU-b", "MODE=x", "NVIDIA_VISIBLE_DEVICES=GPU-a,GPU-b", "PORT=31001",
		"PORT_8080=31001", "PORT_9000=31002", "THALAMUS_LEASE_ID=3", "THALAMUS_TENANT_PUBKEY=ssh-ed25519 K",
	}, s.Environment(true), "the manifest cannot unpin the GPUs")
	require.Contains(t, s.Environment(false), "PORT_9000=9000", "a container listens on the manifest's port")
}

func TestLogsTailAndFollow(t *testing.T) {
	l := NewLogs(3)
	_, _ = l.Write([]byte("a\nb\nc"))
	require.Equal(t, "a\nb\n", string(l.Tail(0)))
	_, _ = l.Write([]byte("\nd\n"))
	require.Equal(t, "b\nc\nd\n", string(l.Tail(0)), "only the last 3 lines are kept")
	require.Equal(t, "d\n", string(l.Tail(1)))
	tail, lines, stop := l.Follow(1)
	defer stop()
	require.Equal(t, "d\n", string(tail))
	_, _ = l.Write([]byte("e\n"))
	require.Equal(t, "e\n", string(<-lines))
}

// The exec runtime runs the command with the pinned environment, and Stop ends it.
func TestExecRuntime(t *testing.T) {
	logs := NewLogs(10)
	sh, err := exec.LookPath("sh")
	require.NoError(t, err)
	rt := Exec{Allow: []string{sh}}
	spec := Spec{LeaseID: 1, GPUs: []string{"GPU-x"}}
	spec.Manifest.Command = []string{sh, "-c", `echo "gpus=$CUDA_VISIBLE_DEVICES"; exec sleep 30`}
	p, err := rt.Start(context.Background(), spec, logs)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return string(logs.Tail(0)) == "gpus=GPU-x\n" }, 5*time.Second, 10*time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, p.Stop(ctx))
	require.Error(t, p.Wait(), "terminated by a signal")

	p, err = rt.Start(context.Background(), Spec{Manifest: spec.Manifest}, logs)
	require.NoError(t, err)
	require.NoError(t, p.Stop(ctx))
	_, err = rt.Start(context.Background(), Spec{}, logs)
	require.ErrorIs(t, err, ErrUnsupported)
}

// The exec runtime runs only the programs the operator listed, whatever path leads to them.
func TestExecRuntimeAllowList(t *testing.T) {
	dir := t.TempDir()
	allowed := filepath.Join(dir, "bin", "workload")
	require.NoError(t, os.MkdirAll(filepath.Dir(allowed), 0o750))
	require.NoError(t, os.WriteFile(allowed, []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.Symlink("/bin/sh", filepath.Join(dir, "bin", "sneaky")))
	spec := func(cmd ...string) Spec { return Spec{Manifest: workload.Manifest{Command: cmd}} }
	for _, rt := range []Exec{{Allow: []string{allowed}}, {Allow: []string{filepath.Join(dir, "bin")}}} {
		require.NoError(t, rt.Admit(spec(allowed, "--flag")))
		require.NoError(t, rt.Admit(spec(filepath.Join(dir, "bin", ".", "workload"))))
		require.ErrorIs(t, rt.Admit(spec("/bin/sh", "-c", "id")), ErrRefused)
		require.ErrorIs(t, rt.Admit(spec("workload")), ErrRefused, "relative: PATH would choose")
		require.ErrorIs(t, rt.Admit(spec(filepath.Join(dir, "bin", "..", "bin", "..", "etc"))), ErrRefused)
		require.ErrorIs(t, rt.Admit(spec(filepath.Join(dir, "bin", "sneaky"))), ErrRefused, "a link out of the allowed folder")
	}
	require.ErrorIs(t, Exec{}.Admit(spec(allowed)), ErrRefused, "nothing is allowed by default")
}
