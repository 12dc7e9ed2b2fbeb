package types

import (
	stdmath "math"

	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/math"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// ValidateOrderTTL checks a create-lease's order_ttl: none, or a class request waiting at
// most maxTTL blocks.
func ValidateOrderTTL(ttl uint64, offerID uint64, maxTTL uint64) error {
	switch {
	case ttl == 0:
		return nil
	case offerID != 0:
		return errorsmod.Wrap(ErrInvalidOrder, "a standing order is matched by class; drop offer_id or order_ttl")
	case ttl > maxTTL:
		return errorsmod.Wrapf(ErrInvalidOrder, "order_ttl must be at most max_order_ttl_blocks (%d), got %d", maxTTL, ttl)
	}
	return nil
}

// AffordablePrice is the highest price per GPU-hour at which funds pay for blocks blocks of
// gpus GPUs: OwedFor(p) <= F  <=>  p*gpus*blocks < (F+1)*blocksPerHour. It saturates at
// MaxUint64.
func AffordablePrice(gpus int, blocks uint64, funds math.Int, blocksPerHour uint64) uint64 {
	per := math.NewIntFromUint64(blocks).MulRaw(int64(gpus))
	if !per.IsPositive() {
		return stdmath.MaxUint64
	}
	p := funds.AddRaw(1).Mul(math.NewIntFromUint64(blocksPerHour)).SubRaw(1).Quo(per)
	if !p.IsUint64() {
		return stdmath.MaxUint64
	}
	return p.Uint64()
}

// DepositBlocks is how many blocks a new lease's deposit must pay for: min_lease_blocks, or
// the whole lease if shorter.
func (p Params) DepositBlocks(hours uint32) uint64 {
	return min(p.MinLeaseBlocks, HourBlocks(hours, p.BlocksPerHour))
}

// BidPrice is the most a request pays per GPU-hour: its max price, or less when its deposit
// pays for fewer than the blocks a lease must cover at that price.
func BidPrice(p Params, gpus, hours uint32, maxPrice, deposit sdk.Coin) uint64 {
	bid := AffordablePrice(int(gpus), p.DepositBlocks(hours), deposit.Amount, p.BlocksPerHour)
	if HasMaxPrice(maxPrice) && maxPrice.Amount.IsUint64() {
		bid = min(bid, maxPrice.Amount.Uint64())
	}
	return bid
}

// LeaseRequest is the create-lease an open order stands for, its price bounded by its bid.
func (o Order) LeaseRequest() *MsgCreateLease {
	return &MsgCreateLease{
		Tenant: o.Tenant, Class: o.Class, Gpus: o.Gpus, Hours: o.Hours,
		MaxPricePerGpuHour: sdk.NewCoin(o.Deposit.Denom, math.NewIntFromUint64(o.BidPrice)),
		MinGpuScore:        o.MinGpuScore, Deposit: o.Deposit, ManifestHash: o.ManifestHash,
	}
}
