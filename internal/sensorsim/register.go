package sensorsim

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"

	"github.com/thalamus-network/thalamus/internal/chainclient"
	"github.com/thalamus-network/thalamus/pkg/devicekey"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

// Spec describes a simulated device to register.
type Spec struct {
	Name   string
	Kind   string
	Source Source
	Fault  Fault
	// Onset is the reading from which Fault shows.
	Onset int
	// Interval is the nominal sampling interval declared on chain.
	Interval time.Duration
}

// Register loads (or creates) each simulated device's key under dir, registers the devices
// the chain does not know yet in one transaction owned by chain's key, and returns them with
// their on-chain ids.
func Register(ctx context.Context, chain *chainclient.Chain, dir string, specs []Spec) ([]*Device, error) {
	q := types.NewQueryClient(chain.Conn())
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	devices := make([]*Device, len(specs))
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
		devices[i] = NewDevice(spec.Name, key, channel, spec.Source, spec.Fault, spec.Onset)
		pub := key.Public().(ed25519.PublicKey)
		id, err := deviceByKey(ctx, q, chain.Address, pub)
		if err != nil {
			return nil, err
		}
		if id != 0 {
			devices[i].ID = id
			continue
		}
		register = append(register, &types.MsgRegisterDevice{
			Owner: chain.Address, PubKey: pub, Kind: spec.Kind, Channels: []types.Channel{channel}, SamplingInterval: spec.Interval,
			PossessionSig: ed25519.Sign(key, types.PossessionSignBytes(chain.ChainID(), chain.Address)),
		})
	}
	if len(register) > 0 {
		if _, _, err := chain.Send(ctx, register...); err != nil {
			return nil, fmt.Errorf("register %d simulated devices: %w", len(register), err)
		}
	}
	for _, d := range devices {
		if d.ID != 0 {
			continue
		}
		id, err := deviceByKey(ctx, q, chain.Address, d.Key.Public().(ed25519.PublicKey))
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

// deviceByKey finds owner's device with a public key (0 when there is none).
func deviceByKey(ctx context.Context, q types.QueryClient, owner string, pub []byte) (uint64, error) {
	var next []byte
	for {
		resp, err := q.Devices(ctx, &types.QueryDevicesRequest{Owner: owner, Pagination: &query.PageRequest{Key: next, Limit: 200}})
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
