package sidecar

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/thalamus-network/thalamus/pkg/pow"
	computetypes "github.com/thalamus-network/thalamus/x/compute/types"
	oracletypes "github.com/thalamus-network/thalamus/x/oracle/types"
)

// underperformShare: a GPU whose genuine winners are below this share of the class's
// expected count is reported as underperforming rather than passing.
const underperformShare = 2 // 1/2

// SampleSeed picks which winners a validator recomputes: from the challenge seed (itself
// drawn from a block hash) and the validator's own address, so validators check different
// winners and a provider cannot know which ones in advance.
func SampleSeed(challengeSeed []byte, validator string) uint64 {
	h := sha256.New()
	h.Write([]byte("thalamus/sidecar/pow-samples/v1"))
	h.Write(challengeSeed)
	h.Write([]byte(validator))
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// VerifyChallenge judges a submitted challenge: FRAUD if the claim is malformed or a sampled
// winner does not recompute, UNDERPERFORM if the genuine winners are under half of what the
// class should find, else PASS. The error explains a FRAUD verdict.
func VerifyChallenge(c computetypes.Challenge, samples int, validator string) (oracletypes.Verdict, error) {
	params, err := pow.Preset(c.Preset)
	if err != nil {
		return oracletypes.VERDICT_UNSPECIFIED, fmt.Errorf("challenge %d: %w (upgrade the sidecar)", c.Id, err)
	}
	if len(c.Seed) != len(pow.Seed{}) || len(c.TableSeed) != len(pow.Seed{}) {
		return oracletypes.VERDICT_FRAUD, fmt.Errorf("challenge %d: malformed seeds", c.Id)
	}
	task := pow.Task{Params: params, Seed: pow.Seed(c.Seed), TableSeed: pow.Seed(c.TableSeed)}
	res := pow.Result{Preset: c.Preset, Seed: task.Seed.String(), NoncesTried: c.NoncesTried, Winners: make([]pow.Winner, len(c.Winners))}
	for i, w := range c.Winners {
		res.Winners[i] = pow.Winner{Nonce: w.Nonce, Digest: w.Digest}
	}
	if err := pow.VerifyResult(task, res, samples, SampleSeed(c.Seed, validator)); err != nil {
		return oracletypes.VERDICT_FRAUD, err
	}
	if uint64(len(c.Winners))*underperformShare < c.ExpectedWinners {
		return oracletypes.VERDICT_UNDERPERFORM, nil
	}
	return oracletypes.VERDICT_PASS, nil
}
