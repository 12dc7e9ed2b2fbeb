package ratelimit_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/ratelimit"
)

func TestKeyed(t *testing.T) {
	l := ratelimit.New(0.001, 3, 10, time.Hour) // practically no refill during the test
	for range 3 {
		require.True(t, l.Allow("a"))
	}
	require.False(t, l.Allow("a"), "the burst is spent")
	require.True(t, l.Allow("b"), "other keys have their own bucket")
}

func TestClientKey(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.9:4242"
	r.Header.Set("X-Forwarded-For", "198.51.100.1")
	require.Equal(t, "203.0.113.9", ratelimit.ClientKey(r), "forwarding headers are ignored")
	r.RemoteAddr = "[2001:db8:1:2:3:4:5:6]:4242"
	require.Equal(t, "2001:db8:1:2::/64", ratelimit.ClientKey(r), "an IPv6 client by its /64")
	r.RemoteAddr = "[::ffff:203.0.113.9]:1"
	require.Equal(t, "203.0.113.9", ratelimit.ClientKey(r))
}
