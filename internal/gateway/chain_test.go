package gateway

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

func TestCommitErrorsThatNoRetryCures(t *testing.T) {
	permanent := func(err error) bool {
		var p interface{ Permanent() bool }
		return errors.As(classifyCommitError(err), &p) && p.Permanent()
	}
	tooOld := &chainclient.TxError{Codespace: types.ModuleName, Code: types.ErrBatchTime.ABCICode(), Height: 9}
	require.True(t, permanent(tooOld))
	require.True(t, permanent(&chainclient.TxError{Codespace: types.ModuleName, Code: types.ErrInvalidBatch.ABCICode()}))
	require.False(t, permanent(&chainclient.TxError{Codespace: types.ModuleName, Code: types.ErrBadBatchSequence.ABCICode()}),
		"a sequence race heals once the gateway learns the chain's sequence")
	require.False(t, permanent(&chainclient.TxError{Codespace: "sdk", Code: types.ErrBatchTime.ABCICode()}), "same code, other module")
	require.False(t, permanent(errors.New("node down")))
	require.ErrorIs(t, classifyCommitError(tooOld), tooOld)
}
