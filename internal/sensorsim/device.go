package sensorsim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/thalamus-network/thalamus/pkg/reading"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// Device is one simulated sensor with one channel.
type Device struct {
	Name    string
	ID      uint64
	Key     ed25519.PrivateKey
	Channel types.Channel
	Fault   Fault
	signal  *faulty
}

// NewDevice builds a device over a clean source; the fault (if any) starts at onset.
func NewDevice(name string, key ed25519.PrivateKey, channel types.Channel, source Source, fault Fault, onset int) *Device {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return &Device{
		Name: name, Key: key, Channel: channel, Fault: fault,
		signal: &faulty{clean: source, fault: fault, onset: onset, rng: rand.New(rand.NewSource(int64(h.Sum64()))), window: 30}, //nolint:gosec // simulated faults, not secrets
	}
}

// Reading returns the signed reading of sequence seq taken at ts, or false when the device
// is silent then. Step seq drives the series, so a restarted device continues its curve.
func (d *Device) Reading(seq uint64, ts time.Time) (reading.Reading, bool) {
	v, send := d.signal.Sample(int(seq))
	if !send {
		return reading.Reading{}, false
	}
	r := reading.Reading{DeviceId: d.ID, Sequence: seq, TimestampMs: ts.UnixMilli(), Values: []float64{v}}
	reading.Sign(d.Key, &r)
	return r, true
}

// Stats counts a device's readings: accepted or refused by the gateway, or dropped from a
// full backlog while it was unreachable.
type Stats struct {
	Sent, Rejected, Dropped atomic.Uint64
}

// maxBacklog bounds the readings a feeder keeps while the gateway is unreachable (about
// 17 minutes at the devnet's 100 ms); older ones are dropped first, as a station's ring
// buffer would.
const maxBacklog = 10_000

// Feed samples a reading every interval and posts what is due to the gateway until ctx
// ends. Like a station with a buffer, it stamps each reading at its sampling time and
// sends a backlog (after a slow gateway or a starved host) at once, so a late delivery is
// not a hole in the series. It resumes after the last sequence the gateway accepted, so
// restarts never replay. gatewayURL is the operator's own gateway, given on its command
// line, never an address read from the chain.
func (d *Device) Feed(ctx context.Context, client *http.Client, gatewayURL string, interval time.Duration, log *slog.Logger, stats *Stats) {
	seq, err := d.lastSequence(ctx, client, gatewayURL)
	for err != nil {
		log.Warn("waiting for the gateway", "device", d.ID, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
		seq, err = d.lastSequence(ctx, client, gatewayURL)
	}
	next := time.Now().Add(interval) // the sampling time of reading seq+1
	t := time.NewTicker(interval)
	defer t.Stop()
	var backlog []reading.Reading
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for ; !next.After(now); next = next.Add(interval) {
				seq++
				if r, send := d.Reading(seq, next); send {
					backlog = append(backlog, r)
				}
			}
			if dropped := len(backlog) - maxBacklog; dropped > 0 {
				stats.Dropped.Add(uint64(dropped))
				backlog = backlog[dropped:]
			}
			backlog = d.deliver(ctx, client, gatewayURL, backlog, log, stats)
		}
	}
}

// deliver posts the backlog and returns what is left to retry: everything when the gateway
// could not be reached or asked to come back later (429, 5xx), else nothing: readings it
// answered for one by one (accepted or refused) are done.
func (d *Device) deliver(ctx context.Context, client *http.Client, gatewayURL string, backlog []reading.Reading, log *slog.Logger, stats *Stats) []reading.Reading {
	if len(backlog) == 0 {
		return backlog
	}
	status, body, err := Post(ctx, client, gatewayURL, backlog...)
	if err != nil || status == http.StatusTooManyRequests || status >= 500 {
		log.Warn("post failed; keeping the readings to send again", "device", d.ID, "readings", len(backlog), "status", status, "err", err)
		return backlog
	}
	var resp struct {
		Accepted int `json:"accepted"`
	}
	if status != http.StatusOK {
		_ = json.Unmarshal(body, &resp)
		log.Warn("readings rejected", "device", d.ID, "status", status, "body", string(body))
	} else {
		resp.Accepted = len(backlog)
	}
	stats.Sent.Add(uint64(resp.Accepted))
	stats.Rejected.Add(uint64(len(backlog) - resp.Accepted))
	return backlog[:0]
}

// lastSequence asks the gateway for the device's last accepted sequence.
func (d *Device) lastSequence(ctx context.Context, client *http.Client, gatewayURL string) (uint64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, gatewayURL+"/v1/devices/"+strconv.FormatUint(d.ID, 10), nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	var st struct {
		LastSequence uint64 `json:"last_sequence"`
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return 0, fmt.Errorf("gateway answered %s: %s", resp.Status, body)
	}
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st.LastSequence, err
}

// Post sends readings to a gateway as protobuf and returns the status and body.
func Post(ctx context.Context, client *http.Client, gatewayURL string, readings ...reading.Reading) (int, []byte, error) {
	bz, err := (&reading.ReadingList{Readings: readings}).Marshal()
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gatewayURL+"/v1/readings", bytes.NewReader(bz))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}
