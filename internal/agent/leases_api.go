package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/internal/ratelimit"
	"github.com/thalamus-network/thalamus/internal/runtime"
	"github.com/thalamus-network/thalamus/pkg/workload"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

var (
	errNoRuntime = errors.New("this provider runs no workload runtime")
	errNotFound  = errors.New("not found")
	errForbidden = errors.New("forbidden")
	errConflict  = errors.New("conflict")
)

// httpStatus maps the manager's errors to HTTP status codes.
func httpStatus(err error) int {
	switch {
	case errors.Is(err, errNoRuntime):
		return http.StatusServiceUnavailable
	case errors.Is(err, errNotFound):
		return http.StatusNotFound
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, errConflict):
		return http.StatusConflict
	case errors.Is(err, runtime.ErrRefused), errors.Is(err, runtime.ErrUnsupported):
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

// Handler is the provider endpoint tenants talk to:
//
//	POST /v1/leases/{id}/manifest   a tenant-signed manifest delivery (JSON workload.Delivery)
//	GET  /v1/leases/{id}/status     the workload's state, GPUs and access endpoints (signed by the tenant)
//	GET  /v1/leases/{id}/logs       its output; ?tail=N lines, &follow=true streams (signed by the tenant)
func (m *LeaseManager) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/leases/{id}/manifest", func(w http.ResponseWriter, r *http.Request) {
		var d workload.Delivery
		r.Body = http.MaxBytesReader(w, r.Body, maxDeliveryBytes)
		if err := json.NewDecoder(r.Body).Decode(&d); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, fmt.Sprintf("a delivery is at most %d bytes", maxDeliveryBytes), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "malformed delivery: "+err.Error(), http.StatusBadRequest)
			return
		}
		if id, err := strconv.ParseUint(r.PathValue("id"), 10, 64); err != nil || id != d.LeaseID {
			http.Error(w, "the delivery is for another lease", http.StatusBadRequest)
			return
		}
		if err := m.Deliver(r.Context(), d); err != nil {
			m.metrics.ManifestsRefused.Inc()
			http.Error(w, err.Error(), httpStatus(err))
			return
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = fmt.Fprintf(w, "manifest accepted for lease %d; the workload starts within %s\n", d.LeaseID, m.cfg.Poll)
	})
	mux.HandleFunc("GET /v1/leases/{id}/status", func(w http.ResponseWriter, r *http.Request) {
		l, ok := m.authorize(w, r)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(m.view(l))
	})
	mux.HandleFunc("GET /v1/leases/{id}/logs", func(w http.ResponseWriter, r *http.Request) {
		l, ok := m.authorize(w, r)
		if !ok {
			return
		}
		logs := m.logs(l.Id)
		if logs == nil {
			http.Error(w, fmt.Sprintf("lease %d runs no workload here", l.Id), http.StatusNotFound)
			return
		}
		tail, _ := strconv.Atoi(r.URL.Query().Get("tail"))
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if r.URL.Query().Get("follow") != "true" {
			_, _ = w.Write(logs.Tail(tail))
			return
		}
		past, lines, stop := logs.Follow(tail)
		defer stop()
		flusher, _ := w.(http.Flusher)
		_, _ = w.Write(past)
		for {
			if flusher != nil {
				flusher.Flush()
			}
			select {
			case <-r.Context().Done():
				return
			case line := <-lines:
				if _, err := w.Write(line); err != nil {
					return
				}
			}
		}
	})
	return m.limitClients(mux)
}

// maxDeliveryBytes bounds a manifest delivery: the manifest (base64 in JSON) and a signature.
const maxDeliveryBytes = 2*workload.MaxManifestBytes + 4096

// limitClients refuses clients that send requests faster than perClient allows, before any
// signature is checked.
func (m *LeaseManager) limitClients(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.perClient.Allow(ratelimit.ClientKey(r)) {
			ratelimit.TooMany(w, time.Second)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorize loads the lease of the request and checks that its tenant signed the request.
func (m *LeaseManager) authorize(w http.ResponseWriter, r *http.Request) (types.Lease, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad lease id", http.StatusBadRequest)
		return types.Lease{}, false
	}
	res, err := m.q.Lease(r.Context(), &types.QueryLeaseRequest{Id: id})
	if err != nil || res.Lease.Provider != m.chain.Address {
		http.Error(w, fmt.Sprintf("lease %d is not served here", id), http.StatusNotFound)
		return types.Lease{}, false
	}
	if !m.perTenant.Allow(res.Lease.Tenant) {
		ratelimit.TooMany(w, time.Second)
		return types.Lease{}, false
	}
	tenant, err := sdk.AccAddressFromBech32(res.Lease.Tenant)
	if err == nil {
		err = workload.VerifyRequest(r, m.chain.ChainID(), time.Now(), tenant, m.replays)
	}
	if err != nil {
		http.Error(w, "only the lease's tenant may ask, once per signed request: "+err.Error(), http.StatusForbidden)
		return types.Lease{}, false
	}
	return res.Lease, true
}

// ServeAPI serves the provider endpoint on addr until ctx ends.
func (m *LeaseManager) ServeAPI(ctx context.Context, addr string, log *slog.Logger) error {
	srv := &http.Server{Addr: addr, Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		MaxHeaderBytes: 64 << 10, IdleTimeout: 2 * time.Minute}
	errCh := make(chan error, 1)
	go func() { errCh <- srv.ListenAndServe() }()
	log.Info("provider endpoint listening", "addr", addr)
	select {
	case err := <-errCh:
		return fmt.Errorf("provider endpoint on %s: %w", addr, err)
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}
