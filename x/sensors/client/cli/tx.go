// Package cli holds the x/sensors transactions that autocli cannot build: those with a
// device possession proof, signed by the device key, and those with a list of channels.
package cli

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/client/tx"

	"github.com/thalamus-network/thalamus/pkg/devicekey"
	"github.com/thalamus-network/thalamus/x/sensors/types"
)

const (
	flagDeviceKey     = "device-key"
	flagPubKey        = "pubkey"
	flagPossessionSig = "possession-sig"
	flagChannel       = "channel"
	flagInterval      = "interval"
	flagLocation      = "location"
	flagGateway       = "gateway"
)

// TxCommands returns the custom x/sensors transaction commands; autocli adds the rest.
func TxCommands() []*cobra.Command {
	return []*cobra.Command{registerDeviceCmd(), updateDeviceCmd(), acceptDeviceTransferCmd()}
}

func registerDeviceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "register-device [kind]",
		Short: "Register a sensor device; its key proves possession by signing (chain id, owner)",
		Long: `Register a device of a kind (weather, air, traffic, energy, gpu-telemetry or a custom
lowercase name). The device key signs the possession proof: give --device-key FILE (made by
'thalamus-agent device-key FILE'), or --pubkey and --possession-sig made on the device.
Each --channel is name:unit:min:max, the declared physical range of the values.`,
		Example: "thalamusd tx sensors register-device weather --device-key station1.key \\\n" +
			"  --channel temperature_c:C:-40:60 --channel humidity_pct:%:0:100 --interval 60s \\\n" +
			"  --location 52.520008,13.404954 --gateway thalamus1... --from operator",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, err := client.GetClientTxContext(cmd)
			if err != nil {
				return err
			}
			owner := clientCtx.GetFromAddress().String()
			desc, err := readDescription(cmd.Flags())
			if err != nil {
				return err
			}
			pub, sig, err := possession(cmd.Flags(), clientCtx.ChainID, owner, nil)
			if err != nil {
				return err
			}
			msg := &types.MsgRegisterDevice{
				Owner: owner, PubKey: pub, PossessionSig: sig, Kind: args[0],
				Channels: desc.channels, SamplingInterval: desc.interval, Location: desc.location, Gateway: desc.gateway,
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	addDescriptionFlags(cmd)
	cmd.Flags().String(flagDeviceKey, "", "file holding the device key, which signs the possession proof")
	cmd.Flags().String(flagPubKey, "", "device public key, hex (when the key stays on the device)")
	cmd.Flags().String(flagPossessionSig, "", "possession signature made on the device, hex")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func updateDeviceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "update-device [device-id]",
		Short:   "Replace a device's channels, sampling interval, location and gateway (omitted location and gateway are cleared)",
		Example: "thalamusd tx sensors update-device 1 --channel temperature_c:C:-40:60 --interval 30s --gateway thalamus1... --from operator",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, id, err := deviceTxContext(cmd, args[0])
			if err != nil {
				return err
			}
			desc, err := readDescription(cmd.Flags())
			if err != nil {
				return err
			}
			msg := &types.MsgUpdateDevice{
				Owner: clientCtx.GetFromAddress().String(), DeviceId: id,
				Channels: desc.channels, SamplingInterval: desc.interval, Location: desc.location, Gateway: desc.gateway,
			}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	addDescriptionFlags(cmd)
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func acceptDeviceTransferCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "accept-device-transfer [device-id]",
		Short:   "Take over a device offered to you; the device key signs a possession proof for you",
		Example: "thalamusd tx sensors accept-device-transfer 1 --device-key station1.key --from new-owner",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx, id, err := deviceTxContext(cmd, args[0])
			if err != nil {
				return err
			}
			newOwner := clientCtx.GetFromAddress().String()
			_, sig, err := possession(cmd.Flags(), clientCtx.ChainID, newOwner, []byte{})
			if err != nil {
				return err
			}
			msg := &types.MsgAcceptDeviceTransfer{NewOwner: newOwner, DeviceId: id, PossessionSig: sig}
			return tx.GenerateOrBroadcastTxCLI(clientCtx, cmd.Flags(), msg)
		},
	}
	cmd.Flags().String(flagDeviceKey, "", "file holding the device key, which signs the possession proof")
	cmd.Flags().String(flagPossessionSig, "", "possession signature for the new owner made on the device, hex")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// deviceTxContext returns the tx context and the device id argument.
func deviceTxContext(cmd *cobra.Command, idArg string) (client.Context, uint64, error) {
	clientCtx, err := client.GetClientTxContext(cmd)
	if err != nil {
		return clientCtx, 0, err
	}
	id, err := strconv.ParseUint(idArg, 10, 64)
	if err != nil {
		return clientCtx, 0, fmt.Errorf("device id %q: %w", idArg, err)
	}
	return clientCtx, id, nil
}

// possession returns the device public key and its possession signature for owner, from
// --device-key or from --pubkey/--possession-sig. knownPub non-nil means the key is on chain
// already and only the signature is needed.
func possession(fs *pflag.FlagSet, chainID, owner string, knownPub []byte) (pub, sig []byte, err error) {
	if chainID == "" {
		return nil, nil, errors.New("the possession proof names the chain: set --chain-id")
	}
	keyFile, _ := fs.GetString(flagDeviceKey)
	if keyFile != "" {
		key, err := devicekey.Load(keyFile)
		if err != nil {
			return nil, nil, err
		}
		return key.Public().(ed25519.PublicKey), ed25519.Sign(key, types.PossessionSignBytes(chainID, owner)), nil
	}
	sigHex, _ := fs.GetString(flagPossessionSig)
	if sig, err = hex.DecodeString(sigHex); err != nil || len(sig) != ed25519.SignatureSize {
		return nil, nil, fmt.Errorf("give --%s, or --%s with %d bytes of hex", flagDeviceKey, flagPossessionSig, ed25519.SignatureSize)
	}
	if knownPub != nil {
		return knownPub, sig, nil
	}
	pubHex, _ := fs.GetString(flagPubKey)
	if pub, err = hex.DecodeString(pubHex); err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, nil, fmt.Errorf("--%s must be %d bytes of hex", flagPubKey, ed25519.PublicKeySize)
	}
	return pub, sig, nil
}

type description struct {
	channels []types.Channel
	interval time.Duration
	location *types.Location
	gateway  string
}

func addDescriptionFlags(cmd *cobra.Command) {
	cmd.Flags().StringArray(flagChannel, nil, "a channel as name:unit:min:max, e.g. temperature_c:C:-40:60 (repeat for more)")
	cmd.Flags().Duration(flagInterval, time.Minute, "nominal sampling interval")
	cmd.Flags().String(flagLocation, "", "latitude,longitude in decimal degrees (optional)")
	cmd.Flags().String(flagGateway, "", "address allowed to commit batches besides the owner (optional)")
}

func readDescription(fs *pflag.FlagSet) (d description, err error) {
	specs, _ := fs.GetStringArray(flagChannel)
	if len(specs) == 0 {
		return d, fmt.Errorf("declare at least one --%s", flagChannel)
	}
	for _, spec := range specs {
		parts := strings.Split(spec, ":")
		if len(parts) != 4 {
			return d, fmt.Errorf("--%s %q: want name:unit:min:max", flagChannel, spec)
		}
		d.channels = append(d.channels, types.Channel{Name: parts[0], Unit: parts[1], Min: parts[2], Max: parts[3]})
	}
	d.interval, _ = fs.GetDuration(flagInterval)
	d.gateway, _ = fs.GetString(flagGateway)
	if loc, _ := fs.GetString(flagLocation); loc != "" {
		if d.location, err = parseLocation(loc); err != nil {
			return d, err
		}
	}
	return d, nil
}

// parseLocation reads "lat,lon" in decimal degrees into micro-degrees.
func parseLocation(s string) (*types.Location, error) {
	lat, lon, ok := strings.Cut(s, ",")
	if !ok {
		return nil, fmt.Errorf("--%s %q: want latitude,longitude", flagLocation, s)
	}
	microDegrees := func(v string) (int32, error) {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < -180 || f > 180 {
			return 0, fmt.Errorf("--%s %q: %q is not a coordinate in degrees", flagLocation, s, v)
		}
		return int32(f * 1e6), nil
	}
	la, err := microDegrees(lat)
	if err != nil {
		return nil, err
	}
	lo, err := microDegrees(lon)
	if err != nil {
		return nil, err
	}
	return &types.Location{LatitudeMicro: la, LongitudeMicro: lo}, nil
}
