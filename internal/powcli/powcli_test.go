package powcli_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/powcli"
	"github.com/thalamus-network/thalamus/pkg/pow"
)

const seed = "5c2b7f3e1a2b4c3d8e9f0a1b2c3d4e5f5c2b7f3e1a2b4c3d8e9f0a1b2c3d4e5f"

func run(t *testing.T, cmd interface {
	SetArgs([]string)
	Execute() error
}, args ...string,
) error {
	t.Helper()
	cmd.SetArgs(args)
	return cmd.Execute()
}

// The operator pair: solve writes winners that verify accepts, and verify rejects a tampered
// file naming the nonce.
func TestSolveThenVerify(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := filepath.Join(t.TempDir(), "winners.json")
	solve := powcli.SolveCmd(logger)
	solve.SilenceUsage, solve.SilenceErrors = true, true
	require.NoError(t, run(t, solve, "--preset", "test", "--seed", seed, "--seconds", "0.2", "--out", out))

	verify := func(file string, extra ...string) error {
		cmd := powcli.VerifyCmd(logger)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		return run(t, cmd, append([]string{"--preset", "test", "--seed", seed, file}, extra...)...)
	}
	require.NoError(t, verify(out, "--samples", "0"))

	bz, err := os.ReadFile(out) //nolint:gosec // a test file under t.TempDir() or testdata
	require.NoError(t, err)
	var res pow.Result
	require.NoError(t, json.Unmarshal(bz, &res))
	require.NotEmpty(t, res.Winners)
	require.Positive(t, res.NoncesTried)
	res.Winners[0].Digest ^= 1
	bad := filepath.Join(t.TempDir(), "bad.json")
	bz, err = json.Marshal(res)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, bz, 0o600))
	err = verify(bad, "--samples", "0")
	require.ErrorIs(t, err, pow.ErrBadWinner)
	require.ErrorContains(t, err, "nonce")

	require.Error(t, verify(out, "--seed", "00"), "a malformed seed is refused")
}
