package types

import errorsmod "cosmossdk.io/errors"

// DefaultParams returns the parameters a new chain starts with.
func DefaultParams() Params {
	return Params{
		MaxReadingsPerBatch:  10_000,
		GasPerReading:        20,
		MaxUriLength:         512,
		MaxChannelsPerDevice: 16,
		MaxDevicesPerOwner:   1_000,
		MaxBatchBytes:        16 << 20, // 16 MiB
	}
}

// Validate checks every parameter and names the first one that is out of range.
func (p Params) Validate() error {
	switch {
	case p.MaxReadingsPerBatch == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_readings_per_batch must be positive")
	case p.GasPerReading == 0:
		return errorsmod.Wrap(ErrInvalidParams, "gas_per_reading must be positive: committed readings must cost gas")
	case p.MaxUriLength < 16 || p.MaxUriLength > 4096:
		return errorsmod.Wrapf(ErrInvalidParams, "max_uri_length must be in [16, 4096], got %d", p.MaxUriLength)
	case p.MaxChannelsPerDevice == 0 || p.MaxChannelsPerDevice > 256:
		return errorsmod.Wrapf(ErrInvalidParams, "max_channels_per_device must be in [1, 256], got %d", p.MaxChannelsPerDevice)
	case p.MaxDevicesPerOwner == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_devices_per_owner must be positive")
	case p.MaxBatchBytes == 0:
		return errorsmod.Wrap(ErrInvalidParams, "max_batch_bytes must be positive")
	}
	return nil
}
