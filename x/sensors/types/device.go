package types

import (
	"crypto/ed25519"
	"regexp"
	"time"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"
)

// Well-known device kinds; any other lowercase name matching kindPattern is a custom kind.
const (
	KindWeather      = "weather"
	KindAir          = "air"
	KindTraffic      = "traffic"
	KindEnergy       = "energy"
	KindGPUTelemetry = "gpu-telemetry"
)

var (
	kindPattern    = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)
	channelPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)
)

const (
	maxUnitLength = 16
	// MinSamplingInterval and MaxSamplingInterval bound a device's nominal interval.
	MinSamplingInterval = 100 * time.Millisecond
	MaxSamplingInterval = 24 * time.Hour
	possessionDomain    = "thalamus/sensors/possession/v1"
)

// PossessionSignBytes is what a device key signs to show it belongs to owner on chainID.
// The chain id stops replays across networks; the owner stops anyone else claiming the device.
func PossessionSignBytes(chainID, owner string) []byte {
	b := make([]byte, 0, len(possessionDomain)+len(chainID)+len(owner)+2)
	b = append(b, possessionDomain...)
	b = append(b, 0)
	b = append(b, chainID...)
	b = append(b, 0)
	return append(b, owner...)
}

// VerifyPossession checks a possession signature of a device key.
func VerifyPossession(pubKey, sig []byte, chainID, owner string) error {
	if len(pubKey) != ed25519.PublicKeySize {
		return errorsmod.Wrapf(ErrInvalidDevice, "pub_key must be %d bytes, got %d", ed25519.PublicKeySize, len(pubKey))
	}
	if len(sig) != ed25519.SignatureSize || !ed25519.Verify(pubKey, PossessionSignBytes(chainID, owner), sig) {
		return errorsmod.Wrapf(ErrInvalidPossession, "for owner %s on chain %s", owner, chainID)
	}
	return nil
}

// ValidateKind accepts the well-known kinds and custom lowercase names.
func ValidateKind(kind string) error {
	if !kindPattern.MatchString(kind) {
		return errorsmod.Wrapf(ErrInvalidDevice, "kind %q must be 2-32 characters of a-z, 0-9 and -, starting with a letter", kind)
	}
	return nil
}

// ValidateDescription checks the mutable description of a device.
func ValidateDescription(channels []Channel, interval time.Duration, loc *Location, maxChannels uint32) error {
	if len(channels) == 0 || len(channels) > int(maxChannels) {
		return errorsmod.Wrapf(ErrInvalidDevice, "a device needs 1 to %d channels, got %d", maxChannels, len(channels))
	}
	seen := make(map[string]bool, len(channels))
	for _, c := range channels {
		if !channelPattern.MatchString(c.Name) {
			return errorsmod.Wrapf(ErrInvalidDevice, "channel name %q must be 1-32 characters of a-z, 0-9 and _", c.Name)
		}
		if seen[c.Name] {
			return errorsmod.Wrapf(ErrInvalidDevice, "channel %q declared twice", c.Name)
		}
		seen[c.Name] = true
		if c.Unit == "" || len(c.Unit) > maxUnitLength {
			return errorsmod.Wrapf(ErrInvalidDevice, "channel %q unit must be 1-%d characters", c.Name, maxUnitLength)
		}
		lo, err := math.LegacyNewDecFromStr(c.Min)
		if err != nil {
			return errorsmod.Wrapf(ErrInvalidDevice, "channel %q min %q: %s", c.Name, c.Min, err)
		}
		hi, err := math.LegacyNewDecFromStr(c.Max)
		if err != nil {
			return errorsmod.Wrapf(ErrInvalidDevice, "channel %q max %q: %s", c.Name, c.Max, err)
		}
		if !lo.LT(hi) {
			return errorsmod.Wrapf(ErrInvalidDevice, "channel %q range must have min < max, got %s..%s", c.Name, c.Min, c.Max)
		}
	}
	if interval < MinSamplingInterval || interval > MaxSamplingInterval {
		return errorsmod.Wrapf(ErrInvalidDevice, "sampling_interval must be in [%s, %s], got %s", MinSamplingInterval, MaxSamplingInterval, interval)
	}
	if loc != nil && (loc.LatitudeMicro < -90_000_000 || loc.LatitudeMicro > 90_000_000 ||
		loc.LongitudeMicro < -180_000_000 || loc.LongitudeMicro > 180_000_000) {
		return errorsmod.Wrapf(ErrInvalidDevice, "location %d,%d micro-degrees is off the globe", loc.LatitudeMicro, loc.LongitudeMicro)
	}
	return nil
}

// CanCommit reports whether addr may commit batches for the device.
func (d Device) CanCommit(addr string) bool {
	return addr == d.Owner || (d.Gateway != "" && addr == d.Gateway)
}

// UpdateQuality folds a batch score into the stats: the first score sets the average, later ones
// move it by (score - average) / window, in integers so every node computes the same value.
func (s *DeviceStats) UpdateQuality(seq uint64, score, window uint32) {
	if s.ScoredBatches == 0 {
		s.QualityScore = score
	} else {
		avg := int64(s.QualityScore)
		avg += (int64(score) - avg) / int64(window)
		s.QualityScore = uint32(avg)
	}
	s.ScoredBatches++
	s.LastScore = score
	s.LastScoredSeq = seq
}
