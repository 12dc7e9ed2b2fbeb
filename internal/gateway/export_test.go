package gateway

import (
	"context"
	"time"
)

// SetClock replaces the gateway clock in tests.
func SetClock(g *Gateway, now func() time.Time) { g.now = now }

// CommitNow runs one commit round.
func CommitNow(g *Gateway, ctx context.Context) error { return g.commitSealed(ctx) }

// SealDue runs one interval-sealing round.
func SealDue(g *Gateway) { g.sealDue() }

// EvictNow runs one disk-budget round.
func EvictNow(g *Gateway) (int, error) { return g.quota.evict(g.now()) }
