package abci

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Reasons an ExtendVote sends an empty extension (the reason label of
// thalamus_oracle_empty_vote_extensions_total).
const (
	reasonNoSidecar      = "no_sidecar"      // app.toml [oracle] sidecar_address is empty
	reasonSidecarError   = "sidecar_error"   // the sidecar could not be reached or failed
	reasonSidecarTimeout = "sidecar_timeout" // no answer within sidecar_timeout_ms
	reasonMalformed      = "malformed"       // the sidecar's results fail validation
	reasonState          = "state_error"     // params or open tasks could not be read
	reasonPanic          = "panic"           // the handler panicked
)

// Metrics are the node's view of the vote-extension path, served with CometBFT's metrics
// ([instrumentation] prometheus = true in config.toml, :26660/metrics by default).
type Metrics struct {
	// ExtensionBytes is the size of each extension this validator sends.
	ExtensionBytes prometheus.Histogram
	// TasksCarried is the number of task results in each extension this validator sends.
	TasksCarried prometheus.Histogram
	// SidecarLatency is how long the sidecar took to answer (or to fail).
	SidecarLatency prometheus.Histogram
	// EmptyExtensions counts the extensions sent empty, by reason.
	EmptyExtensions *prometheus.CounterVec
	// RejectedExtensions counts other validators' extensions VerifyVoteExtension rejected.
	RejectedExtensions prometheus.Counter
}

// NewMetrics registers the metrics with reg (prometheus.DefaultRegisterer is CometBFT's
// endpoint). Registering twice in one process, as in-process test networks do, shares the
// collectors of the first registration.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		ExtensionBytes: register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "thalamus_oracle_vote_extension_bytes", Help: "Size of each vote extension this validator sent.",
			Buckets: prometheus.ExponentialBuckets(64, 4, 8),
		})),
		TasksCarried: register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "thalamus_oracle_vote_extension_tasks", Help: "Task results carried by each vote extension this validator sent.",
			Buckets: []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500},
		})),
		SidecarLatency: register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "thalamus_oracle_sidecar_latency_seconds", Help: "Time the local sidecar took to answer ExtendVote.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 12),
		})),
		EmptyExtensions: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "thalamus_oracle_empty_vote_extensions_total", Help: "Vote extensions sent empty, by reason.",
		}, []string{"reason"})),
		RejectedExtensions: register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "thalamus_oracle_rejected_vote_extensions_total", Help: "Other validators' vote extensions rejected as malformed.",
		})),
	}
	// Every reason is exported from the start (at 0), so alerts on its rate see it.
	for _, reason := range []string{reasonNoSidecar, reasonSidecarError, reasonSidecarTimeout, reasonMalformed, reasonState, reasonPanic} {
		m.EmptyExtensions.WithLabelValues(reason)
	}
	return m
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing
		}
	}
	if err != nil {
		panic(err)
	}
	return c
}
