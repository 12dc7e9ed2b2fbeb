package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/egress"
)

// A provider endpoint is an account's choice: the tenant's CLI contacts it only at a public
// address unless the tenant lists it with --allow-endpoint, and never follows a redirect.
func TestEndpointClientIsVetted(t *testing.T) {
	var hits atomic.Int32
	provider := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer provider.Close()
	hostPort := strings.TrimPrefix(provider.URL, "http://")

	for _, endpoint := range []string{
		provider.URL,                  // loopback, not listed
		"http://localhost:1",          // a loopback name
		"http://169.254.169.254",      // cloud metadata
		"http://10.0.0.1:8080",        // private
		"ftp://provider.example:21",   // not http(s)
		"http://user:pw@example.com/", // user info
	} {
		_, err := endpointClient(endpoint, nil)
		require.ErrorIs(t, err, egress.ErrForbidden, endpoint)
		require.ErrorContains(t, err, "--allow-endpoint", endpoint)
	}
	require.Zero(t, hits.Load(), "nothing is sent to a refused endpoint")

	c, err := endpointClient(provider.URL, []string{hostPort})
	require.NoError(t, err)
	res, err := c.Get(provider.URL + "/v1/leases/1/status")
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, err = c.Get(provider.URL + "/moved")
	require.NoError(t, err)
	_ = res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode, "a redirect is an answer, not followed")
	require.EqualValues(t, 2, hits.Load())

	// Listed, but a name that resolves to loopback is still vetted by address: only the exact
	// HOST:PORT listed is exempt.
	c, err = endpointClient("http://provider.example", []string{hostPort})
	require.NoError(t, err)
	_, err = c.Get("http://localhost:" + strings.Split(hostPort, ":")[1] + "/")
	require.ErrorIs(t, err, egress.ErrForbidden)
	require.EqualValues(t, 2, hits.Load())
}
