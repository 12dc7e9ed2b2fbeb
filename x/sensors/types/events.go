package types

import (
	"encoding/json"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
)

// EventAttributes writes the event's attributes as jsonpb would (see x/internal/events):
// keys in order, 64-bit integers as quoted decimals, strings JSON-escaped.
func (e *EventBatchCommitted) EventAttributes() []abci.EventAttribute {
	return []abci.EventAttribute{
		{Key: "committer", Value: jsonString(e.Committer)},
		{Key: "count", Value: strconv.FormatUint(uint64(e.Count), 10)},
		{Key: "device_id", Value: strconv.Quote(strconv.FormatUint(e.DeviceId, 10))},
		{Key: "root", Value: jsonString(e.Root)},
		{Key: "seq", Value: strconv.Quote(strconv.FormatUint(e.Seq, 10))},
		{Key: "uri", Value: jsonString(e.Uri)},
	}
}

// jsonString is s as a JSON string, escaped as encoding/json (and so jsonpb) escapes it.
func jsonString(s string) string {
	bz, _ := json.Marshal(s) // a string always marshals
	return string(bz)
}
