package types

import (
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"

	"cosmossdk.io/math"

	"github.com/thalamus-network/thalamus/x/internal/events"
)

// EventAttributes writes the event's attributes as jsonpb would (see x/internal/events): it
// is emitted for every scored batch and challenge, where jsonpb's reflection would cost more
// than the accounting itself.
func (e *EventWorkRecorded) EventAttributes() []abci.EventAttribute {
	pool, ok := Pool_name[int32(e.Pool)]
	if ok {
		pool = strconv.Quote(pool)
	} else {
		pool = strconv.FormatInt(int64(e.Pool), 10) // jsonpb writes an unknown enum value as its number
	}
	return []abci.EventAttribute{
		{Key: "address", Value: events.JSONString(e.Address)},
		{Key: "epoch", Value: events.JSONUint64(e.Epoch)},
		{Key: "pool", Value: pool},
		{Key: "quantity", Value: decJSON(e.Quantity)},
		{Key: "source", Value: events.JSONString(e.Source)},
		{Key: "units", Value: decJSON(e.Units)},
	}
}

// decJSON is a decimal as JSON: its MarshalJSON, which jsonpb calls for a custom type.
func decJSON(d math.LegacyDec) string {
	bz, _ := d.MarshalJSON() // a decimal always marshals
	return string(bz)
}
