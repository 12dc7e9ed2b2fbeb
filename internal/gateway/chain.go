package gateway

import (
	"context"
	"errors"
	"time"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// SensorChain is the gateway's view of x/sensors through the operator's key: the device
// registry, committed batches, and batch commitments signed by that key.
type SensorChain struct {
	chain *chainclient.Chain
	q     types.QueryClient
}

// NewSensorChain wraps a connected chain client.
func NewSensorChain(chain *chainclient.Chain) SensorChain {
	return SensorChain{chain: chain, q: types.NewQueryClient(chain.Conn())}
}

// Device implements Registry.
func (s SensorChain) Device(ctx context.Context, id uint64) (types.Device, types.DeviceStats, error) {
	resp, err := s.q.Device(ctx, &types.QueryDeviceRequest{DeviceId: id})
	if err != nil {
		return types.Device{}, types.DeviceStats{}, err
	}
	return resp.Device, resp.Stats, nil
}

// Batch implements Registry.
func (s SensorChain) Batch(ctx context.Context, id, seq uint64) (types.Batch, error) {
	resp, err := s.q.Batch(ctx, &types.QueryBatchRequest{DeviceId: id, Seq: seq})
	if err != nil {
		return types.Batch{}, err
	}
	return resp.Batch, nil
}

// permanentCommitErrors are x/sensors refusals that no retry can cure: the batch itself (or
// its device) is wrong for the chain.
var permanentCommitErrors = []*errorsmod.Error{
	types.ErrDeviceNotFound, types.ErrDeviceInactive, types.ErrUnauthorizedCommit, types.ErrInvalidBatch,
	types.ErrBatchTooLarge, types.ErrBatchTime,
}

// commitError marks permanent refusals for the gateway (Permanent).
type commitError struct {
	*chainclient.TxError
	permanent bool
}

func (e commitError) Permanent() bool { return e.permanent }
func (e commitError) Unwrap() error   { return e.TxError }

// Commit implements Committer: one transaction, waiting for its block.
func (s SensorChain) Commit(ctx context.Context, msgs []*types.MsgCommitBatch) error {
	msgsAny := make([]sdk.Msg, len(msgs))
	for i, m := range msgs {
		msgsAny[i] = m
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, _, err := s.chain.Send(ctx, msgsAny...)
	return classifyCommitError(err)
}

// classifyCommitError marks the chain's refusals that retrying cannot cure.
func classifyCommitError(err error) error {
	var txErr *chainclient.TxError
	if !errors.As(err, &txErr) {
		return err
	}
	permanent := false
	for _, e := range permanentCommitErrors {
		permanent = permanent || (txErr.Codespace == e.Codespace() && txErr.Code == e.ABCICode())
	}
	return commitError{TxError: txErr, permanent: permanent}
}
