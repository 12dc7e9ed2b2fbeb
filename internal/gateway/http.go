package gateway

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/thalamus-network/thalamus/internal/ratelimit"
	"github.com/thalamus-network/thalamus/pkg/merkle"
	"github.com/thalamus-network/thalamus/pkg/reading"
)

const (
	// ContentTypeProtobuf marks a protobuf ReadingList body.
	ContentTypeProtobuf = "application/x-protobuf"
	maxBodyBytes        = 8 << 20
	maxReadingsPerPost  = 10_000
)

// JSONReading is the JSON form of a reading; the signature is base64.
type JSONReading struct {
	DeviceID    uint64    `json:"device_id"`
	Sequence    uint64    `json:"sequence"`
	TimestampMs int64     `json:"timestamp_ms"`
	Values      []float64 `json:"values"`
	Signature   []byte    `json:"signature"`
}

func (j JSONReading) proto() reading.Reading {
	return reading.Reading{DeviceId: j.DeviceID, Sequence: j.Sequence, TimestampMs: j.TimestampMs, Values: j.Values, Signature: j.Signature}
}

func jsonReading(r reading.Reading) JSONReading {
	return JSONReading{DeviceID: r.DeviceId, Sequence: r.Sequence, TimestampMs: r.TimestampMs, Values: r.Values, Signature: r.Signature}
}

// Handler serves the gateway API:
//
//	POST /v1/readings                          signed readings (protobuf ReadingList, or JSON: one reading, an array, or {"readings": [...]})
//	GET  /v1/batches/{device}/{seq}            a sealed batch (JSON, or protobuf ReadingList with Accept: application/x-protobuf)
//	GET  /v1/batches/{device}/{seq}/proof/{i}  the Merkle inclusion proof of reading i
//	GET  /v1/devices/{device}                  the device's last accepted sequence, to resume after a restart
//	GET  /v1/health                            liveness and totals
//
// Sealed batches and proofs are public data whose URIs the chain publishes: any web page may
// read them (CORS), so a browser can verify readings against their on-chain root.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/readings", g.limitClients(g.postReadings))
	mux.HandleFunc("GET /v1/batches/{device}/{seq}", publicRead(g.getBatch))
	mux.HandleFunc("GET /v1/batches/{device}/{seq}/proof/{index}", publicRead(g.getProof))
	mux.HandleFunc("GET /v1/devices/{device}", g.getDevice)
	mux.HandleFunc("GET /v1/health", g.getHealth)
	return mux
}

// publicRead lets pages of any origin read the answer; the requests carry no credentials.
func publicRead(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		next(w, r)
	}
}

// limitClients refuses a client that posts faster than MaxRequestsPerClient allows, before
// any body is read or signature checked.
func (g *Gateway) limitClients(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if g.perClient != nil && !g.perClient.Allow(ratelimit.ClientKey(r)) {
			ratelimit.TooMany(w, time.Second)
			return
		}
		next(w, r)
	}
}

type readingError struct {
	Index    int    `json:"index"`
	DeviceID uint64 `json:"device_id"`
	Sequence uint64 `json:"sequence"`
	Status   int    `json:"status"`
	Error    string `json:"error"`
}

type postResponse struct {
	Accepted int            `json:"accepted"`
	Rejected []readingError `json:"rejected,omitempty"`
}

// postReadings answers 200 when every reading was accepted, the first rejection's status
// when none was, and 207 with the per-reading errors when some were.
func (g *Gateway) postReadings(w http.ResponseWriter, req *http.Request) {
	readings, err := decodeReadings(req)
	if err != nil {
		writeError(w, err)
		return
	}
	errs := g.Ingest(req.Context(), readings)
	resp := postResponse{}
	for i, err := range errs {
		if err == nil {
			resp.Accepted++
			continue
		}
		resp.Rejected = append(resp.Rejected, readingError{
			Index: i, DeviceID: readings[i].DeviceId, Sequence: readings[i].Sequence, Status: statusOf(err), Error: err.Error(),
		})
	}
	status := http.StatusOK
	switch {
	case len(resp.Rejected) == 0:
	case resp.Accepted == 0:
		status = resp.Rejected[0].Status
	default:
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, resp)
}

// decodeReadings reads a POST body in either format.
func decodeReadings(req *http.Request) ([]reading.Reading, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, req.Body, maxBodyBytes))
	if err != nil {
		return nil, reject(http.StatusRequestEntityTooLarge, "body over %d bytes", maxBodyBytes)
	}
	mediaType, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
	var readings []reading.Reading
	switch mediaType {
	case ContentTypeProtobuf:
		var list reading.ReadingList
		if err := list.Unmarshal(body); err != nil {
			return nil, reject(http.StatusBadRequest, "body is not a protobuf ReadingList: %v", err)
		}
		readings = list.Readings
	case "application/json", "":
		readings, err = decodeJSONReadings(body)
		if err != nil {
			return nil, err
		}
	default:
		return nil, reject(http.StatusUnsupportedMediaType, "content type %q: send application/json or %s", mediaType, ContentTypeProtobuf)
	}
	if len(readings) == 0 || len(readings) > maxReadingsPerPost {
		return nil, reject(http.StatusBadRequest, "send 1 to %d readings, got %d", maxReadingsPerPost, len(readings))
	}
	return readings, nil
}

func decodeJSONReadings(body []byte) ([]reading.Reading, error) {
	var many []JSONReading
	trimmed := strings.TrimSpace(string(body))
	var err error
	switch {
	case strings.HasPrefix(trimmed, "["):
		err = strictJSON(body, &many)
	case strings.Contains(trimmed, `"readings"`):
		var wrapped struct {
			Readings []JSONReading `json:"readings"`
		}
		err = strictJSON(body, &wrapped)
		many = wrapped.Readings
	default:
		var one JSONReading
		err = strictJSON(body, &one)
		many = []JSONReading{one}
	}
	if err != nil {
		return nil, reject(http.StatusBadRequest, "body is not a JSON reading, array of readings or {\"readings\": [...]}: %v", err)
	}
	out := make([]reading.Reading, len(many))
	for i, j := range many {
		out[i] = j.proto()
	}
	return out, nil
}

func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// pathIDs reads {device} and {seq} from the request path.
func pathIDs(req *http.Request) (id, seq uint64, err error) {
	id, err = strconv.ParseUint(req.PathValue("device"), 10, 64)
	if err != nil {
		return 0, 0, reject(http.StatusBadRequest, "device id %q is not a number", req.PathValue("device"))
	}
	if s := req.PathValue("seq"); s != "" {
		if seq, err = strconv.ParseUint(s, 10, 64); err != nil {
			return 0, 0, reject(http.StatusBadRequest, "batch sequence %q is not a number", s)
		}
	}
	return id, seq, nil
}

// BatchJSON is the JSON form of a served batch.
type BatchJSON struct {
	DeviceID uint64        `json:"device_id"`
	Seq      uint64        `json:"seq"`
	Root     string        `json:"root"`
	Count    int           `json:"count"`
	Readings []JSONReading `json:"readings"`
}

// batchOf loads the batch the request path names, or answers with the error.
func (g *Gateway) batchOf(w http.ResponseWriter, req *http.Request) (id, seq uint64, readings []reading.Reading, ok bool) {
	id, seq, err := pathIDs(req)
	if err == nil {
		readings, err = g.LoadBatch(id, seq)
	}
	if err != nil {
		writeError(w, err)
		return 0, 0, nil, false
	}
	return id, seq, readings, true
}

func (g *Gateway) getBatch(w http.ResponseWriter, req *http.Request) {
	id, seq, readings, ok := g.batchOf(w, req)
	if !ok {
		return
	}
	g.metrics.Served.WithLabelValues("batch").Inc()
	if strings.Contains(req.Header.Get("Accept"), ContentTypeProtobuf) {
		bz, err := (&reading.ReadingList{Readings: readings}).Marshal()
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("Content-Type", ContentTypeProtobuf)
		_, _ = w.Write(bz)
		return
	}
	out := BatchJSON{DeviceID: id, Seq: seq, Count: len(readings), Readings: make([]JSONReading, len(readings))}
	for i, r := range readings {
		out.Readings[i] = jsonReading(r)
	}
	root := reading.NewBatch(readings).Root
	out.Root = hex.EncodeToString(root[:])
	writeJSON(w, http.StatusOK, out)
}

// ProofJSON is an inclusion proof of one reading in a batch.
type ProofJSON struct {
	DeviceID uint64      `json:"device_id"`
	Seq      uint64      `json:"seq"`
	Index    uint64      `json:"index"`
	Count    uint64      `json:"count"`
	Root     string      `json:"root"`
	Leaf     []byte      `json:"leaf"`
	Proof    []string    `json:"proof"`
	Reading  JSONReading `json:"reading"`
}

func (g *Gateway) getProof(w http.ResponseWriter, req *http.Request) {
	index, err := strconv.Atoi(req.PathValue("index"))
	if err != nil {
		writeError(w, reject(http.StatusBadRequest, "reading index %q is not a number", req.PathValue("index")))
		return
	}
	id, seq, readings, ok := g.batchOf(w, req)
	if !ok {
		return
	}
	if index < 0 || index >= len(readings) {
		writeError(w, reject(http.StatusNotFound, "batch %d of device %d has %d readings, no index %d", seq, id, len(readings), index))
		return
	}
	b := reading.NewBatch(readings)
	leaf, proof, err := b.Proof(index)
	if err != nil {
		writeError(w, err)
		return
	}
	g.metrics.Served.WithLabelValues("proof").Inc()
	writeJSON(w, http.StatusOK, ProofJSON{
		DeviceID: id, Seq: seq, Index: uint64(index), Count: uint64(len(readings)),
		Root: hex.EncodeToString(b.Root[:]), Leaf: leaf, Proof: hexHashes(proof), Reading: jsonReading(readings[index]),
	})
}

func hexHashes(hs []merkle.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

func (g *Gateway) getDevice(w http.ResponseWriter, req *http.Request) {
	id, _, err := pathIDs(req)
	if err != nil {
		writeError(w, err)
		return
	}
	st, err := g.Status(req.Context(), id)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (g *Gateway) getHealth(w http.ResponseWriter, _ *http.Request) {
	devices, pending, uncommitted := g.Totals()
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "ok", "address": g.cfg.Address, "devices": devices, "pending_readings": pending, "uncommitted_batches": uncommitted,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
}
