// Package abci holds x/oracle's ABCI++ handlers: ExtendVote asks the local sidecar for
// results, VerifyVoteExtension bounds-checks other validators' extensions, PrepareProposal
// injects the extended commit as the first transaction, ProcessProposal re-validates it,
// and the PreBlocker hands the votes to the keeper's aggregation.
package abci

import (
	"context"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// SidecarClient returns the local sidecar's results for a height.
type SidecarClient interface {
	Results(ctx context.Context, height int64) (types.OracleVoteExtension, error)
}

// GRPCSidecar is the SidecarClient over gRPC on localhost. It dials lazily and keeps the
// connection; gRPC reconnects by itself when the sidecar restarts.
type GRPCSidecar struct {
	Address string

	once   sync.Once
	client types.SidecarClient
	err    error
}

// Results calls the sidecar's Results RPC.
func (s *GRPCSidecar) Results(ctx context.Context, height int64) (types.OracleVoteExtension, error) {
	s.once.Do(func() {
		var conn *grpc.ClientConn
		conn, s.err = grpc.NewClient(s.Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if s.err == nil {
			s.client = types.NewSidecarClient(conn)
		}
	})
	if s.err != nil {
		return types.OracleVoteExtension{}, s.err
	}
	res, err := s.client.Results(ctx, &types.SidecarResultsRequest{Height: height})
	if err != nil || res.Extension == nil {
		return types.OracleVoteExtension{}, err
	}
	return *res.Extension, nil
}
