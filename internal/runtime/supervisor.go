package runtime

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// State is where a supervised workload is.
type State string

const (
	StateStarting   State = "starting"
	StateRunning    State = "running"
	StateRestarting State = "restarting" // waiting out the back-off after an exit
	StateStopped    State = "stopped"    // stopped because the lease closed or paused
	StateDetached   State = "detached"   // left running for the next agent (containers)
)

// Status is a supervised workload's state, for the tenant's status request.
type Status struct {
	State     State     `json:"state"`
	Restarts  int       `json:"restarts"`
	LastError string    `json:"last_error,omitempty"`
	StartedAt time.Time `json:"started_at,omitzero"`
}

// Backoff is the restart delay: Initial after the first crash, doubling up to Max, and
// back to Initial once a run lasted StableAfter.
type Backoff struct {
	Initial, Max, StableAfter time.Duration
}

// DefaultBackoff is 1 s doubling to 1 min, reset after 1 min of running.
var DefaultBackoff = Backoff{Initial: time.Second, Max: time.Minute, StableAfter: time.Minute}

// Supervisor runs one workload until its context ends, restarting it after a crash.
type Supervisor struct {
	rt      Runtime
	spec    Spec
	logs    *Logs
	backoff Backoff
	log     *slog.Logger
	// now and after are the clock; tests replace them.
	now   func() time.Time
	after func(time.Duration) <-chan time.Time

	mu       sync.Mutex
	status   Status
	detached atomic.Bool
}

// NewSupervisor prepares a supervisor; Run starts the workload.
func NewSupervisor(rt Runtime, spec Spec, logs *Logs, backoff Backoff, log *slog.Logger) *Supervisor {
	return &Supervisor{rt: rt, spec: spec, logs: logs, backoff: backoff, log: log, now: time.Now, after: time.After,
		status: Status{State: StateStarting}}
}

// Detach makes Run leave the workload running when its context ends: the agent is shutting
// down, not the lease, and a container outlives the agent, which adopts it when it starts again.
func (s *Supervisor) Detach() { s.detached.Store(true) }

// Status returns the current status.
func (s *Supervisor) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

// Logs returns the workload's log buffer.
func (s *Supervisor) Logs() *Logs { return s.logs }

func (s *Supervisor) update(f func(*Status)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.status)
}

// errExitedCleanly is the exit of a workload that ended with status 0.
var errExitedCleanly = errors.New("exited with status 0")

// Run starts the workload and keeps it running until ctx ends, then stops it (waiting up
// to stopTimeout before it is killed). Any exit, or a failed start, restarts it after the
// back-off, as a Kubernetes deployment does: a lease pays for a workload that runs, and an
// exit with status 0 may be the engine stopping it (an engine restart) rather than the
// workload finishing.
func (s *Supervisor) Run(ctx context.Context, stopTimeout time.Duration) {
	delay := s.backoff.Initial
	for {
		s.update(func(st *Status) { st.State = StateStarting })
		p, err := s.rt.Start(ctx, s.spec, s.logs)
		if err == nil {
			started := s.now()
			s.update(func(st *Status) { st.State, st.StartedAt = StateRunning, started })
			s.log.Info("workload running", "lease", s.spec.LeaseID, "runtime", s.rt.Name(), "gpus", s.spec.GPUs)
			exited := make(chan error, 1)
			go func() { exited <- p.Wait() }()
			select {
			case <-ctx.Done():
				if s.detached.Load() {
					s.update(func(st *Status) { st.State = StateDetached })
					s.log.Info("workload left running for the next agent", "lease", s.spec.LeaseID)
					return
				}
				stopCtx, cancel := context.WithTimeout(context.Background(), stopTimeout)
				if err := p.Stop(stopCtx); err != nil {
					s.log.Warn("workload stop failed", "lease", s.spec.LeaseID, "err", err)
				}
				cancel()
				if err := <-exited; err != nil { // stopped on purpose: a signal exit is expected
					s.log.Debug("workload exited after stop", "lease", s.spec.LeaseID, "err", err)
				}
				s.update(func(st *Status) { st.State = StateStopped })
				s.log.Info("workload stopped", "lease", s.spec.LeaseID)
				return
			case err = <-exited:
			}
			if err == nil {
				err = errExitedCleanly
			}
			if s.now().Sub(started) >= s.backoff.StableAfter {
				delay = s.backoff.Initial
			}
		}
		msg := err.Error()
		s.log.Warn("workload exited; restarting", "lease", s.spec.LeaseID, "err", msg, "in", delay)
		s.update(func(st *Status) { st.State, st.LastError = StateRestarting, msg; st.Restarts++ })
		select {
		case <-ctx.Done():
			s.update(func(st *Status) { st.State = StateStopped })
			return
		case <-s.after(delay):
		}
		delay = min(2*delay, s.backoff.Max)
	}
}
