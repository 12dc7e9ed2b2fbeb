// Package sidecar is the validator's verifier: it watches x/oracle's open tasks, recomputes
// sampled proof-of-work winners of GPU challenges and scores sensor batches with the embedded
// quality model, and serves the results to its node over gRPC for the vote extensions.
package sidecar

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	cmtbytes "github.com/cometbft/cometbft/libs/bytes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/pkg/quality"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

// Config is what `thalamus-sidecar start` runs with.
type Config struct {
	// Listen is the gRPC address the node's ExtendVote calls (app.toml [oracle] sidecar_address).
	Listen string
	// StateDir keeps per-device model state across restarts.
	StateDir string
	// ModelFile, when set, is the quality model to score with instead of the embedded one
	// (its hash must be one of x/oracle's accepted_model_hashes, e.g. the previous model
	// during a rollout).
	ModelFile string
	// Validator identifies this validator in the winner sampling; empty: the node's consensus address.
	Validator string
	// Samples is how many winners of a challenge are recomputed (<= 0: all).
	Samples int
	// Workers verify GPU challenges in parallel (CPU-bound).
	Workers int
	// FetchWorkers fetch and score sensor batches in parallel (mostly waiting on gateways).
	FetchWorkers int
	// PerCommitter bounds the batches of one committer in flight, so a committer whose
	// gateway hangs cannot hold the fetch workers other committers need.
	PerCommitter int
	// Poll is how often open tasks are listed.
	Poll time.Duration
	// FetchTimeout bounds one batch fetch, retries included.
	FetchTimeout time.Duration
	// AllowFetch lists the HOST:PORT pairs fetched even at private addresses (devnets list
	// their own gateways); every other batch URI must be public (see pkg/egress).
	AllowFetch []string
	// Tamper, when set, rewrites every report before it is served. Only devnet builds set it,
	// to run a lying validator (cmd/thalamus-sidecar/faults_devnet.go).
	Tamper func(*oracletypes.TaskReport) *oracletypes.TaskReport
}

// Service is a running sidecar.
type Service struct {
	cfg     Config
	log     *slog.Logger
	metrics *Metrics
	chain   client.Context
	scorer  *DeviceScorer
	model   quality.Model
	// member is the node's consensus address (bech32): the sidecar verifies only the tasks
	// whose committee seats it, or that have none.
	member string

	mu         sync.Mutex
	open       map[uint64]oracletypes.Task // open tasks at the last poll
	seen       map[uint64]time.Time        // open tasks, with when they were first seen
	inflight   map[uint64]bool             // tasks handed to a worker
	busy       map[uint64]bool             // devices with batches in a worker: one job per device at a time
	results    map[uint64]*oracletypes.TaskReport
	challenges chan []oracletypes.Task        // GPU challenges, one task a job
	batches    *fairQueue[[]oracletypes.Task] // a committer's sensor tasks in task order, by committer
}

// New prepares a sidecar that reads the chain through chain (a query-only client context).
func New(cfg Config, chain client.Context, log *slog.Logger, metrics *Metrics) (*Service, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.FetchWorkers <= 0 {
		cfg.FetchWorkers = 16
	}
	if cfg.PerCommitter <= 0 {
		cfg.PerCommitter = 2
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.FetchTimeout <= 0 {
		cfg.FetchTimeout = 10 * time.Second
	}
	local, err := egress.LocalAddrs()
	if err != nil {
		return nil, fmt.Errorf("list this machine's addresses, which batch fetches must avoid: %w", err)
	}
	model := quality.Embedded()
	if cfg.ModelFile != "" {
		bz, err := os.ReadFile(cfg.ModelFile)
		if err != nil {
			return nil, err
		}
		if model, err = quality.Parse(bz); err != nil {
			return nil, fmt.Errorf("quality model %s: %w", cfg.ModelFile, err)
		}
	}
	policy := egress.Policy{Allow: cfg.AllowFetch, Local: local}
	scorer, err := NewDeviceScorer(model, filepath.Join(cfg.StateDir, "devices"), policy, cfg.FetchTimeout)
	if err != nil {
		return nil, err
	}
	return &Service{
		cfg: cfg, log: log, metrics: metrics, chain: chain, scorer: scorer, model: model,
		open: map[uint64]oracletypes.Task{}, seen: map[uint64]time.Time{}, inflight: map[uint64]bool{}, busy: map[uint64]bool{},
		results:    map[uint64]*oracletypes.TaskReport{},
		challenges: make(chan []oracletypes.Task, 1024),
		batches:    newFairQueue[[]oracletypes.Task](cfg.PerCommitter),
	}, nil
}

// Run serves the node and verifies tasks until ctx ends, then stops the gRPC server and
// lets the workers finish what they hold.
func (s *Service) Run(ctx context.Context) error {
	addr, err := s.nodeValidator(ctx)
	if ctx.Err() != nil {
		return nil // stopped while waiting for the node
	} else if err != nil {
		return err
	}
	if s.member, err = bech32.ConvertAndEncode(appconsts.AccountAddressPrefix+"valcons", addr); err != nil {
		return err
	}
	if s.cfg.Validator == "" {
		s.cfg.Validator = addr.String()
	}
	lis, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen for the node on %s: %w", s.cfg.Listen, err)
	}
	srv := grpc.NewServer()
	oracletypes.RegisterSidecarServer(srv, resultsServer{s})
	go func() {
		if err := srv.Serve(lis); err != nil {
			s.log.Error("gRPC server stopped", "err", err)
		}
	}()
	s.log.Info("sidecar started", "grpc", s.cfg.Listen, "validator", s.cfg.Validator, "consensus_address", s.member, "model", s.model.Params.Version,
		"model_hash", s.model.Hash, "samples", s.cfg.Samples, "workers", s.cfg.Workers, "fetch_workers", s.cfg.FetchWorkers,
		"per_committer", s.cfg.PerCommitter, "allow_fetch", s.cfg.AllowFetch, "state", s.cfg.StateDir)

	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range s.challenges {
				s.work(ctx, job)
			}
		}()
	}
	for range s.cfg.FetchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				job, committer, ok := s.batches.pop()
				if !ok {
					return
				}
				s.work(ctx, job)
				s.batches.done(committer)
			}
		}()
	}
	ticker := time.NewTicker(s.cfg.Poll)
	defer ticker.Stop()
	progress := time.NewTicker(30 * time.Second)
	defer progress.Stop()
	for {
		if err := s.poll(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("listing open tasks failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			s.log.Info("stopping: finishing the tasks in hand")
			srv.GracefulStop()
			close(s.challenges)
			s.batches.close()
			wg.Wait()
			s.log.Info("sidecar stopped")
			return nil
		case <-progress.C:
			s.mu.Lock()
			s.log.Info("progress", "open_tasks", len(s.open), "results_ready", len(s.results), "in_flight", len(s.inflight),
				"batches_queued", s.batches.queued())
			s.mu.Unlock()
		case <-ticker.C:
		}
	}
}

// nodeValidator waits for the node (it may still be starting) and returns its consensus address.
func (s *Service) nodeValidator(ctx context.Context) (cmtbytes.HexBytes, error) {
	for attempt := 0; ; attempt++ {
		st, err := s.chain.Client.Status(ctx)
		if err == nil {
			return st.ValidatorInfo.Address, nil
		}
		if attempt%10 == 0 {
			s.log.Info("waiting for the node to learn its validator address", "node", s.chain.NodeURI, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("node %s never answered: %w", s.chain.NodeURI, err)
		case <-time.After(time.Second):
		}
	}
}

// poll lists the open tasks, forgets results of closed ones and hands new ones to the
// workers: a GPU challenge alone, a committer's sensor tasks together in task order, queued
// under the committer. A device's batches are scored in order, so a sensor task waits while
// any of its devices is in a worker or in a task that waits.
func (s *Service) poll(ctx context.Context) error {
	tasks, err := s.openTasks(ctx)
	if err != nil {
		return err
	}
	var challenges [][]oracletypes.Task
	s.mu.Lock()
	s.open = make(map[uint64]oracletypes.Task, len(tasks))
	for _, t := range tasks {
		s.open[t.Id] = t
	}
	for id := range s.results {
		if _, ok := s.open[id]; !ok {
			delete(s.results, id)
		}
	}
	for id := range s.seen {
		if _, ok := s.open[id]; !ok {
			delete(s.seen, id)
		}
	}
	s.metrics.Open.Set(float64(len(tasks)))
	bySeries := map[string][]oracletypes.Task{}
	var series []string
	blocked := map[uint64]bool{}   // devices of tasks that wait this round
	claimed := map[uint64]string{} // devices of the tasks handed out this round, by series
	now := time.Now()
	for _, t := range tasks { // ascending id
		if _, known := s.seen[t.Id]; !known {
			s.seen[t.Id] = now
			s.metrics.Seen.WithLabelValues(kindLabel(t.Kind)).Inc()
		}
		if _, done := s.results[t.Id]; done || s.inflight[t.Id] {
			continue
		}
		if t.Kind == oracletypes.TASK_KIND_SENSOR_BATCH {
			if slices.ContainsFunc(t.Items, func(i oracletypes.TaskItem) bool {
				d := i.SubjectId
				return s.busy[d] || blocked[d] || (claimed[d] != "" && claimed[d] != t.Series)
			}) {
				for _, i := range t.Items {
					blocked[i.SubjectId] = true // its earlier batches are being scored: wait for the next poll
				}
				continue
			}
			for _, i := range t.Items {
				claimed[i.SubjectId] = t.Series
			}
		}
		s.inflight[t.Id] = true
		switch t.Kind {
		case oracletypes.TASK_KIND_GPU_CHALLENGE:
			challenges = append(challenges, []oracletypes.Task{t})
		case oracletypes.TASK_KIND_SENSOR_BATCH:
			if _, ok := bySeries[t.Series]; !ok {
				series = append(series, t.Series)
			}
			bySeries[t.Series] = append(bySeries[t.Series], t)
		}
	}
	for d := range claimed {
		s.busy[d] = true
	}
	s.mu.Unlock()
	for _, committer := range series {
		s.batches.push(committer, bySeries[committer])
	}
	// Sent without the lock: workers take it to record results.
	for _, job := range challenges {
		select {
		case s.challenges <- job:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// openTasks pages through the chain's open tasks and keeps those this validator verifies.
func (s *Service) openTasks(ctx context.Context) ([]oracletypes.Task, error) {
	q := oracletypes.NewQueryClient(s.chain)
	var out []oracletypes.Task
	var key []byte
	for {
		res, err := q.Tasks(ctx, &oracletypes.QueryTasksRequest{
			Status: oracletypes.TASK_STATUS_OPEN, Pagination: &query.PageRequest{Key: key, Limit: 500},
		})
		if err != nil {
			return nil, err
		}
		for _, t := range res.Tasks {
			if t.Verifies(s.member) {
				out = append(out, t)
			}
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			break
		}
		key = res.Pagination.NextKey
	}
	slices.SortFunc(out, func(a, b oracletypes.Task) int { return cmp.Compare(a.Id, b.Id) })
	return out, nil
}

// work verifies a job's tasks in order and records their results. A device's batches stop
// at the first one that fails, so none is scored before an earlier one; the rest are retried
// at the next poll.
func (s *Service) work(ctx context.Context, job []oracletypes.Task) {
	defer func() {
		s.mu.Lock()
		for _, t := range job {
			delete(s.inflight, t.Id)
			for _, i := range t.Items {
				delete(s.busy, i.SubjectId)
			}
		}
		s.mu.Unlock()
	}()
	for _, t := range job {
		s.mu.Lock()
		_, open := s.open[t.Id]
		s.mu.Unlock()
		if !open { // finalised or expired while queued: nobody needs it any more
			continue
		}
		report, outcome, err := s.verify(ctx, t)
		if err == nil && s.cfg.Tamper != nil {
			report = s.cfg.Tamper(report)
		}
		s.mu.Lock()
		seen := s.seen[t.Id]
		delete(s.inflight, t.Id)
		if err == nil {
			s.results[t.Id] = report
		}
		s.mu.Unlock()
		kind := kindLabel(t.Kind)
		if err != nil {
			if ctx.Err() == nil {
				s.metrics.Failed.WithLabelValues(kind).Inc()
				s.log.Warn("task not verified; retrying at the next poll", "task", t.Id, "kind", kind, "err", err)
			}
			return
		}
		s.metrics.Done.WithLabelValues(kind, outcome).Inc()
		s.metrics.Batches.Add(float64(len(report.Items)))
		s.metrics.Latency.WithLabelValues(kind).Observe(time.Since(seen).Seconds())
		s.log.Info("task verified", "task", t.Label(), "kind", kind, "outcome", outcome, "verdict", report.Verdict,
			"scores", itemScores(report.Items), "seconds", fmt.Sprintf("%.3f", time.Since(seen).Seconds()))
	}
}

// verify produces this validator's report for one task and a label of its outcome.
func (s *Service) verify(ctx context.Context, t oracletypes.Task) (*oracletypes.TaskReport, string, error) {
	switch t.Kind {
	case oracletypes.TASK_KIND_GPU_CHALLENGE:
		res, err := computetypes.NewQueryClient(s.chain).Challenge(ctx, &computetypes.QueryChallengeRequest{Id: t.SubjectId})
		if err != nil {
			return nil, "", err
		}
		verdict, why := VerifyChallenge(res.Challenge, s.cfg.Samples, s.cfg.Validator)
		if verdict == oracletypes.VERDICT_UNSPECIFIED {
			return nil, "", why
		}
		if why != nil {
			s.log.Warn("proof-of-work fraud", "task", t.Id, "challenge", t.SubjectId, "provider", res.Challenge.Provider, "why", why)
		}
		return &oracletypes.TaskReport{TaskId: t.Id, Verdict: verdict}, verdictLabel(verdict), nil
	case oracletypes.TASK_KIND_SENSOR_BATCH:
		q := sensorstypes.NewQueryClient(s.chain)
		params, err := q.Params(ctx, &sensorstypes.QueryParamsRequest{})
		if err != nil {
			return nil, "", err
		}
		report := &oracletypes.TaskReport{TaskId: t.Id, Items: make([]oracletypes.ItemScore, len(t.Items))}
		for i, item := range t.Items {
			dev, err := q.Device(ctx, &sensorstypes.QueryDeviceRequest{DeviceId: item.SubjectId})
			if err != nil {
				return nil, "", err
			}
			b, err := q.Batch(ctx, &sensorstypes.QueryBatchRequest{DeviceId: item.SubjectId, Seq: item.SubjectSeq})
			if err != nil {
				return nil, "", err
			}
			res, err := s.scorer.ScoreBatch(ctx, BatchJob{Device: dev.Device, Batch: b.Batch, Params: params.Params, History: s.history(item.SubjectId)})
			if err != nil {
				return nil, "", err
			}
			report.Items[i] = res.Item()
		}
		return report, "scored", nil
	}
	return nil, "", fmt.Errorf("task %d: unknown kind %s (upgrade the sidecar)", t.Id, t.Kind)
}

// history reads a device's earlier batches from the chain for a scorer that replays them.
func (s *Service) history(deviceID uint64) func(context.Context, uint64) (sensorstypes.Batch, error) {
	return func(ctx context.Context, seq uint64) (sensorstypes.Batch, error) {
		res, err := sensorstypes.NewQueryClient(s.chain).Batch(ctx, &sensorstypes.QueryBatchRequest{DeviceId: deviceID, Seq: seq})
		if status.Code(err) == codes.NotFound {
			return sensorstypes.Batch{}, fmt.Errorf("%w: %w", ErrNoHistory, err)
		} else if err != nil {
			return sensorstypes.Batch{}, err
		}
		return res.Batch, nil
	}
}

// Results returns the results for tasks that are still open, in increasing task id.
func (s *Service) Results() oracletypes.OracleVoteExtension {
	s.mu.Lock()
	defer s.mu.Unlock()
	ve := oracletypes.OracleVoteExtension{ModelHash: s.model.Hash}
	for id, r := range s.results {
		if _, open := s.open[id]; open {
			ve.Reports = append(ve.Reports, r)
		}
	}
	slices.SortFunc(ve.Reports, func(a, b *oracletypes.TaskReport) int { return cmp.Compare(a.TaskId, b.TaskId) })
	s.metrics.Served.Add(float64(len(ve.Reports)))
	return ve
}

type resultsServer struct{ s *Service }

func (r resultsServer) Results(context.Context, *oracletypes.SidecarResultsRequest) (*oracletypes.SidecarResultsResponse, error) {
	ve := r.s.Results()
	return &oracletypes.SidecarResultsResponse{Extension: &ve}, nil
}

// kindLabel and verdictLabel name metric labels after the enum values: gpu_challenge, pass.
func kindLabel(k oracletypes.TaskKind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "TASK_KIND_"))
}

func verdictLabel(v oracletypes.Verdict) string {
	return strings.ToLower(strings.TrimPrefix(v.String(), "VERDICT_"))
}

// itemScores lists a report's item scores for logs.
func itemScores(items []oracletypes.ItemScore) []uint32 {
	out := make([]uint32, len(items))
	for i, item := range items {
		out[i] = item.Score
	}
	return out
}
