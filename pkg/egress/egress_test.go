package egress_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/pkg/egress"
)

func TestForbiddenAddr(t *testing.T) {
	for _, bad := range []string{
		"127.0.0.1", "127.255.1.2", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "100.100.100.200", "0.0.0.0", "0.1.2.3", "224.0.0.1",
		"255.255.255.255", "240.0.0.1", "192.0.2.5", "198.18.0.1", "192.0.0.8",
		"::1", "::", "fe80::1", "fc00::1", "fd00:ec2::254", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", // IPv4-mapped IPv6
		"64:ff9b::a9fe:a9fe", "2002:7f00:1::1", "2001::1", "2001:db8::1", "fe80::1%eth0",
	} {
		require.NotEmpty(t, egress.ForbiddenAddr(netip.MustParseAddr(bad)), bad)
	}
	for _, good := range []string{"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450::1"} {
		require.Empty(t, egress.ForbiddenAddr(netip.MustParseAddr(good)), good)
	}
}

func TestCheckURI(t *testing.T) {
	for _, bad := range []string{
		"ftp://example.com/x", "file:///etc/passwd", "gopher://example.com", "//example.com/x", "example.com/x",
		"http://user:pass@example.com/x", "http://127.0.0.1:26657/net_info", "http://[::1]:1317/",
		"http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/batch", "http://[::ffff:127.0.0.1]/",
		"http://localhost:8090/x", "http://gw.localhost/x", "http://2130706433/", "http://127.1/", "http://0x7f.1/",
		"http:///nohost", "http://%zz/",
	} {
		_, err := egress.CheckURI(bad, false)
		require.ErrorIs(t, err, egress.ErrForbidden, bad)
	}
	for _, good := range []string{"https://gateway.example.com/v1/batches/1/2", "http://93.184.216.34:8090/v1/batches/1/1", "https://[2606:4700::1111]/x"} {
		_, err := egress.CheckURI(good, false)
		require.NoError(t, err, good)
	}
	_, err := egress.CheckURI("http://127.0.0.1:8090/v1/batches/1/1", true)
	require.NoError(t, err, "a devnet allows private addresses")
	_, err = egress.CheckURI("ftp://127.0.0.1/x", true)
	require.ErrorIs(t, err, egress.ErrForbidden, "but never another scheme")

	p := egress.Policy{Allow: []string{"127.0.0.1:8090"}}
	require.NoError(t, p.Check("http://127.0.0.1:8090/v1/batches/1/1"))
	require.ErrorIs(t, p.Check("http://127.0.0.1:26657/status"), egress.ErrForbidden, "only the listed port")
	require.ErrorIs(t, p.Check("http://localhost:8090/v1"), egress.ErrForbidden, "exact host match")
	require.ErrorIs(t, p.Check("https://127.0.0.1/v1"), egress.ErrForbidden, "https defaults to 443, not listed")
}

// fakeResolver answers from a table, one answer after another for a name listed twice.
type fakeResolver struct {
	answers map[string][][]netip.Addr
	calls   atomic.Int32
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	n := int(r.calls.Add(1)) - 1
	a := r.answers[host]
	if len(a) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return a[min(n, len(a)-1)], nil
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// A server on loopback stands in for a validator's own services (RPC, metrics, metadata).
func TestClientNeverReachesForbiddenAddresses(t *testing.T) {
	var hits atomic.Int32
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer victim.Close()
	vu, err := url.Parse(victim.URL)
	require.NoError(t, err)
	port := vu.Port()

	resolver := &fakeResolver{answers: map[string][][]netip.Addr{
		"evil.example":   {addrs("127.0.0.1")},
		"mixed.example":  {addrs("93.184.216.34", "127.0.0.1")},
		"rebind.example": {addrs("192.0.2.1"), addrs("127.0.0.1")}, // public-looking first, loopback after
	}}
	local, err := egress.LocalAddrs()
	require.NoError(t, err)
	client := egress.NewClient(egress.Policy{Local: local, Resolver: resolver}, 2*time.Second)
	for _, target := range []string{
		victim.URL + "/net_info",                   // loopback literal
		"http://[::1]:" + port + "/",               // loopback IPv6
		"http://evil.example:" + port + "/",        // a name that resolves to loopback
		"http://mixed.example:" + port + "/",       // one bad address in the answer refuses all
		"http://[::ffff:127.0.0.1]:" + port + "/",  // IPv4-mapped
		"http://169.254.169.254/latest/meta-data/", // cloud metadata
	} {
		_, err := client.Get(target)
		require.ErrorIs(t, err, egress.ErrForbidden, target)
	}
	// A DNS answer that changes after the check cannot redirect the connection: the client
	// dials the address it vetted (192.0.2.1 is refused too, so nothing is dialled at all).
	_, err = client.Get("http://rebind.example:" + port + "/")
	require.Error(t, err)
	require.Zero(t, hits.Load(), "the loopback service was never reached")
}

func TestClientAllowListAndRedirects(t *testing.T) {
	var hits atomic.Int32
	inner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) }))
	defer inner.Close()
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, inner.URL+"/secret", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("batch"))
	}))
	defer gateway.Close()
	gu, err := url.Parse(gateway.URL)
	require.NoError(t, err)

	client := egress.NewClient(egress.Policy{Allow: []string{gu.Host}}, 2*time.Second)
	res, err := client.Get(gateway.URL + "/batch")
	require.NoError(t, err, "an allow-listed devnet gateway is fetched")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NoError(t, res.Body.Close())

	res, err = client.Get(gateway.URL + "/redirect")
	require.NoError(t, err)
	require.Equal(t, http.StatusFound, res.StatusCode, "the redirect is the answer")
	require.NoError(t, res.Body.Close())
	require.Zero(t, hits.Load(), "the redirect target was not fetched")

	_, err = client.Get(inner.URL + "/secret")
	require.True(t, errors.Is(err, egress.ErrForbidden), "another loopback port is not on the list: %v", err)
}

// CheckHost vets a HOST:PORT another program will connect to: by its resolved addresses,
// unless listed.
func TestCheckHost(t *testing.T) {
	resolver := &fakeResolver{answers: map[string][][]netip.Addr{
		"registry.example": {addrs("93.184.216.34")},
		"evil.example":     {addrs("127.0.0.1")},
	}}
	p := egress.Policy{Resolver: resolver, Allow: []string{"127.0.0.1:5000"}}
	ctx := context.Background()
	require.NoError(t, p.CheckHost(ctx, "registry.example:443"))
	require.NoError(t, p.CheckHost(ctx, "127.0.0.1:5000"), "listed")
	for _, hostPort := range []string{"evil.example:443", "127.0.0.1:5001", "[::1]:443", "169.254.169.254:80", "10.1.2.3:443", "no-port"} {
		require.ErrorIs(t, p.CheckHost(ctx, hostPort), egress.ErrForbidden, hostPort)
	}
}
