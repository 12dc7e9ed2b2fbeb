package abci

import (
	"bytes"
	"fmt"

	abci "github.com/cometbft/cometbft/abci/types"
	cryptoenc "github.com/cometbft/cometbft/crypto/encoding"
	"github.com/cometbft/cometbft/libs/protoio"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"

	"cosmossdk.io/log"

	"github.com/cosmos/cosmos-sdk/baseapp"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/x/oracle/keeper"
	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// ProposalHandler wraps the app's default proposal handlers: the proposer puts the last
// commit's vote extensions in front of the block's transactions, and every validator checks
// them before voting for the block.
type ProposalHandler struct {
	keeper  keeper.Keeper
	logger  log.Logger
	prepare sdk.PrepareProposalHandler
	process sdk.ProcessProposalHandler
}

// NewProposalHandler wraps the given (default) handlers.
func NewProposalHandler(k keeper.Keeper, logger log.Logger, prepare sdk.PrepareProposalHandler, process sdk.ProcessProposalHandler) *ProposalHandler {
	return &ProposalHandler{keeper: k, logger: logger, prepare: prepare, process: process}
}

// extensionsEnabled reports whether the last commit of height carries vote extensions.
func extensionsEnabled(ctx sdk.Context, height int64) bool {
	cp := ctx.ConsensusParams()
	return cp.Abci != nil && cp.Abci.VoteExtensionsEnableHeight > 0 && height > cp.Abci.VoteExtensionsEnableHeight
}

// PrepareProposal drops the extensions that are malformed or wrongly signed (extensions that
// arrive after 2/3 are never verified, cometbft#2523), and injects the rest when they still
// pass the SDK's check; otherwise the block carries none and nothing is aggregated.
func (h *ProposalHandler) PrepareProposal() sdk.PrepareProposalHandler {
	return func(ctx sdk.Context, req *abci.RequestPrepareProposal) (*abci.ResponsePrepareProposal, error) {
		var injected []byte
		if extensionsEnabled(ctx, req.Height) {
			commit := h.prune(ctx, req.Height, req.LocalLastCommit)
			if err := baseapp.ValidateVoteExtensions(ctx, h.keeper.StakingKeeper(), req.Height, ctx.ChainID(), commit); err != nil {
				h.logger.Error("vote extensions fail validation; proposing without them", "height", req.Height, "err", err)
			} else if bz, err := commit.Marshal(); err == nil {
				injected = append(bytes.Clone(types.ExtensionMarker), bz...)
			}
		}
		inner := *req
		inner.MaxTxBytes -= int64(len(injected))
		resp, err := h.prepare(ctx, &inner)
		if err != nil || injected == nil {
			return resp, err
		}
		resp.Txs = append([][]byte{injected}, resp.Txs...)
		return resp, nil
	}
}

// prune marks as absent the votes whose extension is malformed or not signed by the validator.
func (h *ProposalHandler) prune(ctx sdk.Context, height int64, commit abci.ExtendedCommitInfo) abci.ExtendedCommitInfo {
	params, err := h.keeper.Params.Get(ctx)
	if err != nil {
		return commit
	}
	out := commit
	out.Votes = make([]abci.ExtendedVoteInfo, len(commit.Votes))
	for i, v := range commit.Votes {
		out.Votes[i] = v
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		_, decodeErr := types.DecodeExtension(v.VoteExtension, params.MaxTasksPerVoteExtension)
		if sigErr := h.verifySignature(ctx, height, commit.Round, v); decodeErr != nil || sigErr != nil {
			h.logger.Info("dropping a vote extension from the proposal", "validator", sdk.ConsAddress(v.Validator.Address).String(),
				"decode", decodeErr, "signature", sigErr)
			out.Votes[i].BlockIdFlag = cmtproto.BlockIDFlagAbsent
			out.Votes[i].VoteExtension, out.Votes[i].ExtensionSignature = nil, nil
		}
	}
	return out
}

// verifySignature checks a vote extension's signature the way baseapp.ValidateVoteExtensions does.
func (h *ProposalHandler) verifySignature(ctx sdk.Context, height int64, round int32, v abci.ExtendedVoteInfo) error {
	pk, err := h.keeper.StakingKeeper().GetPubKeyByConsAddr(ctx, v.Validator.Address)
	if err != nil {
		return err
	}
	pub, err := cryptoenc.PubKeyFromProto(pk)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	cve := cmtproto.CanonicalVoteExtension{Extension: v.VoteExtension, Height: height - 1, Round: int64(round), ChainId: ctx.ChainID()}
	if _, err := protoio.NewDelimitedWriter(&buf).WriteMsg(&cve); err != nil {
		return err
	}
	if !pub.VerifySignature(buf.Bytes(), v.ExtensionSignature) {
		return fmt.Errorf("bad extension signature")
	}
	return nil
}

// ProcessProposal rejects a block whose injected extended commit does not decode, fails the
// SDK's signature and power checks, or holds a malformed extension; a block without one is
// accepted (nothing is aggregated in it). The rest goes to the wrapped handler.
func (h *ProposalHandler) ProcessProposal() sdk.ProcessProposalHandler {
	reject := &abci.ResponseProcessProposal{Status: abci.ResponseProcessProposal_REJECT}
	return func(ctx sdk.Context, req *abci.RequestProcessProposal) (*abci.ResponseProcessProposal, error) {
		inner := *req
		if commit, ok := injectedCommit(req.Txs); ok {
			if !extensionsEnabled(ctx, req.Height) {
				h.logger.Error("proposal injects vote extensions before they are enabled", "height", req.Height)
				return reject, nil
			}
			if err := h.validate(ctx, req.Height, commit); err != nil {
				h.logger.Error("rejecting a proposal with invalid vote extensions", "height", req.Height, "err", err)
				return reject, nil
			}
			inner.Txs = req.Txs[1:]
		}
		return h.process(ctx, &inner)
	}
}

func (h *ProposalHandler) validate(ctx sdk.Context, height int64, commit *abci.ExtendedCommitInfo) error {
	if commit == nil {
		return fmt.Errorf("injected extended commit does not decode")
	}
	if err := baseapp.ValidateVoteExtensions(ctx, h.keeper.StakingKeeper(), height, ctx.ChainID(), *commit); err != nil {
		return err
	}
	params, err := h.keeper.Params.Get(ctx)
	if err != nil {
		return err
	}
	for _, v := range commit.Votes {
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		if _, err := types.DecodeExtension(v.VoteExtension, params.MaxTasksPerVoteExtension); err != nil {
			return fmt.Errorf("validator %s: %w", sdk.ConsAddress(v.Validator.Address), err)
		}
	}
	return nil
}

// injectedCommit finds the extended commit in the first transaction: ok is false when there
// is none; commit is nil when there is one that does not decode.
func injectedCommit(txs [][]byte) (*abci.ExtendedCommitInfo, bool) {
	if len(txs) == 0 || !bytes.HasPrefix(txs[0], types.ExtensionMarker) {
		return nil, false
	}
	var commit abci.ExtendedCommitInfo
	if err := commit.Unmarshal(txs[0][len(types.ExtensionMarker):]); err != nil {
		return nil, true
	}
	return &commit, true
}

// PreBlocker runs the wrapped PreBlocker, then the oracle's aggregation on the block's
// injected votes (none if the block carries none), in a cache context: an aggregation error
// is logged and discarded, never halting the chain.
func PreBlocker(k keeper.Keeper, logger log.Logger, next sdk.PreBlocker) sdk.PreBlocker {
	return func(ctx sdk.Context, req *abci.RequestFinalizeBlock) (*sdk.ResponsePreBlock, error) {
		res, err := next(ctx, req)
		if err != nil {
			return res, err
		}
		votes, set, err := votesOf(ctx, k, req.Txs)
		if err != nil {
			logger.Error("oracle: reading the injected votes failed", "height", req.Height, "err", err)
		}
		cacheCtx, write := ctx.CacheContext()
		var totalPower int64
		for _, m := range set {
			totalPower += m.Power
		}
		if set != nil {
			err = k.RecordValidatorSet(cacheCtx, set)
		}
		if err == nil {
			err = k.ProcessVotes(cacheCtx, votes, totalPower)
		}
		if err != nil {
			logger.Error("oracle aggregation failed; this block's oracle work is skipped", "height", req.Height, "err", err)
			return res, nil
		}
		write()
		return res, nil
	}
}

// votesOf turns the injected commit into the committing validators' votes and the whole
// validator set that was asked to vote (nil without a commit). Absent validators are not
// votes (x/slashing handles downtime); an extension that does not decode counts as empty.
func votesOf(ctx sdk.Context, k keeper.Keeper, txs [][]byte) ([]keeper.Vote, []types.Member, error) {
	commit, ok := injectedCommit(txs)
	if !ok || commit == nil {
		return nil, nil, nil
	}
	params, err := k.Params.Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	set := make([]types.Member, 0, len(commit.Votes))
	votes := make([]keeper.Vote, 0, len(commit.Votes))
	for _, v := range commit.Votes {
		addr, err := k.ConsensusAddressCodec().BytesToString(v.Validator.Address)
		if err != nil {
			return nil, nil, err
		}
		set = append(set, types.Member{ConsensusAddress: addr, Power: v.Validator.Power})
		if v.BlockIdFlag != cmtproto.BlockIDFlagCommit {
			continue
		}
		ve, err := types.DecodeExtension(v.VoteExtension, params.MaxTasksPerVoteExtension)
		if err != nil {
			ve = types.OracleVoteExtension{}
		}
		votes = append(votes, keeper.Vote{ConsAddress: v.Validator.Address, Power: v.Validator.Power, Extension: ve})
	}
	return votes, set, nil
}
