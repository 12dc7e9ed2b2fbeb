package sidecar

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the sidecar's Prometheus metrics, labelled by task kind.
type Metrics struct {
	Registry *prometheus.Registry
	Seen     *prometheus.CounterVec
	Done     *prometheus.CounterVec
	Failed   *prometheus.CounterVec
	Latency  *prometheus.HistogramVec
	Open     prometheus.Gauge
	Served   prometheus.Counter
	// Batches counts sensor batches scored: a sensor task holds a committer's batches of a block.
	Batches prometheus.Counter
}

// NewMetrics registers the metrics in a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		Seen:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thalamus_sidecar_tasks_seen_total", Help: "Open oracle tasks this validator verifies, seen."}, []string{"kind"}),
		Done: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thalamus_sidecar_tasks_done_total", Help: "Tasks verified, by outcome."},
			[]string{"kind", "outcome"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thalamus_sidecar_tasks_failed_total", Help: "Tasks the sidecar could not verify (chain or internal errors)."},
			[]string{"kind"}),
		Latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "thalamus_sidecar_task_seconds", Help: "Time from seeing a task to having its result.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}, []string{"kind"}),
		Open:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_sidecar_open_tasks", Help: "Open tasks this validator verifies (its committee seats and tasks without a committee) at the last poll."}),
		Served:  prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_sidecar_results_served_total", Help: "Task results handed to the node for vote extensions."}),
		Batches: prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_sidecar_batches_scored_total", Help: "Sensor batches scored (a sensor task scores a committer's batches of one block)."}),
	}
	m.Registry.MustRegister(m.Seen, m.Done, m.Failed, m.Latency, m.Open, m.Served, m.Batches,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
