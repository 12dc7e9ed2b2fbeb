package stableidx_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/colltest"
	"cosmossdk.io/core/store"

	"github.com/thalamus-network/thalamus/x/internal/stableidx"
)

// countingService counts the writes (sets and deletes) under each key prefix byte.
type countingService struct {
	inner  store.KVStoreService
	writes map[byte]int
}

func (s *countingService) OpenKVStore(ctx context.Context) store.KVStore {
	return countingStore{s.inner.OpenKVStore(ctx), s.writes}
}

type countingStore struct {
	store.KVStore
	writes map[byte]int
}

func (c countingStore) Set(key, value []byte) error {
	c.writes[key[0]]++
	return c.KVStore.Set(key, value)
}
func (c countingStore) Delete(key []byte) error { c.writes[key[0]]++; return c.KVStore.Delete(key) }

type item struct {
	Name, Owner string
	Level       uint64
}

type itemIndexes struct {
	Name  *stableidx.Unique[string, uint64, item]
	Owner *stableidx.Multi[string, uint64, item]
}

func (i itemIndexes) IndexesList() []collections.Index[uint64, item] {
	return []collections.Index[uint64, item]{i.Name, i.Owner}
}

func TestUnchangedIndexKeysAreNotRewritten(t *testing.T) {
	inner, ctx := colltest.MockStore()
	svc := &countingService{inner: inner, writes: map[byte]int{}}
	sb := collections.NewSchemaBuilder(svc)
	items := collections.NewIndexedMap(sb, collections.NewPrefix(1), "items", collections.Uint64Key, colltest.MockValueCodec[item](),
		itemIndexes{
			Name: stableidx.NewUnique(sb, collections.NewPrefix(2), "by_name", collections.StringKey, collections.Uint64Key,
				func(_ uint64, v item) (string, error) { return v.Name, nil }),
			Owner: stableidx.NewMulti(sb, collections.NewPrefix(3), "by_owner", collections.StringKey, collections.Uint64Key,
				func(_ uint64, v item) (string, error) { return v.Owner, nil }),
		})
	_, err := sb.Build()
	require.NoError(t, err)

	require.NoError(t, items.Set(ctx, 7, item{Name: "a", Owner: "alice"}))
	require.Equal(t, map[byte]int{1: 1, 2: 1, 3: 1}, svc.writes, "a new value is indexed")

	clear(svc.writes)
	require.NoError(t, items.Set(ctx, 7, item{Name: "a", Owner: "alice", Level: 2}))
	require.Equal(t, map[byte]int{1: 1}, svc.writes, "only the value is written when no index key changes")

	clear(svc.writes)
	require.NoError(t, items.Set(ctx, 7, item{Name: "a", Owner: "bob", Level: 2}))
	require.Equal(t, map[byte]int{1: 1, 3: 2}, svc.writes, "a changed key moves: delete and set")
	owned, err := items.Indexes.Owner.MatchExact(ctx, "bob")
	require.NoError(t, err)
	keys, err := owned.PrimaryKeys()
	require.NoError(t, err)
	require.Equal(t, []uint64{7}, keys)
	none, err := items.Indexes.Owner.MatchExact(ctx, "alice")
	require.NoError(t, err)
	keys, err = none.PrimaryKeys()
	require.NoError(t, err)
	require.Empty(t, keys)

	require.NoError(t, items.Set(ctx, 8, item{Name: "b", Owner: "bob"}))
	require.ErrorIs(t, items.Set(ctx, 8, item{Name: "a", Owner: "bob"}), collections.ErrConflict, "uniqueness still holds")
	require.NoError(t, items.Remove(ctx, 7))
	_, err = items.Indexes.Name.MatchExact(ctx, "a")
	require.ErrorIs(t, err, collections.ErrNotFound, "removal unreferences")
}
