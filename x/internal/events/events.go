// Package events emits the modules' typed events.
package events

import (
	"context"
	"encoding/json"
	"strconv"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cosmos/gogoproto/proto"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

// Attributer is a typed event that writes its own attributes: exactly those the SDK's
// TypedEventToEvent derives through jsonpb (keys sorted, values as JSON), without the
// reflection. Events emitted for every batch implement it, since jsonpb was half the cost
// of a batch commitment's handler; a test holds each to TypedEventToEvent's output.
type Attributer interface {
	proto.Message
	EventAttributes() []abci.EventAttribute
}

// Emit emits a typed event on the block's event manager.
func Emit(ctx context.Context, event proto.Message) error {
	em := sdk.UnwrapSDKContext(ctx).EventManager()
	if a, ok := event.(Attributer); ok {
		em.EmitEvent(sdk.Event{Type: proto.MessageName(event), Attributes: a.EventAttributes()})
		return nil
	}
	return em.EmitTypedEvent(event)
}

// JSONString is s as a JSON string, escaped as encoding/json (and so jsonpb) escapes it.
func JSONString(s string) string {
	bz, _ := json.Marshal(s) // a string always marshals
	return string(bz)
}

// JSONUint64 is v as jsonpb writes a 64-bit integer: a quoted decimal.
func JSONUint64(v uint64) string { return strconv.Quote(strconv.FormatUint(v, 10)) }
