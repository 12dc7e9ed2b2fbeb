package types

import (
	"crypto/sha256"
	"math/bits"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/thalamus-network/thalamus/pkg/appconsts"
)

// AnyClass asks create-lease to pick the class with the lowest price per verified
// throughput; catalogue classes are upper case, so it names none of them.
const AnyClass = "any"

// MaxLeaseGPUs bounds one lease; providers cap at max_gpus_per_provider anyway.
const MaxLeaseGPUs = 1_024

// maxBlocks keeps block counts far from int64 overflow when added to heights.
const maxBlocks = uint64(1) << 60

// ValidateLeaseRequest checks the fields of a lease request that need no state.
func ValidateLeaseRequest(gpus, hours uint32, maxPrice sdk.Coin, minScore uint32, deposit sdk.Coin, denom string) error {
	if gpus == 0 || gpus > MaxLeaseGPUs {
		return errorsmod.Wrapf(ErrInvalidLease, "gpus must be in [1, %d], got %d", MaxLeaseGPUs, gpus)
	}
	if hours == 0 || hours > MaxLeaseHours {
		return errorsmod.Wrapf(ErrInvalidLease, "hours must be in [1, %d], got %d", MaxLeaseHours, hours)
	}
	if HasMaxPrice(maxPrice) {
		if err := maxPrice.Validate(); err != nil || maxPrice.Denom != denom || !maxPrice.IsPositive() {
			return errorsmod.Wrapf(ErrInvalidLease, "max_price_per_gpu_hour must be empty or a positive amount of %s, got %s", denom, maxPrice)
		}
	}
	if minScore > appconsts.MaxScore {
		return errorsmod.Wrapf(ErrInvalidLease, "min_gpu_score must be at most %d, got %d", appconsts.MaxScore, minScore)
	}
	return ValidateDeposit(deposit, denom)
}

// ValidateDeposit checks an escrow deposit: a positive amount of denom.
func ValidateDeposit(amount sdk.Coin, denom string) error {
	if err := amount.Validate(); err != nil || amount.Denom != denom || !amount.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidCoin, "deposit must be a positive amount of %s, got %s", denom, amount)
	}
	return nil
}

// ValidateManifestHash checks a workload manifest hash: a SHA-256 digest, or, where optional,
// nothing.
func ValidateManifestHash(hash []byte, required bool) error {
	if len(hash) == 0 && !required || len(hash) == sha256.Size {
		return nil
	}
	return errorsmod.Wrapf(ErrInvalidManifest, "manifest_hash must be a %d-byte SHA-256 digest, got %d bytes", sha256.Size, len(hash))
}

// HasMaxPrice reports whether a lease request bounds the price (anything but an empty coin).
func HasMaxPrice(maxPrice sdk.Coin) bool {
	return maxPrice.Denom != "" || (!maxPrice.Amount.IsNil() && !maxPrice.Amount.IsZero())
}

// IsTenantReason and IsProviderReason say which close reasons each lease party may give.
func IsTenantReason(r LeaseCloseReason) bool {
	return r == LEASE_CLOSE_REASON_TENANT_DONE || r == LEASE_CLOSE_REASON_UNSATISFACTORY_SERVICE
}

// IsProviderReason reports whether a provider may close a lease for r.
func IsProviderReason(r LeaseCloseReason) bool {
	return r == LEASE_CLOSE_REASON_PROVIDER_MAINTENANCE || r == LEASE_CLOSE_REASON_TENANT_ABUSE
}

// OwedFor is what blocks active blocks of gpus GPUs cost: floor(price * gpus * blocks / blocksPerHour).
func OwedFor(pricePerGPUHour math.Int, gpus int, blocks, blocksPerHour uint64) math.Int {
	return pricePerGPUHour.MulRaw(int64(gpus)).Mul(math.NewIntFromUint64(blocks)).QuoRaw(int64(blocksPerHour))
}

// AffordableBlocks is the largest block count whose OwedFor stays within funds:
// owed(B) <= F  <=>  price*gpus*B < (F+1)*blocksPerHour  <=>  B <= ((F+1)*blocksPerHour - 1) / (price*gpus).
func AffordableBlocks(pricePerGPUHour math.Int, gpus int, funds math.Int, blocksPerHour uint64) uint64 {
	perHour := pricePerGPUHour.MulRaw(int64(gpus))
	if !perHour.IsPositive() {
		return maxBlocks
	}
	b := funds.AddRaw(1).Mul(math.NewIntFromUint64(blocksPerHour)).SubRaw(1).Quo(perHour)
	if !b.IsUint64() || b.Uint64() > maxBlocks {
		return maxBlocks
	}
	return b.Uint64()
}

// HourBlocks converts lease hours to blocks.
func HourBlocks(hours uint32, blocksPerHour uint64) uint64 {
	hi, lo := bits.Mul64(uint64(hours), blocksPerHour)
	if hi != 0 || lo > maxBlocks {
		return maxBlocks
	}
	return lo
}

// Owed is the lease's total cost of its billed blocks.
func (l Lease) Owed() math.Int {
	return OwedFor(l.PricePerGpuHour.Amount, len(l.GpuIds), l.BilledBlocks, l.BlocksPerHour)
}

// Due is what the provider is owed but has not been paid.
func (l Lease) Due() math.Int {
	return l.Owed().Sub(l.Paid.Amount)
}

// AffordableBlocks is the total of blocks everything deposited so far pays for.
func (l Lease) AffordableBlocks() uint64 {
	return AffordableBlocks(l.PricePerGpuHour.Amount, len(l.GpuIds), l.Escrow.Amount.Add(l.Paid.Amount), l.BlocksPerHour)
}

// BlocksLeft is how many more active blocks the escrow pays for.
func (l Lease) BlocksLeft() uint64 {
	affordable := l.AffordableBlocks()
	if affordable <= l.BilledBlocks {
		return 0
	}
	return affordable - l.BilledBlocks
}

// AccrueTo bills an active lease's blocks from accrued_height up to height, stopping at its
// end height and at the height its funds run dry (so a late top-up still pays for the blocks
// in between). Paused and closed leases accrue nothing.
func (l *Lease) AccrueTo(height int64) {
	if l.State != LEASE_STATE_ACTIVE {
		return
	}
	upTo := min(height, l.EndHeight)
	if upTo <= l.AccruedHeight {
		return
	}
	if l.BillingSuspended { // a leased GPU is down: time passes unbilled
		l.AccruedHeight = upTo
		return
	}
	blocks := min(uint64(upTo-l.AccruedHeight), l.BlocksLeft())
	l.BilledBlocks += blocks
	l.AccruedHeight += int64(blocks)
}

// NextEvent is the height at which the lease needs the chain's attention: an active lease
// when its funds run dry or its hours end, a paused one when its grace ends or its hours end.
func (l Lease) NextEvent(graceBlocks uint64) int64 {
	switch l.State {
	case LEASE_STATE_ACTIVE:
		if l.BillingSuspended {
			return l.EndHeight
		}
		return min(l.EndHeight, l.AccruedHeight+int64(l.BlocksLeft()))
	case LEASE_STATE_PAUSED:
		return min(l.EndHeight, l.PausedHeight+int64(min(graceBlocks, maxBlocks)))
	case LEASE_STATE_PENDING:
		return l.StartDeadlineHeight + 1 // the deadline block itself may still confirm
	default:
		return 0
	}
}
