// Package store holds small helpers over collections that several modules' genesis code uses.
package store

import (
	"context"

	"cosmossdk.io/collections"
)

// Walker is what AllValues needs from a collections Map or IndexedMap.
type Walker[K, V any] interface {
	Walk(ctx context.Context, ranger collections.Ranger[K], walkFunc func(K, V) (bool, error)) error
}

// AllValues reads every value of m in key order.
func AllValues[K, V any](ctx context.Context, m Walker[K, V]) (values []V, err error) {
	err = m.Walk(ctx, nil, func(_ K, v V) (bool, error) {
		values = append(values, v)
		return false, nil
	})
	return values, err
}
