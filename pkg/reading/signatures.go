package reading

import (
	"crypto/ed25519"
	"fmt"

	voi "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// SignatureRules are the ed25519 rules a batch's signatures are checked under. Every
// validator must apply the same rules to the same batch: the rules decide which crafted
// signatures (small-order or non-canonical points) pass, so x/sensors switches them at a
// height governance sets (zip215_height), by the batch's commit height.
type SignatureRules int

const (
	// StdLibRules are Go's crypto/ed25519: cofactorless, one signature at a time.
	StdLibRules SignatureRules = iota
	// ZIP215Rules are ZIP-215's cofactored rules, under which verifying a whole batch at once
	// accepts exactly what verifying each signature alone accepts, so a batch is checked in
	// one multi-scalar multiplication.
	ZIP215Rules
)

func (r SignatureRules) String() string {
	if r == ZIP215Rules {
		return "zip215"
	}
	return "stdlib"
}

var zip215 = &voi.Options{Verify: voi.VerifyOptionsZIP_215}

// VerifyAll checks every reading's shape and its signature by pub under rules, and returns
// the index of the first reading that fails (-1 when all pass) with its error. Under
// ZIP215Rules the signatures are verified as one batch; only a batch that fails is walked
// one by one, with the same rules, to name the reading.
func VerifyAll(pub ed25519.PublicKey, readings []Reading, rules SignatureRules) (int, error) {
	for i := range readings {
		if err := CheckShape(&readings[i]); err != nil {
			return i, err
		}
	}
	if rules == StdLibRules {
		var buf []byte
		for i := range readings {
			var err error
			if buf, err = Verify(pub, &readings[i], buf); err != nil {
				return i, err
			}
		}
		return -1, nil
	}
	if len(readings) == 0 {
		return -1, nil
	}
	key, err := voi.NewExpandedPublicKey(voi.PublicKey(pub))
	if err != nil {
		return 0, fmt.Errorf("%w: device key: %w", ErrBadSignature, err)
	}
	messages := make([][]byte, len(readings))
	batch := voi.NewBatchVerifierWithCapacity(len(readings))
	for i := range readings {
		messages[i] = SignBytes(&readings[i])
		batch.AddExpandedWithOptions(key, messages[i], readings[i].Signature, zip215)
	}
	if batch.VerifyBatchOnly(nil) { // nil: crypto/rand draws the batch's random weights
		return -1, nil
	}
	for i := range readings {
		if !voi.VerifyExpandedWithOptions(key, messages[i], readings[i].Signature, zip215) {
			return i, ErrBadSignature
		}
	}
	// ZIP-215 makes the batch and single checks agree; a disagreement would be a library bug.
	return 0, fmt.Errorf("%w: the batch failed but every signature verifies alone", ErrBadSignature)
}
