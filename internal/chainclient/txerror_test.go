package chainclient

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
)

// A refused transaction matches the registered error it was refused with, and only that one.
func TestTxErrorIsTheRegisteredError(t *testing.T) {
	err := fmt.Errorf("create offer: %w", &TxError{Hash: "AB", Height: 9, Codespace: computetypes.ModuleName, Code: computetypes.ErrOfferExists.ABCICode()})
	require.ErrorIs(t, err, computetypes.ErrOfferExists)
	require.False(t, errors.Is(err, computetypes.ErrOfferNotFound))
	require.False(t, errors.Is(&TxError{Codespace: "sdk", Code: computetypes.ErrOfferExists.ABCICode()}, computetypes.ErrOfferExists))
}
