// Package ratelimit limits requests per key (a tenant, a device, a client address) with a
// token bucket each, keeping the buckets of at most a bounded number of recent keys.
package ratelimit

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"
)

// Keyed hands out a token bucket per key: rate per second, burst at once.
type Keyed struct {
	rate  rate.Limit
	burst int

	mu      sync.Mutex // makes get-or-create atomic
	buckets *expirable.LRU[string, *rate.Limiter]
}

// New keeps buckets for at most keys keys, each forgotten after idle without use (a
// forgotten key starts again with a full bucket, so idle must cover a bucket's refill).
func New(perSecond float64, burst, keys int, idle time.Duration) *Keyed {
	return &Keyed{rate: rate.Limit(perSecond), burst: burst, buckets: expirable.NewLRU[string, *rate.Limiter](keys, nil, idle)}
}

// Allow takes a token from key's bucket, or reports that it has none.
func (k *Keyed) Allow(key string) bool {
	k.mu.Lock()
	b, ok := k.buckets.Get(key)
	if !ok {
		b = rate.NewLimiter(k.rate, k.burst)
		k.buckets.Add(key, b)
	}
	k.mu.Unlock()
	return b.Allow()
}

// ClientKey is the key of a request's client: its IP address, an IPv6 one by its /64 (a
// client usually holds the whole prefix). X-Forwarded-For is ignored: anyone can set it.
func ClientKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// TooMany answers 429 with a Retry-After.
func TooMany(w http.ResponseWriter, retryAfter time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retryAfter.Seconds())))))
	http.Error(w, "too many requests", http.StatusTooManyRequests)
}
