package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/internal/gateway"
	"github.com/thalamus-network/thalamus/pkg/reading"
	"github.com/thalamus-network/thalamus/pkg/workload"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
	sensorstypes "github.com/thalamus-network/thalamus/x/sensors/types"
)

type attacker struct {
	cfg   config
	chain *chainclient.Chain
	srv   *servers
	log   *slog.Logger
}

var client = &http.Client{Timeout: 30 * time.Second}

// post sends body and returns the status and the start of the answer.
func post(url, contentType string, body []byte) (int, string, error) {
	res, err := client.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer func() { _ = res.Body.Close() }()
	out, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	var gw struct {
		Rejected []struct{ Error string } `json:"rejected"`
	}
	if json.Unmarshal(out, &gw) == nil && len(gw.Rejected) > 0 { // the gateway's per-reading answer
		return res.StatusCode, gw.Rejected[0].Error, nil
	}
	return res.StatusCode, strings.TrimSpace(string(out)), nil
}

func statusRow(attack string, want, got int, detail string) result {
	return check(attack, fmt.Sprintf("HTTP %d", want), fmt.Sprintf("HTTP %d %s", got, detail), want == got)
}

// gatewayReadings replays, duplicates and forges readings of the localnet's first station.
func (a *attacker) gatewayReadings(ctx context.Context) ([]result, error) {
	var batch gateway.BatchJSON
	for deadline := time.Now().Add(time.Minute); ; {
		res, err := client.Get(a.cfg.gateway + "/v1/batches/1/1")
		if err == nil {
			err = json.NewDecoder(res.Body).Decode(&batch)
			_ = res.Body.Close()
		}
		if err == nil && len(batch.Readings) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the gateway served no batch 1 of device 1 within a minute: %w", err)
		}
		time.Sleep(2 * time.Second)
	}
	r := batch.Readings[0]
	body := func(rs ...gateway.JSONReading) []byte { bz, _ := json.Marshal(rs); return bz }
	var out []result
	status, msg, err := post(a.cfg.gateway+"/v1/readings", "application/json", body(r))
	if err != nil {
		return nil, err
	}
	out = append(out, statusRow("replayed reading (an accepted reading posted again)", http.StatusConflict, status, msg))
	status, msg, _ = post(a.cfg.gateway+"/v1/readings", "application/json", body(r, r))
	out = append(out, statusRow("duplicated reading (the same reading twice in one upload)", http.StatusConflict, status, msg))
	moved := r
	moved.Sequence += 1_000_000_000
	status, msg, _ = post(a.cfg.gateway+"/v1/readings", "application/json", body(moved))
	out = append(out, statusRow("reading with its sequence moved ahead (the signature covers it)", http.StatusUnauthorized, status, msg))
	forged := r
	forged.Values = []float64{r.Values[0] + 10}
	status, msg, _ = post(a.cfg.gateway+"/v1/readings", "application/json", body(forged))
	out = append(out, statusRow("forged reading (value changed, old signature)", http.StatusUnauthorized, status, msg))
	return out, ctx.Err()
}

// oversized sends bodies past every limit.
func (a *attacker) oversized(context.Context) ([]result, error) {
	huge := bytes.Repeat([]byte("A"), 9<<20)
	status, _, err := post(a.cfg.gateway+"/v1/readings", "application/x-protobuf", huge)
	if err != nil {
		return nil, err
	}
	out := []result{statusRow("9 MiB reading upload to the gateway", http.StatusRequestEntityTooLarge, status, "")}
	delivery := append([]byte(`{"chain_id":"`), bytes.Repeat([]byte("A"), 1<<20)...)
	status, _, err = post(a.cfg.provider+"/v1/leases/1/manifest", "application/json", delivery)
	if err != nil {
		return nil, err
	}
	out = append(out, statusRow("1 MiB manifest delivery to the provider", http.StatusRequestEntityTooLarge, status, ""))
	return out, nil
}

// provider leases a GPU for each bad manifest and for a good one, then abuses the tenant API.
func (a *attacker) provider(ctx context.Context) ([]result, error) {
	offer, err := a.providerOffer(ctx)
	if err != nil {
		return nil, err
	}
	var out []result
	for _, bad := range []struct{ attack, manifest string }{
		{"manifest over the limits (999 CPUs for 1 GPU)", fmt.Sprintf(`{"command":[%q,"demo-workload"],"gpus":1,"cpus":999}`, a.cfg.agentBinary)},
		{"exec outside the allow-list (/bin/sh)", `{"command":["/bin/sh","-c","wget -qO- http://169.254.169.254/"],"gpus":1}`},
	} {
		id, err := a.lease(ctx, offer, []byte(bad.manifest))
		if err != nil {
			return out, err
		}
		status, msg, err := a.deliver(id, []byte(bad.manifest))
		if err != nil {
			return out, err
		}
		out = append(out, statusRow(bad.attack, http.StatusUnprocessableEntity, status, msg))
		if err := a.closeLease(ctx, id); err != nil {
			return out, err
		}
	}

	manifest := []byte(fmt.Sprintf(`{"command":[%q,"demo-workload"],"ports":[8080],"gpus":1}`, a.cfg.agentBinary))
	id, err := a.lease(ctx, offer, manifest)
	if err != nil {
		return out, err
	}
	defer func() { _ = a.closeLease(context.WithoutCancel(ctx), id) }()
	if status, msg, err := a.deliver(id, manifest); err != nil || status != http.StatusAccepted {
		return out, fmt.Errorf("the provider refused a good manifest: %d %s: %w", status, msg, err)
	}
	url := fmt.Sprintf("%s/v1/leases/%d/status", a.cfg.provider, id)
	captured, err := a.signedGet(url, time.Now())
	if err != nil {
		return out, err
	}
	first, err := replay(captured)
	if err != nil {
		return out, err
	}
	again, err := replay(captured)
	if err != nil {
		return out, err
	}
	out = append(out, check("replayed tenant request (a captured signed status request sent again)", "first 200, then 403",
		fmt.Sprintf("first %d, then %d", first, again), first == http.StatusOK && again == http.StatusForbidden))
	old, err := a.signedGet(url, time.Now().Add(-2*time.Minute))
	if err != nil {
		return out, err
	}
	expired, err := replay(old)
	if err != nil {
		return out, err
	}
	out = append(out, statusRow("expired tenant request (signed 2 minutes ago)", http.StatusForbidden, expired, ""))
	return out, nil
}

// batchURIs commits batches whose URIs aim the validators' sidecars at the wrong places.
func (a *attacker) batchURIs(ctx context.Context) ([]result, error) {
	var out []result
	// Refused on chain even where a devnet allows private addresses.
	for _, uri := range []string{"ftp://" + a.cfg.attacker + "/x", "http://user:pass@" + a.cfg.attacker + "/x", "/relative/path"} {
		devices, err := a.registerDevices(ctx, 1)
		if err != nil {
			return out, err
		}
		_, _, err = a.chain.Send(ctx, a.commitMsg(devices[0], 1, uri))
		var txErr *chainclient.TxError
		refused := errors.As(err, &txErr) && txErr.Codespace == sensorstypes.ModuleName
		observed := "accepted"
		if refused {
			observed = fmt.Sprintf("refused: %s code %d", txErr.Codespace, txErr.Code)
		}
		out = append(out, check("commit-batch with URI "+uri, "refused by x/sensors", observed, refused))
	}

	canary := strings.TrimPrefix(a.srv.canaryURL, "http://")
	_, port, _ := strings.Cut(canary, ":")
	cases := []struct{ attack, uri, flag string }{
		{"SSRF: loopback IP (a service of the validator)", a.srv.canaryURL + "/net_info", "BATCH_FLAG_FORBIDDEN_URI"},
		{"SSRF: localhost", "http://localhost:" + port + "/metrics", "BATCH_FLAG_FORBIDDEN_URI"},
		{"SSRF: IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:" + port + "/", "BATCH_FLAG_FORBIDDEN_URI"},
		{"SSRF: cloud metadata 169.254.169.254", "http://169.254.169.254/latest/meta-data/iam/", "BATCH_FLAG_FORBIDDEN_URI"},
		{"SSRF: private address 10.0.0.1", "http://10.0.0.1:8090/v1/batches/1/1", "BATCH_FLAG_FORBIDDEN_URI"},
		{"SSRF: redirect to loopback", "http://" + a.cfg.attacker + "/redirect/1", "BATCH_FLAG_UNAVAILABLE"},
		{"https URI with an untrusted certificate", "https://" + a.cfg.attackerTLS + "/batch/tls", "BATCH_FLAG_UNAVAILABLE"},
		{"served batch larger than committed (256 MiB)", "http://" + a.cfg.attacker + "/batch/huge", "BATCH_FLAG_ROOT_MISMATCH"},
	}
	devices, err := a.registerDevices(ctx, len(cases))
	if err != nil {
		return out, err
	}
	var msgs []sdk.Msg
	for i, c := range cases {
		m := a.commitMsg(devices[i], 1, c.uri)
		if i := strings.Index(c.uri, "/batch/"); i >= 0 { // the attacker serves the committed readings (and more)
			a.srv.served.Store(c.uri[i:], a.servedBody(m))
		}
		msgs = append(msgs, m)
	}
	if _, _, err := a.chain.Send(ctx, msgs...); err != nil {
		return out, fmt.Errorf("commit the SSRF batches: %w", err)
	}
	for i, c := range cases {
		b, err := a.waitScored(ctx, devices[i], 1, 2*time.Minute)
		if err != nil {
			out = append(out, check(c.attack, "score 0, "+flagName(c.flag), err.Error(), false))
			continue
		}
		flags := flagNames(b.Flags)
		out = append(out, check(c.attack, "score 0, "+flagName(c.flag), fmt.Sprintf("score %d, %s", b.Score, strings.Join(flags, "|")),
			b.Score == 0 && slices.Contains(flags, flagName(c.flag))))
	}
	out = append(out, check("any of the above reaching the validator's loopback service", "0 requests",
		fmt.Sprintf("%d requests", a.srv.canary.Load()), a.srv.canary.Load() == 0))
	out = append(out, check("reading past the committed size", "stops within the limit",
		fmt.Sprintf("%d bytes of padding written before the sidecar hung up", a.srv.padding.Load()), a.srv.padding.Load() < 64<<20))

	hung, err := a.hangingBatches(ctx)
	out = append(out, hung...)
	return out, err
}

// hangingBatches commits batches to a server that accepts and never answers, then checks
// that every batch the localnet's honest operator committed meanwhile is scored, none expired.
func (a *attacker) hangingBatches(ctx context.Context) ([]result, error) {
	devices, err := a.registerDevices(ctx, a.cfg.hostile)
	if err != nil {
		return nil, err
	}
	start, err := a.chain.Height(ctx)
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(devices); i += 20 { // 20 commitments a transaction, as gateways send them
		var msgs []sdk.Msg
		for _, d := range devices[i:min(i+20, len(devices))] {
			msgs = append(msgs, a.commitMsg(d, 1, fmt.Sprintf("http://%s/hang/%d", a.cfg.attacker, d)))
		}
		if _, _, err := a.chain.Send(ctx, msgs...); err != nil {
			return nil, fmt.Errorf("commit hanging batches: %w", err)
		}
	}
	a.log.Info("committed hanging batches; watching the honest operator's batches", "batches", len(devices), "from_height", start)
	time.Sleep(45 * time.Second) // the honest stations commit every 10 s
	end, err := a.chain.Height(ctx)
	if err != nil {
		return nil, err
	}
	finalized, expired, open, err := a.honestTasks(ctx, start, end, len(devices))
	if err != nil {
		return nil, err
	}
	return []result{check(fmt.Sprintf("%d batches at a server that never answers, beside the honest operator's", len(devices)),
		"every honest batch scored, none expired",
		fmt.Sprintf("honest batches committed meanwhile: %d scored, %d expired, %d still open; %d hostile fetches held open",
			finalized, expired, open, a.srv.hung.Load()),
		finalized > 0 && expired == 0)}, nil
}

// honestTasks counts the batches of the localnet's own stations (in sensor tasks the attacker
// did not commit) opened between two heights, waiting until each task has closed.
func (a *attacker) honestTasks(ctx context.Context, from, to int64, hostile int) (finalized, expired, open int, err error) {
	q := oracletypes.NewQueryClient(a.chain.Conn())
	deadline := time.Now().Add(90 * time.Second)
	for {
		finalized, expired, open = 0, 0, 0
		var key []byte
		for {
			res, err := q.Tasks(ctx, &oracletypes.QueryTasksRequest{Kind: oracletypes.TASK_KIND_SENSOR_BATCH, Pagination: &query.PageRequest{Key: key, Limit: 500}})
			if err != nil {
				return 0, 0, 0, err
			}
			for _, t := range res.Tasks {
				if t.OpenedHeight <= from || t.OpenedHeight > to || t.Series == a.chain.Address {
					continue
				}
				switch t.Status {
				case oracletypes.TASK_STATUS_FINALIZED:
					finalized += len(t.Items)
				case oracletypes.TASK_STATUS_EXPIRED:
					expired += len(t.Items)
				default:
					open += len(t.Items)
				}
			}
			if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
				break
			}
			key = res.Pagination.NextKey
		}
		if open == 0 || time.Now().After(deadline) {
			return finalized, expired, open, nil
		}
		time.Sleep(2 * time.Second)
	}
}

// registerDevices registers n weather stations owned by the attacker and returns their ids.
func (a *attacker) registerDevices(ctx context.Context, n int) ([]uint64, error) {
	before, err := a.ownDevices(ctx)
	if err != nil {
		return nil, err
	}
	var msgs []sdk.Msg
	for range n {
		_, key, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, &sensorstypes.MsgRegisterDevice{
			Owner: a.chain.Address, PubKey: key.Public().(ed25519.PublicKey), Kind: sensorstypes.KindWeather,
			PossessionSig:    ed25519.Sign(key, sensorstypes.PossessionSignBytes(a.chain.ChainID(), a.chain.Address)),
			SamplingInterval: time.Second, Channels: []sensorstypes.Channel{{Name: "temperature_c", Unit: "C", Min: "-60", Max: "70"}},
		})
	}
	for i := 0; i < len(msgs); i += 50 {
		if _, _, err := a.chain.Send(ctx, msgs[i:min(i+50, len(msgs))]...); err != nil {
			return nil, fmt.Errorf("register devices: %w", err)
		}
	}
	after, err := a.ownDevices(ctx)
	if err != nil {
		return nil, err
	}
	var out []uint64
	for id := range after {
		if !before[id] {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	if len(out) != n {
		return nil, fmt.Errorf("registered %d devices, found %d new", n, len(out))
	}
	return out, nil
}

func (a *attacker) ownDevices(ctx context.Context) (map[uint64]bool, error) {
	q := sensorstypes.NewQueryClient(a.chain.Conn())
	out := map[uint64]bool{}
	var key []byte
	for {
		res, err := q.Devices(ctx, &sensorstypes.QueryDevicesRequest{Owner: a.chain.Address, Pagination: &query.PageRequest{Key: key, Limit: 500}})
		if err != nil {
			return nil, err
		}
		for _, d := range res.Devices {
			out[d.Id] = true
		}
		if res.Pagination == nil || len(res.Pagination.NextKey) == 0 {
			return out, nil
		}
		key = res.Pagination.NextKey
	}
}

// commitMsg commits 10 readings a second apart, ending now, for device seq at uri; the root
// is over committedReadings, so a server serving those matches it.
func (a *attacker) commitMsg(device, seq uint64, uri string) *sensorstypes.MsgCommitBatch {
	m := &sensorstypes.MsgCommitBatch{Committer: a.chain.Address, DeviceId: device, Seq: seq, Uri: uri}
	last := time.Now().Add(-2 * time.Second).UnixMilli()
	m.Count, m.FirstReadingMs, m.LastReadingMs = 10, last-9_000, last
	b := reading.NewBatch(committedReadings(m))
	m.Root, m.SizeBytes = b.Root[:], b.SizeBytes
	return m
}

// committedReadings are the (unsigned) readings of a commitment: signatures are not what
// these attacks test, and the sidecar never gets that far.
func committedReadings(m *sensorstypes.MsgCommitBatch) []reading.Reading {
	out := make([]reading.Reading, m.Count)
	for i := range out {
		out[i] = reading.Reading{DeviceId: m.DeviceId, Sequence: uint64(i + 1), TimestampMs: m.FirstReadingMs + int64(i)*1000,
			Values: []float64{20}, Signature: make([]byte, ed25519.SignatureSize)}
	}
	return out
}

// servedBody is the protobuf body serving a commitment's readings.
func (a *attacker) servedBody(m *sensorstypes.MsgCommitBatch) []byte {
	bz, _ := (&reading.ReadingList{Readings: committedReadings(m)}).Marshal()
	return bz
}

// waitScored waits for a batch to be scored.
func (a *attacker) waitScored(ctx context.Context, device, seq uint64, limit time.Duration) (sensorstypes.Batch, error) {
	q := sensorstypes.NewQueryClient(a.chain.Conn())
	deadline := time.Now().Add(limit)
	for {
		res, err := q.Batch(ctx, &sensorstypes.QueryBatchRequest{DeviceId: device, Seq: seq})
		if err == nil && res.Batch.Status == sensorstypes.BATCH_STATUS_SCORED {
			return res.Batch, nil
		}
		if time.Now().After(deadline) {
			return sensorstypes.Batch{}, fmt.Errorf("batch %d of device %d not scored within %s", seq, device, limit)
		}
		select {
		case <-ctx.Done():
			return sensorstypes.Batch{}, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func flagName(f string) string { return strings.TrimPrefix(f, "BATCH_FLAG_") }

func flagNames(flags []sensorstypes.BatchFlag) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = flagName(f.String())
	}
	return out
}

// providerOffer is the localnet provider's CPU-DEV offer.
func (a *attacker) providerOffer(ctx context.Context) (uint64, error) {
	provider, err := a.chain.Conn().Keyring.Key("provider")
	if err != nil {
		return 0, err
	}
	addr, err := provider.GetAddress()
	if err != nil {
		return 0, err
	}
	res, err := computetypes.NewQueryClient(a.chain.Conn()).OffersByClass(ctx, &computetypes.QueryOffersByClassRequest{Class: "CPU-DEV"})
	if err != nil {
		return 0, err
	}
	for _, o := range res.Offers {
		if o.Provider == addr.String() {
			return o.Id, nil
		}
	}
	return 0, errors.New("the localnet provider has no CPU-DEV offer")
}

// lease creates a one-GPU lease on offer for manifest and returns its id.
func (a *attacker) lease(ctx context.Context, offer uint64, manifest []byte) (uint64, error) {
	hash := workload.Hash(manifest)
	if _, _, err := a.chain.Send(ctx, &computetypes.MsgCreateLease{Tenant: a.chain.Address, OfferId: offer, Gpus: 1, Hours: 1,
		Deposit: sdk.NewInt64Coin("uthal", 20_000_000), ManifestHash: hash}); err != nil {
		return 0, fmt.Errorf("create lease: %w", err)
	}
	res, err := computetypes.NewQueryClient(a.chain.Conn()).LeasesByTenant(ctx, &computetypes.QueryLeasesByTenantRequest{
		Tenant: a.chain.Address, State: computetypes.LEASE_STATE_PENDING, Pagination: &query.PageRequest{Limit: 100, Reverse: true}})
	if err != nil {
		return 0, err
	}
	for _, l := range res.Leases {
		if bytes.Equal(l.ManifestHash, hash) {
			return l.Id, nil
		}
	}
	return 0, errors.New("the new lease was not found")
}

func (a *attacker) closeLease(ctx context.Context, id uint64) error {
	_, _, err := a.chain.Send(ctx, &computetypes.MsgCloseLease{Sender: a.chain.Address, LeaseId: id, Reason: computetypes.LEASE_CLOSE_REASON_TENANT_DONE})
	return err
}

// sign signs with the attacker's key, as thalamusd workload does.
func (a *attacker) sign(msg []byte) ([]byte, []byte, error) {
	sig, pub, err := a.chain.Conn().Keyring.Sign(a.cfg.key, msg, signing.SignMode_SIGN_MODE_DIRECT)
	if err != nil {
		return nil, nil, err
	}
	return sig, pub.Bytes(), nil
}

func (a *attacker) deliver(lease uint64, manifest []byte) (int, string, error) {
	d, err := workload.NewDelivery(a.chain.ChainID(), lease, manifest, a.sign)
	if err != nil {
		return 0, "", err
	}
	bz, err := json.Marshal(d)
	if err != nil {
		return 0, "", err
	}
	return post(fmt.Sprintf("%s/v1/leases/%d/manifest", a.cfg.provider, lease), "application/json", bz)
}

func (a *attacker) signedGet(url string, at time.Time) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return req, workload.SignRequest(req, a.chain.ChainID(), at, a.sign)
}

// replay sends a copy of a signed request.
func replay(req *http.Request) (int, error) {
	res, err := client.Do(req.Clone(context.Background()))
	if err != nil {
		return 0, err
	}
	_ = res.Body.Close()
	return res.StatusCode, nil
}
