//go:build e2e

package e2e_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cosmos/gogoproto/jsonpb"
	"github.com/cosmos/gogoproto/proto"

	"github.com/thalamus-network/thalamus/internal/sensorsim"
	"github.com/thalamus-network/thalamus/pkg/batchverify"
	"github.com/thalamus-network/thalamus/pkg/reading"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

const gatewayURL = "http://127.0.0.1:8090"

// queryProto runs a query and decodes its JSON output into a proto message.
func (c *chain) queryProto(v proto.Message, args ...string) {
	c.t.Helper()
	out := c.must(append(append([]string{"query"}, args...), "--output", "json")...)
	if err := (&jsonpb.Unmarshaler{AllowUnknownFields: true}).Unmarshal(bytes.NewReader(out), v); err != nil {
		c.t.Fatalf("decode %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestGatewayCommitsVerifiableBatches: the localnet's sensor gateway (thalamus-agent sensors
// with 5 simulated devices) commits batches for at least 60 s; every committed root matches
// what the gateway serves, every reading's signature and Merkle proof check out, a replayed
// reading is refused, and a tampered batch fails against its root.
func TestGatewayCommitsVerifiableBatches(t *testing.T) {
	c := startChain(t)
	operator := strings.TrimSpace(string(c.must("keys", "show", "operator", "--address", "--keyring-backend", "test")))
	var devices types.QueryDevicesResponse
	deadline := time.Now().Add(2 * time.Minute)
	for len(devices.Devices) < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("the gateway registered %d of 5 devices within 2 minutes", len(devices.Devices))
		}
		time.Sleep(2 * time.Second)
		c.queryProto(&devices, "sensors", "devices", "--owner", operator)
	}
	// Batches are sealed every 10 s: 6 per device means the gateway ran at least 60 s.
	for _, d := range devices.Devices {
		for {
			var dev types.QueryDeviceResponse
			c.queryProto(&dev, "sensors", "device", fmt.Sprint(d.Id))
			if dev.Stats.Batches >= 6 {
				break
			}
			if time.Now().After(deadline.Add(2 * time.Minute)) {
				t.Fatalf("device %d has %d batches after 4 minutes, want 6", d.Id, dev.Stats.Batches)
			}
			time.Sleep(2 * time.Second)
		}
	}

	ctx := context.Background()
	total := 0
	for _, d := range devices.Devices {
		var batches types.QueryBatchesResponse
		c.queryProto(&batches, "sensors", "batches", fmt.Sprint(d.Id))
		if len(batches.Batches) < 6 || batches.Batches[0].Seq < batches.Batches[1].Seq {
			t.Fatalf("device %d: want 6+ batches newest first, got %d", d.Id, len(batches.Batches))
		}
		for _, b := range batches.Batches {
			readings, err := batchverify.FetchBatch(ctx, http.DefaultClient, &b, d.PubKey, reading.ZIP215Rules)
			if err != nil {
				t.Fatalf("device %d batch %d: %v", d.Id, b.Seq, err)
			}
			last := uint64(len(readings) - 1)
			r, err := batchverify.FetchProof(ctx, http.DefaultClient, &b, last, d.PubKey)
			if err != nil || r.Sequence != readings[last].Sequence {
				t.Fatalf("device %d batch %d: proof of reading %d: %v", d.Id, b.Seq, last, err)
			}
			total += len(readings)
		}
	}
	t.Logf("%d devices: every committed root matches the %d readings the gateway serves", len(devices.Devices), total)

	d := devices.Devices[0]
	var first types.QueryBatchResponse
	c.queryProto(&first, "sensors", "batch", fmt.Sprint(d.Id), "1")
	readings, err := batchverify.FetchBatch(ctx, http.DefaultClient, &first.Batch, d.PubKey, reading.ZIP215Rules)
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := sensorsim.Post(ctx, http.DefaultClient, gatewayURL, readings[0])
	if err != nil || status != http.StatusConflict {
		t.Fatalf("a replayed reading got %d %s (%v), want 409", status, body, err)
	}
	forged := readings[0]
	forged.Sequence = 1 << 40
	forged.TimestampMs = time.Now().UnixMilli()
	status, body, err = sensorsim.Post(ctx, http.DefaultClient, gatewayURL, forged)
	if err != nil || status != http.StatusUnauthorized {
		t.Fatalf("a reading with a forged sequence got %d %s (%v), want 401", status, body, err)
	}
	readings[len(readings)/2].Values[0] += 0.5
	if err := batchverify.VerifyBatch(readings, &first.Batch, d.PubKey, reading.ZIP215Rules); !errors.Is(err, batchverify.ErrBadSignature) {
		t.Fatalf("a tampered batch verified: %v", err)
	}
	reading.Sign(ed25519.NewKeyFromSeed(make([]byte, 32)), &readings[len(readings)/2])
	if err := batchverify.VerifyBatch(readings, &first.Batch, nil, reading.ZIP215Rules); !errors.Is(err, batchverify.ErrRootMismatch) {
		t.Fatalf("a batch with a substituted reading matched the root: %v", err)
	}

	var view struct {
		Batch struct {
			Root   string `json:"root"`
			Status string `json:"status"`
		} `json:"batch"`
	}
	getJSON(t, fmt.Sprintf("http://127.0.0.1:1317/thalamus/sensors/v1/devices/%d/batches/1", d.Id), &view)
	// Pending until the validators score it, which the localnet's sidecar does within blocks.
	if view.Batch.Status != "BATCH_STATUS_PENDING" && view.Batch.Status != "BATCH_STATUS_SCORED" {
		t.Fatalf("REST batch view: %+v", view)
	}
}

// TestDeviceLifecycleThroughCLI: an operator makes a device key, registers the device with
// the CLI (possession proof signed from the key file), commits a batch by hand, transfers the
// device to another account that accepts with a fresh proof, and the new owner retires it.
func TestDeviceLifecycleThroughCLI(t *testing.T) {
	c := startChain(t)
	owner := c.newAccount("sensor-owner", "10000000uthal")
	buyer := c.newAccount("sensor-buyer", "10000000uthal")
	keyFile := filepath.Join(t.TempDir(), "station.key")
	agent := filepath.Join(filepath.Dir(c.binary), "thalamus-agent")
	out, err := exec.Command(agent, "device-key", keyFile).CombinedOutput()
	if err != nil {
		t.Fatalf("device-key: %v\n%s", err, out)
	}
	pubHex := strings.TrimSpace(string(out))

	c.tx("sensor-owner", "sensors", "register-device", "air", "--device-key", keyFile,
		"--channel", "pm2_5:ug/m3:0:1000", "--channel", "temperature_c:C:-40:60", "--interval", "30s", "--location", "48.8566,2.3522")
	var devices types.QueryDevicesResponse
	c.queryProto(&devices, "sensors", "devices", "--owner", owner, "--kind", "air")
	if len(devices.Devices) != 1 || hex.EncodeToString(devices.Devices[0].PubKey) != pubHex {
		t.Fatalf("registered devices of %s: %+v", owner, devices.Devices)
	}
	d := devices.Devices[0]
	if d.Location == nil || d.Location.LatitudeMicro != 48_856_600 || len(d.Channels) != 2 {
		t.Fatalf("device description did not round-trip: %+v", d)
	}

	root := strings.Repeat("ab", 32)
	now := time.Now().UnixMilli()
	c.tx("sensor-owner", "sensors", "commit-batch", fmt.Sprint(d.Id), "1", root, "10",
		"--first-reading-ms", fmt.Sprint(now-60_000), "--last-reading-ms", fmt.Sprint(now-1000),
		"--size-bytes", "1060", "--uri", "https://gateway.example/v1/batches/x/1")
	// The chain does not index roots; the node's transaction index finds a root's commitment
	// (typed event attributes are JSON values, so the hex string is quoted).
	var found struct {
		Txs []struct {
			Height string `json:"height"`
		} `json:"txs"`
	}
	c.query(&found, "txs", "--query", fmt.Sprintf(`thalamus.sensors.v1.EventBatchCommitted.root='"%s"'`, root))
	if len(found.Txs) != 1 {
		t.Fatalf("the search for root %s found %d transactions", root, len(found.Txs))
	}
	var committed types.QueryBatchResponse
	c.queryProto(&committed, "sensors", "batch", fmt.Sprint(d.Id), "1")
	if committed.Batch.Count != 10 || hex.EncodeToString(committed.Batch.Root) != root {
		t.Fatalf("batch 1: %+v", committed.Batch)
	}
	if _, err := c.run("tx", "sensors", "commit-batch", fmt.Sprint(d.Id), "1", strings.Repeat("cd", 32), "10",
		"--first-reading-ms", fmt.Sprint(now), "--last-reading-ms", fmt.Sprint(now), "--size-bytes", "1060",
		"--uri", "https://gateway.example/v1/batches/x/1", "--from", "sensor-owner", "--yes", "--gas", "auto"); err == nil ||
		!strings.Contains(err.Error(), "sequence") {
		t.Fatalf("a replayed batch sequence was not refused: %v", err)
	}

	c.tx("sensor-owner", "sensors", "transfer-device", fmt.Sprint(d.Id), buyer)
	c.tx("sensor-buyer", "sensors", "accept-device-transfer", fmt.Sprint(d.Id), "--device-key", keyFile)
	var dev types.QueryDeviceResponse
	c.queryProto(&dev, "sensors", "device", fmt.Sprint(d.Id))
	if dev.Device.Owner != buyer || dev.Stats.Readings != 10 {
		t.Fatalf("after the transfer: %+v %+v", dev.Device, dev.Stats)
	}
	c.tx("sensor-buyer", "sensors", "deactivate-device", fmt.Sprint(d.Id))
	c.queryProto(&dev, "sensors", "device", fmt.Sprint(d.Id))
	if dev.Device.Status != types.DEVICE_STATUS_DEACTIVATED {
		t.Fatalf("device status %s after deactivate", dev.Device.Status)
	}
}
