package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConsoleServesPagesFilesAndConfig(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<html>app</html>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "assets", "index.js"), []byte("console.log(1)"), 0o644))
	cfg := consoleConfig{REST: localREST, RPC: localRPC, ChainID: "thalamus-local-1",
		DevKeys: devKeys([]Account{{Name: "alice", Mnemonic: "m1"}, {Name: "nokey"}}), AllowPrivateBatchHosts: true}
	srv := httptest.NewServer(consoleHandler(dir, cfg))
	defer srv.Close()

	get := func(path string) (int, string, http.Header) {
		resp, err := http.Get(srv.URL + path)
		require.NoError(t, err)
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body), resp.Header
	}
	// every page path loads the app, so a page's URL opens directly
	for _, path := range []string{"/", "/gpus", "/leases/1", "/devices/1", "/assets/missing.js"} {
		status, body, _ := get(path)
		require.Equal(t, http.StatusOK, status, path)
		require.Equal(t, "<html>app</html>", body, path)
	}
	status, _, _ := get("/../../etc/passwd")
	require.Equal(t, http.StatusBadRequest, status, "no path leaves the console's folder")
	status, body, _ := get("/assets/index.js")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "console.log(1)", body)

	status, body, header := get("/config.json")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "no-store", header.Get("Cache-Control"))
	var got consoleConfig
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Equal(t, []devKey{{Name: "alice", Mnemonic: "m1"}}, got.DevKeys, "accounts without a mnemonic have no dev key")
	require.Equal(t, "thalamus-local-1", got.ChainID)
	require.True(t, got.AllowPrivateBatchHosts)

	resp, err := http.Post(srv.URL+"/config.json", "application/json", nil)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
