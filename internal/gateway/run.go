package gateway

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/sensorsim"
)

// SimDevices are the simulated devices Run registers and feeds.
type SimDevices struct {
	Specs []sensorsim.Spec
	// Interval is the time between a device's readings.
	Interval time.Duration
}

// Run runs the sensor gateway for chain's key until ctx ends: it serves the gateway
// API under /v1/ and Prometheus /metrics on listen, registers and feeds the simulated
// devices, and commits each sealed batch through chain. Readings acknowledged before the
// end are on disk when it returns.
func Run(ctx context.Context, chain *chainclient.Chain, cfg Config, listen string, sim SimDevices, logger *slog.Logger) error {
	cfg.Address = chain.Address
	scheme := "http"
	var certs *certReloader
	if cfg.TLSCertFile != "" || cfg.TLSKeyFile != "" {
		var err error
		if certs, err = newCertReloader(cfg.TLSCertFile, cfg.TLSKeyFile); err != nil {
			return err
		}
		scheme = "https"
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = scheme + "://" + listen
	}
	cfg.PublicURL = strings.TrimSuffix(cfg.PublicURL, "/")
	sensorChain := NewSensorChain(chain)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	gw, err := New(cfg, sensorChain, sensorChain, logger, NewMetrics(reg))
	if err != nil {
		return err
	}
	if err := gw.Resume(ctx); err != nil {
		return err
	}
	var devices []*sensorsim.Device
	if len(sim.Specs) > 0 {
		if devices, err = sensorsim.Register(ctx, chain, filepath.Join(cfg.StateDir, "sim-devices"), sim.Specs); err != nil {
			return err
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/v1/", gw.Handler())
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	if certs != nil {
		ln = tls.NewListener(ln, certs.serverTLS())
		client.Transport = &http.Transport{TLSClientConfig: certs.clientTLS()}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("gateway HTTP server stopped", "err", err)
		}
	}()
	logger.Info("sensor gateway running", "listen", listen, "tls", certs != nil, "public_url", cfg.PublicURL, "address", cfg.Address,
		"batch_readings", cfg.BatchReadings, "batch_interval", cfg.BatchInterval, "simulated_devices", len(devices))

	stats := make([]sensorsim.Stats, len(devices))
	for i, d := range devices {
		logger.Info("simulated device", "name", d.Name, "device_id", d.ID, "fault", string(d.Fault), "pub_key", hex.EncodeToString(d.Key.Public().(ed25519.PublicKey)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Feed(ctx, client, scheme+"://"+listen, sim.Interval, logger, &stats[i])
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		reportSensors(ctx, gw, stats, logger)
	}()

	err = gw.Run(ctx, time.Second)
	// Stop taking readings first, then flush them: an acknowledged reading is on disk.
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	wg.Wait()
	gw.Close()
	logger.Info("sensor gateway stopped")
	return err
}

// reportSensors logs progress every 10 s.
func reportSensors(ctx context.Context, gw *Gateway, stats []sensorsim.Stats, logger *slog.Logger) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var sent, rejected, dropped uint64
		for i := range stats {
			sent += stats[i].Sent.Load()
			rejected += stats[i].Rejected.Load()
			dropped += stats[i].Dropped.Load()
		}
		devices, pending, uncommitted := gw.Totals()
		logger.Info("gateway stats", "devices", devices, "pending_readings", pending, "uncommitted_batches", uncommitted,
			"simulated_sent", sent, "simulated_rejected", rejected, "simulated_dropped", dropped)
	}
}
