package agent

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the agent's Prometheus metrics.
type Metrics struct {
	registry     *prometheus.Registry
	GPUs         prometheus.Gauge
	Height       prometheus.Gauge
	Answered     prometheus.Counter
	Failed       prometheus.Counter
	Winners      prometheus.Counter
	Nonces       prometheus.Counter
	SolveSeconds prometheus.Histogram
	// Lease fulfilment.
	Workloads         prometheus.Gauge
	ManifestsAccepted prometheus.Counter
	ManifestsRefused  prometheus.Counter
	LeasesConfirmed   prometheus.Counter
	// OfferPrice is the auto-priced offer's price per GPU-hour.
	OfferPrice prometheus.Gauge
}

// NewMetrics registers the agent's metrics in a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		GPUs:     prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_agent_gpus", Help: "GPUs this agent works."}),
		Height:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_agent_chain_height", Help: "Latest chain height seen."}),
		Answered: prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_agent_challenges_answered_total", Help: "Challenges answered on chain."}),
		Failed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_agent_challenges_failed_total", Help: "Answers whose transaction failed."}),
		Winners:  prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_agent_pow_winners_total", Help: "Lottery winners found."}),
		Nonces:   prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_agent_pow_nonces_total", Help: "Nonces searched."}),
		SolveSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "thalamus_agent_solve_seconds", Help: "Time spent on one challenge.", Buckets: prometheus.ExponentialBuckets(0.5, 2, 8),
		}),
		Workloads:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_agent_workloads", Help: "Tenant workloads supervised."}),
		ManifestsAccepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_agent_manifests_accepted_total", Help: "Manifest deliveries accepted."}),
		ManifestsRefused:  prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_agent_manifests_refused_total", Help: "Manifest deliveries refused (signature, hash, lease)."}),
		LeasesConfirmed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "thalamus_agent_leases_confirmed_total", Help: "Leases confirmed running on chain."}),
		OfferPrice:        prometheus.NewGauge(prometheus.GaugeOpts{Name: "thalamus_agent_offer_price", Help: "Price per GPU-hour the auto-priced offer asks."}),
	}
	m.registry.MustRegister(m.GPUs, m.Height, m.Answered, m.Failed, m.Winners, m.Nonces, m.SolveSeconds,
		m.Workloads, m.ManifestsAccepted, m.ManifestsRefused, m.LeasesConfirmed, m.OfferPrice,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Serve exposes /metrics on addr until ctx ends; an empty addr serves nothing.
func (m *Metrics) Serve(ctx context.Context, addr string, log *slog.Logger) {
	ServeMetrics(ctx, addr, m.registry, log)
}

// ServeMetrics exposes a registry's /metrics on addr until ctx ends; an empty addr serves nothing.
func ServeMetrics(ctx context.Context, addr string, registry *prometheus.Registry, log *slog.Logger) {
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		// ctx is done, so the shutdown gets a fresh deadline of its own.
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	go func() {
		log.Info("serving metrics", "addr", "http://"+addr+"/metrics")
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
}
