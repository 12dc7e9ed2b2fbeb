// Package stableidx wraps the collections indexes of an IndexedMap so that setting a value
// whose index key did not change leaves that index entry alone. The collections indexes
// delete and rewrite their entry on every Set; IAVL stores a rewrite of an unchanged entry as
// a new leaf version, a new path of nodes to hash and save, though nothing changed. Updating
// a GPU's status, for example, rewrote its UUID, provider and class entries too.
package stableidx

import (
	"bytes"
	"context"
	"errors"

	"cosmossdk.io/collections"
	"cosmossdk.io/collections/codec"
	"cosmossdk.io/collections/indexes"
)

// Multi is indexes.Multi that skips references whose key is unchanged.
type Multi[ReferenceKey, PrimaryKey, Value any] struct {
	*indexes.Multi[ReferenceKey, PrimaryKey, Value]
	stable[PrimaryKey, Value]
}

// NewMulti is indexes.NewMulti with stable references.
func NewMulti[ReferenceKey, PrimaryKey, Value any](
	sb *collections.SchemaBuilder, prefix collections.Prefix, name string,
	refCodec codec.KeyCodec[ReferenceKey], pkCodec codec.KeyCodec[PrimaryKey],
	getRefKey func(pk PrimaryKey, value Value) (ReferenceKey, error),
) *Multi[ReferenceKey, PrimaryKey, Value] {
	return &Multi[ReferenceKey, PrimaryKey, Value]{
		Multi:  indexes.NewMulti(sb, prefix, name, refCodec, pkCodec, getRefKey),
		stable: stable[PrimaryKey, Value]{sameRefKey(refCodec, getRefKey)},
	}
}

// Reference implements collections.Index.
func (m *Multi[ReferenceKey, PrimaryKey, Value]) Reference(ctx context.Context, pk PrimaryKey, newValue Value, lazyOldValue func() (Value, error)) error {
	if same, err := m.keepsRefKey(pk, newValue, lazyOldValue); same || err != nil {
		return err
	}
	return m.Multi.Reference(ctx, pk, newValue, lazyOldValue)
}

// Unique is indexes.Unique that skips references whose key is unchanged.
type Unique[ReferenceKey, PrimaryKey, Value any] struct {
	*indexes.Unique[ReferenceKey, PrimaryKey, Value]
	stable[PrimaryKey, Value]
}

// NewUnique is indexes.NewUnique with stable references.
func NewUnique[ReferenceKey, PrimaryKey, Value any](
	sb *collections.SchemaBuilder, prefix collections.Prefix, name string,
	refCodec codec.KeyCodec[ReferenceKey], pkCodec codec.KeyCodec[PrimaryKey],
	getRefKey func(pk PrimaryKey, value Value) (ReferenceKey, error),
) *Unique[ReferenceKey, PrimaryKey, Value] {
	return &Unique[ReferenceKey, PrimaryKey, Value]{
		Unique: indexes.NewUnique(sb, prefix, name, refCodec, pkCodec, getRefKey),
		stable: stable[PrimaryKey, Value]{sameRefKey(refCodec, getRefKey)},
	}
}

// Reference implements collections.Index.
func (u *Unique[ReferenceKey, PrimaryKey, Value]) Reference(ctx context.Context, pk PrimaryKey, newValue Value, lazyOldValue func() (Value, error)) error {
	if same, err := u.keepsRefKey(pk, newValue, lazyOldValue); same || err != nil {
		return err
	}
	return u.Unique.Reference(ctx, pk, newValue, lazyOldValue)
}

// stable holds what both index kinds need to tell an unchanged reference.
type stable[PrimaryKey, Value any] struct {
	unchanged func(pk PrimaryKey, oldValue, newValue Value) (bool, error)
}

// keepsRefKey reports whether the stored value exists and has the new value's reference key.
// lazyOldValue is the IndexedMap's cached read, so the wrapped Reference does not read again.
func (s stable[PrimaryKey, Value]) keepsRefKey(pk PrimaryKey, newValue Value, lazyOldValue func() (Value, error)) (bool, error) {
	oldValue, err := lazyOldValue()
	switch {
	case errors.Is(err, collections.ErrNotFound):
		return false, nil
	case err != nil:
		return false, err
	}
	return s.unchanged(pk, oldValue, newValue)
}

// sameRefKey compares two values' reference keys by their encoding, as the store does.
func sameRefKey[ReferenceKey, PrimaryKey, Value any](refCodec codec.KeyCodec[ReferenceKey],
	getRefKey func(PrimaryKey, Value) (ReferenceKey, error),
) func(PrimaryKey, Value, Value) (bool, error) {
	encode := func(pk PrimaryKey, v Value) ([]byte, error) {
		key, err := getRefKey(pk, v)
		if err != nil {
			return nil, err
		}
		return collections.EncodeKeyWithPrefix(nil, refCodec, key)
	}
	return func(pk PrimaryKey, oldValue, newValue Value) (bool, error) {
		oldKey, err := encode(pk, oldValue)
		if err != nil {
			return false, err
		}
		newKey, err := encode(pk, newValue)
		if err != nil {
			return false, err
		}
		return bytes.Equal(oldKey, newKey), nil
	}
}
