package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/runtime"
	"github.com/thalamus-network/thalamus/pkg/workload"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// fakeLeases answers Lease queries from a map; other queries are not used by the API.
type fakeLeases struct {
	types.QueryClient
	leases map[uint64]types.Lease
}

func (f fakeLeases) Lease(_ context.Context, req *types.QueryLeaseRequest, _ ...grpc.CallOption) (*types.QueryLeaseResponse, error) {
	l, ok := f.leases[req.Id]
	if !ok {
		return nil, types.ErrLeaseNotFound
	}
	return &types.QueryLeaseResponse{Lease: l}, nil
}

func signer(seed string) (workload.Signer, string) {
	priv := secp256k1.GenPrivKeyFromSecret([]byte(seed))
	return func(msg []byte) ([]byte, []byte, error) {
		sig, err := priv.Sign(msg)
		return sig, priv.PubKey().Bytes(), err
	}, sdk.AccAddress(priv.PubKey().Address()).String()
}

// The provider endpoint takes only manifests signed by the lease's tenant that match the
// lease, keeps them across a restart, and shows status only to the tenant.
func TestProviderEndpoint(t *testing.T) {
	const chainID = "thalamus-test-1"
	tenantSign, tenant := signer("tenant")
	otherSign, _ := signer("other")
	_, provider := signer("provider")
	manifest := []byte(`{"command":["sleep","60"],"gpus":1}`)
	leases := fakeLeases{leases: map[uint64]types.Lease{
		1: {Id: 1, Tenant: tenant, Provider: provider, GpuIds: []uint64{4}, State: types.LEASE_STATE_PENDING, ManifestHash: workload.Hash(manifest)},
		2: {Id: 2, Tenant: tenant, Provider: "someone-else", GpuIds: []uint64{5}, State: types.LEASE_STATE_PENDING, ManifestHash: workload.Hash(manifest)},
		3: {Id: 3, Tenant: tenant, Provider: provider, GpuIds: []uint64{6}, State: types.LEASE_STATE_ACTIVE},
	}}
	stateDir := t.TempDir()
	newManager := func(rt runtime.Runtime) *LeaseManager {
		chain := chainclient.NewOffline(provider, chainID)
		m, err := NewLeaseManager(chain, LeaseConfig{Runtime: rt, StateDir: stateDir, Poll: time.Second}, slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics())
		require.NoError(t, err)
		m.q = leases
		return m
	}
	m := newManager(runtime.Exec{})
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	deliver := func(id uint64, sign workload.Signer) int {
		d, err := workload.NewDelivery(chainID, id, manifest, sign)
		require.NoError(t, err)
		body, err := json.Marshal(d)
		require.NoError(t, err)
		res, err := http.Post(fmt.Sprintf("%s/v1/leases/%d/manifest", srv.URL, id), "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		_ = res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusForbidden, deliver(1, otherSign), "signed by another key")
	require.Equal(t, http.StatusForbidden, deliver(2, tenantSign), "another provider's lease")
	require.Equal(t, http.StatusConflict, deliver(3, tenantSign), "a lease without a manifest")
	require.Equal(t, http.StatusNotFound, deliver(9, tenantSign))
	require.Empty(t, m.deliveries)
	require.Equal(t, http.StatusAccepted, deliver(1, tenantSign))
	require.Contains(t, m.deliveries, uint64(1))
	require.Contains(t, newManager(runtime.Exec{}).deliveries, uint64(1), "kept across a restart")

	status := func(sign workload.Signer) (int, workloadView) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/leases/1/status", nil)
		require.NoError(t, err)
		if sign != nil {
			require.NoError(t, workload.SignRequest(req, chainID, time.Now(), sign))
		}
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = res.Body.Close() }()
		var v workloadView
		_ = json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}
	code, v := status(tenantSign)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "LEASE_STATE_PENDING", v.LeaseState)
	require.Equal(t, "exec", v.Runtime)
	code, _ = status(otherSign)
	require.Equal(t, http.StatusForbidden, code)
	code, _ = status(nil)
	require.Equal(t, http.StatusForbidden, code)

	// Without a runtime the endpoint refuses manifests clearly.
	none := httptest.NewServer(newManager(nil).Handler())
	defer none.Close()
	d, err := workload.NewDelivery(chainID, 1, manifest, tenantSign)
	require.NoError(t, err)
	body, err := json.Marshal(d)
	require.NoError(t, err)
	res, err := http.Post(none.URL+"/v1/leases/1/manifest", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
}
