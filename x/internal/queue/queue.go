// Package queue reads the height-ordered queues the modules' block hooks work through:
// key sets of (height, id) pairs, taken a bounded number at a time.
package queue

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
)

// Due lists, in order, up to limit entries of a height-ordered queue whose height is at
// most height.
func Due[K any](ctx context.Context, queue collections.KeySet[collections.Pair[int64, K]], height int64, limit int) (due []collections.Pair[int64, K], err error) {
	if limit <= 0 {
		return nil, nil
	}
	iter, err := queue.Iterate(ctx, collections.NewPrefixUntilPairRange[int64, K](height))
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, iter.Close()) }()
	for ; iter.Valid() && len(due) < limit; iter.Next() {
		key, err := iter.Key()
		if err != nil {
			return nil, err
		}
		due = append(due, key)
	}
	return due, nil
}
