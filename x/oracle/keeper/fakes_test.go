package keeper_test

import (
	"context"
	"fmt"
	"time"

	"cosmossdk.io/math"

	cryptoproto "github.com/cometbft/cometbft/proto/tendermint/crypto"

	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/thalamus-network/thalamus/x/oracle/types"
)

// fakeStaking knows validators by consensus address.
type fakeStaking struct {
	validators map[string]stakingtypes.Validator
}

func (f *fakeStaking) GetPubKeyByConsAddr(context.Context, sdk.ConsAddress) (cryptoproto.PublicKey, error) {
	return cryptoproto.PublicKey{}, stakingtypes.ErrNoValidatorFound
}

func (f *fakeStaking) GetValidatorByConsAddr(_ context.Context, addr sdk.ConsAddress) (stakingtypes.Validator, error) {
	v, ok := f.validators[string(addr)]
	if !ok {
		return v, stakingtypes.ErrNoValidatorFound
	}
	return v, nil
}

func (f *fakeStaking) GetValidator(context.Context, sdk.ValAddress) (stakingtypes.Validator, error) {
	return stakingtypes.Validator{}, stakingtypes.ErrNoValidatorFound
}

func (f *fakeStaking) PowerReduction(context.Context) math.Int { return sdk.DefaultPowerReduction }

// bond registers a bonded validator with the given consensus power.
func (f *fakeStaking) bond(addr []byte, power int64) {
	f.validators[string(addr)] = stakingtypes.Validator{
		Status: stakingtypes.Bonded, Tokens: sdk.TokensFromConsensusPower(power, sdk.DefaultPowerReduction),
	}
}

// fakeSlashing records what it was asked to do.
type fakeSlashing struct {
	slashed []string
	jailed  []string
	until   []time.Time
}

func (f *fakeSlashing) Slash(_ context.Context, addr sdk.ConsAddress, _ math.LegacyDec, _, _ int64) error {
	f.slashed = append(f.slashed, string(addr))
	return nil
}

func (f *fakeSlashing) Jail(_ context.Context, addr sdk.ConsAddress) error {
	f.jailed = append(f.jailed, string(addr))
	return nil
}

func (f *fakeSlashing) JailUntil(_ context.Context, _ sdk.ConsAddress, t time.Time) error {
	f.until = append(f.until, t)
	return nil
}

// recordingHooks records the tasks it is told about and can fail.
type recordingHooks struct {
	finalized, expired []types.Task
	fail               error
}

func (h *recordingHooks) OnTaskFinalized(_ context.Context, t types.Task) error {
	h.finalized = append(h.finalized, t)
	return h.fail
}

func (h *recordingHooks) OnTaskExpired(_ context.Context, t types.Task) error {
	h.expired = append(h.expired, t)
	return h.fail
}

// recordingRewards records the validator work it is credited.
type recordingRewards struct{ credits []string }

func (r *recordingRewards) AddValidatorWork(_ context.Context, addr sdk.ConsAddress, power int64, valid uint64) error {
	r.credits = append(r.credits, fmt.Sprintf("%x:%d:%d", []byte(addr), power, valid))
	return nil
}

// one is the items of a report or result on a sensor task of one batch.
func one(score uint32, flags ...uint32) []types.ItemScore {
	return []types.ItemScore{{Score: score, Flags: flags}}
}
