// Package cli holds the commands autocli cannot build for x/compute: the tenant's off-chain
// exchange with a lease's provider endpoint (manifest delivery, status, logs). They sign
// with --from but send no transaction, so they live under "thalamusd workload", not "tx".
package cli

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"

	"github.com/thalamus-network/thalamus/pkg/egress"
	"github.com/thalamus-network/thalamus/pkg/workload"
	"github.com/thalamus-network/thalamus/x/compute/types"
)

// flagAllowEndpoint lists provider endpoints at private addresses the commands may contact.
const flagAllowEndpoint = "allow-endpoint"

// endpointTimeout bounds one exchange with a provider endpoint (a followed log excepted).
const endpointTimeout = 30 * time.Second

// WorkloadCommand is "thalamusd workload": the tenant's commands for a lease's workload.
func WorkloadCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workload",
		Short: "Run a workload on leased GPUs: hash a manifest, send it to the provider, read status and logs",
		Long: `A lease created with --manifest-hash runs the manifest whose hash it carries. These commands
talk to the lease's provider endpoint (registered on chain), signed by the tenant's --from key;
none of them sends a transaction. A provider chose that endpoint, so it is contacted only at
public addresses: never this machine, loopback, private, link-local or other special ranges,
whatever its name resolves to, and no redirect is followed. A devnet provider on loopback is
reached by listing it with --allow-endpoint HOST:PORT.`,
		SuggestionsMinimumDistance: 2,
		RunE:                       client.ValidateCmd,
	}
	cmd.PersistentFlags().StringSlice(flagAllowEndpoint, nil,
		"HOST:PORT of a provider endpoint at a private or loopback address that may be contacted (devnets; repeatable)")
	cmd.AddCommand(manifestHashCmd(), sendManifestCmd(), leaseStatusCmd(), leaseLogsCmd())
	return cmd
}

func manifestHashCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "manifest-hash [file]",
		Short: "Check a workload manifest and print its hash for create-lease --manifest-hash",
		Long: `Checks a workload manifest (JSON: image and/or command, env, ports, gpus, tenant_pub_key) and
prints the hex SHA-256 of the file's exact bytes, which create-lease --manifest-hash puts on the
lease. Send the same file with "workload send" afterwards.`,
		Example: `thalamusd workload manifest-hash app.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bz, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			if _, err := workload.Parse(bz); err != nil {
				return err
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), hex.EncodeToString(workload.Hash(bz)))
			return err
		},
	}
}

// tenantSession is what the workload commands need: the signing tenant, its lease and the
// provider endpoint.
type tenantSession struct {
	ctx      client.Context
	lease    types.Lease
	endpoint string
	http     *http.Client
}

func newSession(cmd *cobra.Command, leaseArg string) (tenantSession, error) {
	var s tenantSession
	ctx, err := client.GetClientTxContext(cmd)
	if err != nil {
		return s, err
	}
	id, err := strconv.ParseUint(leaseArg, 10, 64)
	if err != nil {
		return s, fmt.Errorf("lease id %q: %w", leaseArg, err)
	}
	q := types.NewQueryClient(ctx)
	res, err := q.Lease(cmd.Context(), &types.QueryLeaseRequest{Id: id})
	if err != nil {
		return s, err
	}
	prov, err := q.Provider(cmd.Context(), &types.QueryProviderRequest{Address: res.Lease.Provider})
	if err != nil {
		return s, err
	}
	allow, err := cmd.Flags().GetStringSlice(flagAllowEndpoint)
	if err != nil {
		return s, err
	}
	s.ctx, s.lease, s.endpoint = ctx, res.Lease, strings.TrimRight(prov.Provider.Endpoint, "/")
	s.http, err = endpointClient(s.endpoint, allow)
	return s, err
}

// endpointClient is the HTTP client for a provider endpoint, which an account wrote on chain:
// it connects only to addresses pkg/egress allows (allow lists devnet HOST:PORTs), and the
// endpoint itself is checked first, for a clear error before anything is sent.
func endpointClient(endpoint string, allow []string) (*http.Client, error) {
	policy := egress.Policy{Allow: allow}
	if err := policy.Check(endpoint); err != nil {
		return nil, fmt.Errorf("provider endpoint %s: %w (a devnet provider on loopback: --%s HOST:PORT)", endpoint, err, flagAllowEndpoint)
	}
	local, err := egress.LocalAddrs()
	if err != nil {
		return nil, fmt.Errorf("list this machine's addresses, which a provider endpoint must not be: %w", err)
	}
	policy.Local = local
	return egress.NewClient(policy, endpointTimeout), nil
}

// sign signs with the --from key of the keyring.
func (s tenantSession) sign(msg []byte) ([]byte, []byte, error) {
	sig, pub, err := s.ctx.Keyring.Sign(s.ctx.FromName, msg, signing.SignMode_SIGN_MODE_DIRECT)
	if err != nil {
		return nil, nil, err
	}
	return sig, pub.Bytes(), nil
}

func (s tenantSession) url(path string) string {
	return fmt.Sprintf("%s/v1/leases/%d/%s", s.endpoint, s.lease.Id, path)
}

// send sends req and copies the provider's answer to the command's output; anything but a
// 2xx fails with the provider's message.
func (s tenantSession) send(cmd *cobra.Command, req *http.Request) error {
	res, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("provider endpoint: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode/100 != 2 {
		body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		return fmt.Errorf("provider endpoint answered %s: %s", res.Status, strings.TrimSpace(string(body)))
	}
	_, err = io.Copy(cmd.OutOrStdout(), res.Body)
	return err
}

func sendManifestCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "send [lease-id] [file]",
		Short: "Send a lease's workload manifest, signed by the tenant, to the provider's endpoint",
		Long: `Signs the manifest file with the --from key (the lease's tenant) and sends it to the provider
endpoint registered on chain. The provider checks the signature against the lease's tenant
and the file's hash against the lease, starts the workload on the leased GPUs and confirms
the lease on chain; billing starts then.`,
		Example: `thalamusd workload send 7 app.json --from tenant`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := newSession(cmd, args[0])
			if err != nil {
				return err
			}
			bz, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			if !bytes.Equal(workload.Hash(bz), s.lease.ManifestHash) {
				return fmt.Errorf("%s hashes to %X but lease %d expects %X", args[1], workload.Hash(bz), s.lease.Id, s.lease.ManifestHash)
			}
			d, err := workload.NewDelivery(s.ctx.ChainID, s.lease.Id, bz, s.sign)
			if err != nil {
				return err
			}
			body, err := json.Marshal(d)
			if err != nil {
				return err
			}
			req, err := http.NewRequestWithContext(cmd.Context(), http.MethodPost, s.url("manifest"), bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			return s.send(cmd, req)
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

// signedGet sends a GET signed by the tenant and prints the answer.
func (s tenantSession) signedGet(cmd *cobra.Command, url string) error {
	req, err := http.NewRequestWithContext(cmd.Context(), http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if err := workload.SignRequest(req, s.ctx.ChainID, time.Now(), s.sign); err != nil {
		return err
	}
	return s.send(cmd, req)
}

func leaseStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "status [lease-id]",
		Short:   "Ask the provider for a lease's workload: state, restarts, GPUs and access endpoints (tenant-signed)",
		Example: `thalamusd workload status 7 --from tenant`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := newSession(cmd, args[0])
			if err != nil {
				return err
			}
			return s.signedGet(cmd, s.url("status"))
		},
	}
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}

func leaseLogsCmd() *cobra.Command {
	var (
		tail   int
		follow bool
	)
	cmd := &cobra.Command{
		Use:     "logs [lease-id]",
		Short:   "Read a lease's workload output from the provider (tenant-signed); --follow streams it",
		Example: `thalamusd workload logs 7 --tail 50 --follow --from tenant`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := newSession(cmd, args[0])
			if err != nil {
				return err
			}
			if follow {
				s.http.Timeout = 0 // the stream lasts until interrupted; connecting stays bounded
			}
			return s.signedGet(cmd, fmt.Sprintf("%s?tail=%d&follow=%t", s.url("logs"), tail, follow))
		},
	}
	cmd.Flags().IntVar(&tail, "tail", 100, "lines from the end (0: all the provider keeps)")
	cmd.Flags().BoolVar(&follow, "follow", false, "keep streaming new lines until interrupted")
	flags.AddTxFlagsToCmd(cmd)
	return cmd
}
