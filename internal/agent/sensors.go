package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	errorsmod "cosmossdk.io/errors"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/internal/sensorsim"
	"github.com/thalamus-network/thalamus/pkg/devicekey"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// SensorChain is the gateway's view of x/sensors through the agent's key: the device
// registry, committed batches, and batch commitments signed by the agent.
type SensorChain struct {
	chain *Chain
	q     types.QueryClient
}

// NewSensorChain wraps a connected chain client.
func NewSensorChain(chain *Chain) SensorChain {
	return SensorChain{chain: chain, q: types.NewQueryClient(chain.Conn())}
}

// Device implements gateway.Registry.
func (s SensorChain) Device(ctx context.Context, id uint64) (types.Device, error) {
	resp, err := s.q.Device(ctx, &types.QueryDeviceRequest{DeviceId: id})
	if err != nil {
		return types.Device{}, err
	}
	return resp.Device, nil
}

// Batch implements gateway.Registry.
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
	types.ErrBatchTooLarge, types.ErrBatchTime, types.ErrDuplicateRoot,
}

// commitError marks permanent refusals for the gateway (gateway.Permanent).
type commitError struct {
	*TxError
	permanent bool
}

func (e commitError) Permanent() bool { return e.permanent }
func (e commitError) Unwrap() error   { return e.TxError }

// Commit implements gateway.Committer: one transaction, waiting for its block.
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
	var txErr *TxError
	if !errors.As(err, &txErr) {
		return err
	}
	permanent := false
	for _, e := range permanentCommitErrors {
		permanent = permanent || (txErr.Codespace == e.Codespace() && txErr.Code == e.ABCICode())
	}
	return commitError{TxError: txErr, permanent: permanent}
}

// SimDeviceSpec describes a simulated device to register.
type SimDeviceSpec struct {
	Name   string
	Kind   string
	Source sensorsim.Source
	Fault  sensorsim.Fault
	// Onset is the reading from which Fault shows.
	Onset int
	// Interval is the nominal sampling interval declared on chain.
	Interval time.Duration
}

// EnsureSimDevices loads (or creates) each simulated device's key under dir, registers the
// devices the chain does not know yet in one transaction owned by the agent's key, and
// returns them with their on-chain ids.
func (s SensorChain) EnsureSimDevices(ctx context.Context, dir string, specs []SimDeviceSpec) ([]*sensorsim.Device, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	devices := make([]*sensorsim.Device, len(specs))
	var register []sdk.Msg
	for i, spec := range specs {
		key, err := devicekey.LoadOrGenerate(filepath.Join(dir, spec.Name+".key"))
		if err != nil {
			return nil, err
		}
		lo, hi := spec.Source.Range()
		channel := types.Channel{Name: "value", Unit: "u", Min: strconv.FormatFloat(lo, 'f', 3, 64), Max: strconv.FormatFloat(hi, 'f', 3, 64)}
		if spec.Kind == types.KindWeather {
			channel.Name, channel.Unit = "temperature_c", "C"
		}
		devices[i] = sensorsim.NewDevice(spec.Name, key, channel, spec.Source, spec.Fault, spec.Onset)
		pub := key.Public().(ed25519.PublicKey)
		id, err := s.deviceByKey(ctx, pub)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			devices[i].ID = id
			continue
		}
		register = append(register, &types.MsgRegisterDevice{
			Owner: s.chain.Address, PubKey: pub, Kind: spec.Kind, Channels: []types.Channel{channel}, SamplingInterval: spec.Interval,
			PossessionSig: ed25519.Sign(key, types.PossessionSignBytes(s.chain.ChainID(), s.chain.Address)),
		})
	}
	if len(register) > 0 {
		if _, _, err := s.chain.Send(ctx, register...); err != nil {
			return nil, fmt.Errorf("register %d simulated devices: %w", len(register), err)
		}
	}
	for _, d := range devices {
		if d.ID != 0 {
			continue
		}
		id, err := s.deviceByKey(ctx, d.Key.Public().(ed25519.PublicKey))
		if err != nil {
			return nil, err
		}
		if id == 0 {
			return nil, fmt.Errorf("device %s not found after registering it", d.Name)
		}
		d.ID = id
	}
	return devices, nil
}

// deviceByKey finds the agent's device with a public key (0 when there is none).
func (s SensorChain) deviceByKey(ctx context.Context, pub []byte) (uint64, error) {
	var next []byte
	for {
		resp, err := s.q.Devices(ctx, &types.QueryDevicesRequest{Owner: s.chain.Address, Pagination: &query.PageRequest{Key: next, Limit: 200}})
		if err != nil {
			return 0, err
		}
		for _, d := range resp.Devices {
			if bytes.Equal(d.PubKey, pub) {
				return d.Id, nil
			}
		}
		if resp.Pagination == nil || len(resp.Pagination.NextKey) == 0 {
			return 0, nil
		}
		next = resp.Pagination.NextKey
	}
}
