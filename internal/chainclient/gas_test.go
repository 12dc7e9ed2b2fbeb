package chainclient

import (
	"context"
	"errors"
	"net"
	"testing"

	clienttx "github.com/cosmos/cosmos-sdk/client/tx"
	"github.com/cosmos/cosmos-sdk/crypto/hd"
	"github.com/cosmos/cosmos-sdk/crypto/keyring"
	sdk "github.com/cosmos/cosmos-sdk/types"
	txtypes "github.com/cosmos/cosmos-sdk/types/tx"
	"github.com/cosmos/cosmos-sdk/types/tx/signing"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

// simulator is a node's tx service that only simulates: it reports gasUsed, or fails.
type simulator struct {
	*txtypes.UnimplementedServiceServer
	gasUsed uint64
	err     error
}

func (s simulator) Simulate(context.Context, *txtypes.SimulateRequest) (*txtypes.SimulateResponse, error) {
	if s.err != nil {
		return nil, s.err
	}
	return &txtypes.SimulateResponse{GasInfo: &sdk.GasInfo{GasUsed: s.gasUsed}}, nil
}

// chainWithSimulator is a Chain whose node is sim, signing with an in-memory key.
func chainWithSimulator(t *testing.T, sim simulator) (*Chain, sdk.Msg) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	sim.UnimplementedServiceServer = &txtypes.UnimplementedServiceServer{}
	txtypes.RegisterServiceServer(srv, sim)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient("passthrough:///node", grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })

	qctx, err := QueryContext("tcp://127.0.0.1:1") // never dialled: simulations go to conn
	require.NoError(t, err)
	kr := keyring.NewInMemory(qctx.Codec)
	rec, _, err := kr.NewMnemonic("provider", keyring.English, sdk.FullFundraiserPath, "", hd.Secp256k1)
	require.NoError(t, err)
	addr, err := rec.GetAddress()
	require.NoError(t, err)
	cctx := qctx.WithGRPCClient(conn).WithKeyring(kr).WithFromName("provider").WithFromAddress(addr).WithChainID("thalamus-test")
	factory := clienttx.Factory{}.WithChainID("thalamus-test").WithKeybase(kr).WithTxConfig(qctx.TxConfig).
		WithSignMode(signing.SignMode_SIGN_MODE_DIRECT).WithAccountNumber(1).WithSequence(1)
	msg := &banktypes.MsgSend{FromAddress: addr.String(), ToAddress: addr.String(), Amount: sdk.NewCoins(sdk.NewInt64Coin("uthal", 1))}
	return &Chain{ctx: cctx, factory: factory, cfg: ChainConfig{From: "provider", GasPerMsg: 300_000}, Address: addr.String()}, msg
}

// A transaction gets the fixed 300,000 per message, or its simulated gas with a 1.5 margin
// when that is more (a proof-of-work answer at its winner cap used 300,390); a failed
// simulation leaves the fixed limit, so the broadcast reports the chain's own error.
func TestGasFor(t *testing.T) {
	for _, c := range []struct {
		name string
		sim  simulator
		msgs int
		want uint64
	}{
		{"small", simulator{gasUsed: 120_000}, 1, 300_000},
		{"large", simulator{gasUsed: 300_390}, 1, 450_585},
		{"two messages", simulator{gasUsed: 250_000}, 2, 600_000},
		{"simulation fails", simulator{err: errors.New("challenge does not accept work")}, 1, 300_000},
	} {
		chain, msg := chainWithSimulator(t, c.sim)
		msgs := make([]sdk.Msg, c.msgs)
		for i := range msgs {
			msgs[i] = msg
		}
		require.Equal(t, c.want, chain.gasFor(chain.factory, msgs), c.name)
	}
}
