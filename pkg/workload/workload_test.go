package workload_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/workload"
)

const chainID = "thalamus-test-1"

var manifest = []byte(`{"command":["server","--verbose"],"env":{"MODE":"demo"},"ports":[8080],"gpus":1,"tenant_pub_key":"ssh-ed25519 AAAA"}`)

// key returns a signer and its account.
func key(seed string) (workload.Signer, sdk.AccAddress) {
	priv := secp256k1.GenPrivKeyFromSecret([]byte(seed))
	return func(msg []byte) ([]byte, []byte, error) {
		sig, err := priv.Sign(msg)
		return sig, priv.PubKey().Bytes(), err
	}, sdk.AccAddress(priv.PubKey().Address())
}

func TestParseManifest(t *testing.T) {
	m, err := workload.Parse(manifest)
	require.NoError(t, err)
	require.Equal(t, []string{"server", "--verbose"}, m.Command)
	require.Equal(t, []int{8080}, m.Ports)
	require.Equal(t, "ssh-ed25519 AAAA", m.TenantPubKey)

	bad := map[string]string{
		"not json":         `{`,
		"unknown field":    `{"command":["a"],"gpus":1,"privileged":true}`,
		"nothing to run":   `{"gpus":1}`,
		"empty argument":   `{"command":["a",""],"gpus":1}`,
		"no gpu":           `{"command":["a"],"gpus":0}`,
		"bad env name":     `{"command":["a"],"gpus":1,"env":{"A=B":"c"}}`,
		"port range":       `{"command":["a"],"gpus":1,"ports":[70000]}`,
		"repeated port":    `{"command":["a"],"gpus":1,"ports":[80,80]}`,
		"trailing content": `{"command":["a"],"gpus":1} {}`,
		"too large":        `{"command":["` + strings.Repeat("a", workload.MaxManifestBytes) + `"],"gpus":1}`,
	}
	for name, b := range bad {
		_, err := workload.Parse([]byte(b))
		require.Error(t, err, name)
	}
}

func TestDeliveryVerify(t *testing.T) {
	sign, tenant := key("tenant")
	otherSign, _ := key("other")
	hash := workload.Hash(manifest)
	d, err := workload.NewDelivery(chainID, 7, manifest, sign)
	require.NoError(t, err)
	m, err := d.Verify(chainID, 7, tenant, hash, 1)
	require.NoError(t, err)
	require.Equal(t, 1, m.GPUs)

	forged, err := workload.NewDelivery(chainID, 7, manifest, otherSign)
	require.NoError(t, err)
	_, err = forged.Verify(chainID, 7, tenant, hash, 1)
	require.ErrorContains(t, err, "not by the lease's tenant")

	tampered := d
	tampered.Manifest = []byte(strings.Replace(string(manifest), "demo", "evil", 1))
	_, err = tampered.Verify(chainID, 7, tenant, hash, 1)
	require.ErrorContains(t, err, "does not match")

	_, err = d.Verify(chainID, 8, tenant, hash, 1)
	require.ErrorContains(t, err, "lease 7")
	_, err = d.Verify("other-chain", 7, tenant, hash, 1)
	require.Error(t, err)
	_, err = d.Verify(chainID, 7, tenant, hash, 2)
	require.ErrorContains(t, err, "lease holds 2")

	resigned := d
	resigned.Signature = append([]byte{}, d.Signature...)
	resigned.Signature[3] ^= 1
	_, err = resigned.Verify(chainID, 7, tenant, hash, 1)
	require.ErrorContains(t, err, "bad signature")
}

func TestSignedRequests(t *testing.T) {
	sign, tenant := key("tenant")
	otherSign, _ := key("other")
	now := time.Unix(1_800_000_000, 0)
	req := func(s workload.Signer, at time.Time) *http.Request {
		r, err := http.NewRequest(http.MethodGet, "http://provider:8091/v1/leases/7/status", nil)
		require.NoError(t, err)
		require.NoError(t, workload.SignRequest(r, chainID, at, s))
		return r
	}
	guard := workload.NewReplayGuard(100)
	require.NoError(t, workload.VerifyRequest(req(sign, now), chainID, now.Add(10*time.Second), tenant, guard))
	require.ErrorContains(t, workload.VerifyRequest(req(otherSign, now), chainID, now, tenant, guard), "not by the lease's tenant")
	require.ErrorContains(t, workload.VerifyRequest(req(sign, now.Add(-2*time.Minute)), chainID, now, tenant, guard), "at most")
	require.ErrorContains(t, workload.VerifyRequest(req(sign, now.Add(2*time.Minute)), chainID, now, tenant, guard), "at most")
	require.Error(t, workload.VerifyRequest(req(sign, now), "other-chain", now, tenant, guard))

	moved := req(sign, now)
	moved.URL.Path = "/v1/leases/8/status" // a signature for lease 7 does not open lease 8
	require.ErrorContains(t, workload.VerifyRequest(moved, chainID, now, tenant, guard), "bad signature")
	unsigned, err := http.NewRequest(http.MethodGet, "http://provider/v1/leases/7/status", nil)
	require.NoError(t, err)
	require.Error(t, workload.VerifyRequest(unsigned, chainID, now, tenant, guard))

	// A captured request works once; replayed within the window it is refused, and after the
	// window it is too old anyway. Another nonce is a new request.
	captured := req(sign, now)
	require.NoError(t, workload.VerifyRequest(captured, chainID, now, tenant, guard))
	require.ErrorIs(t, workload.VerifyRequest(captured, chainID, now.Add(30*time.Second), tenant, guard), workload.ErrReplayed)
	require.ErrorContains(t, workload.VerifyRequest(captured, chainID, now.Add(3*time.Minute), tenant, guard), "at most")
	require.NoError(t, workload.VerifyRequest(req(sign, now), chainID, now, tenant, guard))
	renonced := req(sign, now)
	renonced.Header.Set(workload.HeaderNonce, "00000000000000000000000000000000") // the nonce is signed
	require.ErrorContains(t, workload.VerifyRequest(renonced, chainID, now, tenant, guard), "bad signature")

	// A full guard refuses rather than forgetting a nonce early.
	small := workload.NewReplayGuard(1)
	require.NoError(t, workload.VerifyRequest(req(sign, now), chainID, now, tenant, small))
	require.ErrorContains(t, workload.VerifyRequest(req(sign, now), chainID, now, tenant, small), "too many")
	require.NoError(t, workload.VerifyRequest(req(sign, now.Add(2*time.Minute)), chainID, now.Add(2*time.Minute), tenant, small),
		"expired nonces make room")
}
