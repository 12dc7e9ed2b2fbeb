package types

import (
	"fmt"
)

// DefaultGenesisState returns the genesis state with default params and no devices.
func DefaultGenesisState() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextDeviceId: 1}
}

// Validate checks the genesis state for consistency: devices are unique and valid, every
// batch and stats entry names a device, and batches never run ahead of their device.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	devices := make(map[uint64]Device, len(gs.Devices))
	keys := make(map[string]bool, len(gs.Devices))
	for _, d := range gs.Devices {
		if d.Id == 0 || d.Id >= gs.NextDeviceId {
			return fmt.Errorf("device id %d must be in [1, next_device_id %d)", d.Id, gs.NextDeviceId)
		}
		if _, dup := devices[d.Id]; dup {
			return fmt.Errorf("device %d listed twice", d.Id)
		}
		if keys[string(d.PubKey)] {
			return fmt.Errorf("device %d: key already used by another device", d.Id)
		}
		if d.Owner == "" || (d.Status != DEVICE_STATUS_ACTIVE && d.Status != DEVICE_STATUS_DEACTIVATED) {
			return fmt.Errorf("device %d: owner and status are required", d.Id)
		}
		if err := ValidateKind(d.Kind); err != nil {
			return fmt.Errorf("device %d: %w", d.Id, err)
		}
		if err := ValidateDescription(d.Channels, d.SamplingInterval, d.Location, gs.Params.MaxChannelsPerDevice); err != nil {
			return fmt.Errorf("device %d: %w", d.Id, err)
		}
		devices[d.Id] = d
		keys[string(d.PubKey)] = true
	}
	committed := make(map[uint64]uint64, len(gs.DeviceStats)) // device id -> its last batch
	for _, e := range gs.DeviceStats {
		if _, ok := devices[e.DeviceId]; !ok {
			return fmt.Errorf("stats for unknown device %d", e.DeviceId)
		}
		if _, dup := committed[e.DeviceId]; dup {
			return fmt.Errorf("stats for device %d listed twice", e.DeviceId)
		}
		committed[e.DeviceId] = e.Stats.Batches
	}
	batches := make(map[[2]uint64]bool, len(gs.Batches))
	for _, b := range gs.Batches {
		if _, ok := devices[b.DeviceId]; !ok {
			return fmt.Errorf("batch %d/%d of unknown device", b.DeviceId, b.Seq)
		}
		if last := committed[b.DeviceId]; b.Seq == 0 || b.Seq > last {
			return fmt.Errorf("batch %d/%d: sequence must be in [1, %d]", b.DeviceId, b.Seq, last)
		}
		if batches[[2]uint64{b.DeviceId, b.Seq}] {
			return fmt.Errorf("batch %d/%d appears twice", b.DeviceId, b.Seq)
		}
		if len(b.Root) != 32 {
			return fmt.Errorf("batch %d/%d: root must be 32 bytes", b.DeviceId, b.Seq)
		}
		if b.Status != BATCH_STATUS_PENDING && b.Status != BATCH_STATUS_SCORED {
			return fmt.Errorf("batch %d/%d: invalid status %s", b.DeviceId, b.Seq, b.Status)
		}
		batches[[2]uint64{b.DeviceId, b.Seq}] = true
	}
	return nil
}
