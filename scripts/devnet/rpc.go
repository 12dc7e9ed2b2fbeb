package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// status is what the devnet tool reads from CometBFT's /status.
type status struct {
	Height     int64
	AppHash    string
	Earliest   int64 // the first block the node stores: above 1 after a state-sync join
	CatchingUp bool
}

func rpcGet(ctx context.Context, url string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func nodeStatus(ctx context.Context, rpc string) (status, error) {
	var body struct {
		Result struct {
			SyncInfo struct {
				Height     string `json:"latest_block_height"`
				AppHash    string `json:"latest_app_hash"`
				Earliest   string `json:"earliest_block_height"`
				CatchingUp bool   `json:"catching_up"`
			} `json:"sync_info"`
		} `json:"result"`
	}
	if err := rpcGet(ctx, rpc+"/status", &body); err != nil {
		return status{}, err
	}
	info := body.Result.SyncInfo
	h, err := strconv.ParseInt(info.Height, 10, 64)
	if err != nil {
		return status{}, err
	}
	earliest, err := strconv.ParseInt(info.Earliest, 10, 64)
	return status{Height: h, AppHash: info.AppHash, Earliest: earliest, CatchingUp: info.CatchingUp}, err
}

// blockHash returns the hash of the block at height: a light client's root of trust.
func blockHash(ctx context.Context, rpc string, height int64) (string, error) {
	var body struct {
		Result struct {
			BlockID struct {
				Hash string `json:"hash"`
			} `json:"block_id"`
		} `json:"result"`
	}
	err := rpcGet(ctx, fmt.Sprintf("%s/block?height=%d", rpc, height), &body)
	if err == nil && body.Result.BlockID.Hash == "" {
		err = fmt.Errorf("no block %d at %s", height, rpc)
	}
	return body.Result.BlockID.Hash, err
}

// appHashAfter returns the app hash recorded in block height+1, i.e. the state after block height.
func appHashAfter(ctx context.Context, rpc string, height int64) (string, error) {
	var body struct {
		Result struct {
			Block struct {
				Header struct {
					AppHash string `json:"app_hash"`
				} `json:"header"`
			} `json:"block"`
		} `json:"result"`
	}
	err := rpcGet(ctx, fmt.Sprintf("%s/block?height=%d", rpc, height+1), &body)
	return body.Result.Block.Header.AppHash, err
}

// waitForHeight polls a node until it reaches height, calling progress on every poll.
func waitForHeight(ctx context.Context, rpc string, height int64, timeout time.Duration, progress func(status)) (status, error) {
	deadline := time.Now().Add(timeout)
	for {
		st, err := nodeStatus(ctx, rpc)
		if err == nil {
			if progress != nil {
				progress(st)
			}
			if st.Height >= height {
				return st, nil
			}
		}
		if time.Now().After(deadline) {
			return st, fmt.Errorf("%s did not reach height %d within %s (last error: %w)", rpc, height, timeout, err)
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// waitBlocks waits until the local chain is n blocks further on.
func waitBlocks(ctx context.Context, n int64) error {
	st, err := nodeStatus(ctx, localRPC)
	if err != nil {
		return err
	}
	_, err = waitForHeight(ctx, localRPC, st.Height+n, time.Minute, nil)
	return err
}

// scrapeMetrics reads a Prometheus text endpoint: each metric by name, summed over its
// labels, and each labelled series by its full name (name{labels}).
func scrapeMetrics(ctx context.Context, url string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		name, _, _ := strings.Cut(line[:i], "{")
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[name] += v // summed over labels
			if name != line[:i] {
				out[line[:i]] = v // and each labelled series on its own
			}
		}
	}
	return out, nil
}
