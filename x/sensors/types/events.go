package types

import (
	"strconv"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/thalamus-network/thalamus/x/internal/events"
)

// EventAttributes writes the event's attributes as jsonpb would (see x/internal/events):
// keys in order, 64-bit integers as quoted decimals, strings JSON-escaped.
func (e *EventBatchCommitted) EventAttributes() []abci.EventAttribute {
	return []abci.EventAttribute{
		{Key: "committer", Value: events.JSONString(e.Committer)},
		{Key: "count", Value: strconv.FormatUint(uint64(e.Count), 10)},
		{Key: "device_id", Value: events.JSONUint64(e.DeviceId)},
		{Key: "root", Value: events.JSONString(e.Root)},
		{Key: "seq", Value: events.JSONUint64(e.Seq)},
		{Key: "uri", Value: events.JSONString(e.Uri)},
	}
}

// EventAttributes writes the event's attributes as jsonpb would; flags are enum names.
func (e *EventBatchScored) EventAttributes() []abci.EventAttribute {
	var flags strings.Builder
	flags.WriteByte('[')
	for i, f := range e.Flags {
		if i > 0 {
			flags.WriteByte(',')
		}
		if name, ok := BatchFlag_name[int32(f)]; ok {
			flags.WriteString(strconv.Quote(name))
		} else {
			flags.WriteString(strconv.FormatInt(int64(f), 10)) // jsonpb writes an unknown enum value as its number
		}
	}
	flags.WriteByte(']')
	return []abci.EventAttribute{
		{Key: "device_id", Value: events.JSONUint64(e.DeviceId)},
		{Key: "flags", Value: flags.String()},
		{Key: "quality_score", Value: strconv.FormatUint(uint64(e.QualityScore), 10)},
		{Key: "score", Value: strconv.FormatUint(uint64(e.Score), 10)},
		{Key: "seq", Value: events.JSONUint64(e.Seq)},
	}
}
