package gateway

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus metrics.
type Metrics struct {
	Devices      prometheus.Gauge
	Accepted     prometheus.Counter
	Rejected     *prometheus.CounterVec
	Pending      prometheus.Gauge
	Sealed       prometheus.Counter
	Committed    prometheus.Counter
	CommitErrors prometheus.Counter
	Refused      prometheus.Counter
	Served       *prometheus.CounterVec
	DiskBytes    prometheus.Gauge
	Evicted      prometheus.Counter
}

// NewMetrics creates the gateway metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Devices:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_gateway_devices", Help: "Devices this gateway serves."}),
		Accepted:     prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_gateway_readings_accepted_total", Help: "Signed readings accepted."}),
		Rejected:     prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thalamus_gateway_readings_rejected_total", Help: "Readings rejected, by HTTP status."}, []string{"status"}),
		Pending:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_gateway_pending_readings", Help: "Accepted readings not yet in a batch."}),
		Sealed:       prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_gateway_batches_sealed_total", Help: "Batches written to disk."}),
		Committed:    prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_gateway_batches_committed_total", Help: "Batch roots committed on chain."}),
		CommitErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_gateway_commit_errors_total", Help: "Commit transactions that failed."}),
		Refused:      prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_gateway_batches_refused_total", Help: "Batches the chain refused for good, set aside."}),
		Served:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "thalamus_gateway_served_total", Help: "Batches and proofs served."}, []string{"what"}),
		DiskBytes:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_gateway_batch_bytes", Help: "Bytes of sealed batches kept on disk."}),
		Evicted:      prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_gateway_batches_evicted_total", Help: "Batches past retention deleted to stay within the disk budget."}),
	}
	reg.MustRegister(m.Devices, m.Accepted, m.Rejected, m.Pending, m.Sealed, m.Committed, m.CommitErrors, m.Refused, m.Served, m.DiskBytes, m.Evicted)
	return m
}
