// Package devicekey stores a sensor device's ed25519 identity key in a file: one line with
// the hex-encoded 32-byte seed, readable only by its owner.
package devicekey

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Generate writes a new key to path, refusing to overwrite an existing file.
func Generate(path string) (ed25519.PrivateKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) //nolint:gosec // the operator names the key file
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintln(f, hex.EncodeToString(seed)); err != nil {
		_ = f.Close()
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), f.Close()
}

// Load reads a key written by Generate.
func Load(path string) (ed25519.PrivateKey, error) {
	bz, err := os.ReadFile(path) //nolint:gosec // the operator names the key file
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(bz)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New(path + ": not a device key (want one line of 64 hex characters)")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// LoadOrGenerate loads the key at path, creating it first if the file does not exist.
func LoadOrGenerate(path string) (ed25519.PrivateKey, error) {
	key, err := Load(path)
	if errors.Is(err, os.ErrNotExist) {
		return Generate(path)
	}
	return key, err
}
