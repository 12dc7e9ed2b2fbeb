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
	"os/exec"
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
	sleep, err := exec.LookPath("sleep")
	require.NoError(t, err)
	manifest := []byte(fmt.Sprintf(`{"command":[%q,"60"],"gpus":1}`, sleep))
	outside := []byte(`{"command":["/bin/sh","-c","curl 169.254.169.254"],"gpus":1}`)
	greedy := []byte(fmt.Sprintf(`{"command":[%q,"60"],"gpus":1,"cpus":9}`, sleep))
	leases := fakeLeases{leases: map[uint64]types.Lease{
		1: {Id: 1, Tenant: tenant, Provider: provider, GpuIds: []uint64{4}, State: types.LEASE_STATE_PENDING, ManifestHash: workload.Hash(manifest)},
		2: {Id: 2, Tenant: tenant, Provider: "someone-else", GpuIds: []uint64{5}, State: types.LEASE_STATE_PENDING, ManifestHash: workload.Hash(manifest)},
		3: {Id: 3, Tenant: tenant, Provider: provider, GpuIds: []uint64{6}, State: types.LEASE_STATE_ACTIVE},
		4: {Id: 4, Tenant: tenant, Provider: provider, GpuIds: []uint64{7}, State: types.LEASE_STATE_PENDING, ManifestHash: workload.Hash(outside)},
		5: {Id: 5, Tenant: tenant, Provider: provider, GpuIds: []uint64{8}, State: types.LEASE_STATE_PENDING, ManifestHash: workload.Hash(greedy)},
	}}
	stateDir := t.TempDir()
	newManager := func(rt runtime.Runtime) *LeaseManager {
		chain := chainclient.NewOffline(provider, chainID)
		cfg := LeaseConfig{Runtime: rt, StateDir: stateDir, Poll: time.Second, PerGPU: runtime.PerGPU{CPUs: 8, MemoryMB: 65536}, MaxPids: 4096}
		m, err := NewLeaseManager(chain, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), NewMetrics())
		require.NoError(t, err)
		m.q = leases
		return m
	}
	execRuntime := runtime.Exec{Allow: []string{sleep}}
	m := newManager(execRuntime)
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()

	deliverFile := func(id uint64, manifest []byte, sign workload.Signer) int {
		d, err := workload.NewDelivery(chainID, id, manifest, sign)
		require.NoError(t, err)
		body, err := json.Marshal(d)
		require.NoError(t, err)
		res, err := http.Post(fmt.Sprintf("%s/v1/leases/%d/manifest", srv.URL, id), "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		_ = res.Body.Close()
		return res.StatusCode
	}
	deliver := func(id uint64, sign workload.Signer) int { return deliverFile(id, manifest, sign) }
	require.Equal(t, http.StatusUnprocessableEntity, deliverFile(4, outside, tenantSign), "a program the operator did not allow")
	require.Equal(t, http.StatusUnprocessableEntity, deliverFile(5, greedy, tenantSign), "more CPUs than a GPU comes with")
	require.Equal(t, http.StatusForbidden, deliver(1, otherSign), "signed by another key")
	require.Equal(t, http.StatusForbidden, deliver(2, tenantSign), "another provider's lease")
	require.Equal(t, http.StatusConflict, deliver(3, tenantSign), "a lease without a manifest")
	require.Equal(t, http.StatusNotFound, deliver(9, tenantSign))
	require.Empty(t, m.deliveries)
	require.Equal(t, http.StatusAccepted, deliver(1, tenantSign))
	require.Contains(t, m.deliveries, uint64(1))
	require.Contains(t, newManager(execRuntime).deliveries, uint64(1), "kept across a restart")

	signed := func(sign workload.Signer) *http.Request {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/leases/1/status", nil)
		require.NoError(t, err)
		if sign != nil {
			require.NoError(t, workload.SignRequest(req, chainID, time.Now(), sign))
		}
		return req
	}
	send := func(req *http.Request) (int, workloadView) {
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer func() { _ = res.Body.Close() }()
		var v workloadView
		_ = json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}
	status := func(sign workload.Signer) (int, workloadView) { return send(signed(sign)) }
	captured := signed(tenantSign)
	code, v := send(captured)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "LEASE_STATE_PENDING", v.LeaseState)
	require.Equal(t, "exec", v.Runtime)
	code, _ = send(captured)
	require.Equal(t, http.StatusForbidden, code, "a replayed request")
	code, _ = status(otherSign)
	require.Equal(t, http.StatusForbidden, code)
	code, _ = status(nil)
	require.Equal(t, http.StatusForbidden, code)
	big := append([]byte(`{"chain_id":"`), bytes.Repeat([]byte("x"), maxDeliveryBytes)...)
	res, err := http.Post(srv.URL+"/v1/leases/1/manifest", "application/json", bytes.NewReader(big))
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)

	// Without a runtime the endpoint refuses manifests clearly.
	none := httptest.NewServer(newManager(nil).Handler())
	defer none.Close()
	d, err := workload.NewDelivery(chainID, 1, manifest, tenantSign)
	require.NoError(t, err)
	body, err := json.Marshal(d)
	require.NoError(t, err)
	res, err = http.Post(none.URL+"/v1/leases/1/manifest", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
}
