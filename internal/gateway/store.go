package gateway

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/thalamus-network/thalamus/internal/atomicfile"
	"github.com/thalamus-network/thalamus/pkg/reading"
)

// The store keeps, per device, a directory with
//
//	pending.log           accepted readings not yet in a batch (appended per request)
//	batches/<seq>.leaves  sealed batches: the Merkle leaves in order (written once, fsynced)
//
// Both hold length-prefixed (uvarint) leaves, so the files are the served data itself.

func deviceDir(root string, id uint64) string {
	return filepath.Join(root, "devices", strconv.FormatUint(id, 10))
}

func batchPath(root string, id, seq uint64) string {
	return filepath.Join(deviceDir(root, id), "batches", fmt.Sprintf("%d.leaves", seq))
}

// appendLeaf writes one length-prefixed leaf.
func appendLeaf(w io.Writer, leaf []byte) error {
	var n [binary.MaxVarintLen64]byte
	if _, err := w.Write(n[:binary.PutUvarint(n[:], uint64(len(leaf)))]); err != nil {
		return err
	}
	_, err := w.Write(leaf)
	return err
}

// readLeaves reads a file of length-prefixed leaves; a torn last record (a crash mid-append)
// is dropped, since its request was never acknowledged.
func readLeaves(path string) ([]reading.Reading, error) {
	f, err := os.Open(path) //nolint:gosec // a path under the gateway's state dir
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	r := bufio.NewReader(f)
	var out []reading.Reading
	for {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return out, nil
		}
		if err != nil || n > 1<<16 {
			return out, fmt.Errorf("%s: corrupt record after %d readings", path, len(out))
		}
		leaf := make([]byte, n)
		if _, err := io.ReadFull(r, leaf); err != nil {
			return out, nil
		}
		rd, err := reading.DecodeLeaf(leaf)
		if err != nil {
			return out, fmt.Errorf("%s: record %d: %w", path, len(out), err)
		}
		out = append(out, rd)
	}
}

// writeLeavesFile atomically replaces path with the readings' leaves, fsynced.
func writeLeavesFile(path string, readings []reading.Reading) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	var buf bytes.Buffer
	for i := range readings {
		if err := appendLeaf(&buf, reading.Leaf(&readings[i])); err != nil {
			return err
		}
	}
	return atomicfile.Write(path, buf.Bytes(), 0o644)
}

// storedBatchSeqs lists a device's sealed batch sequences in order.
func storedBatchSeqs(root string, id uint64) ([]uint64, error) {
	entries, err := os.ReadDir(filepath.Join(deviceDir(root, id), "batches"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var seqs []uint64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".leaves")
		if !ok {
			continue
		}
		if seq, err := strconv.ParseUint(name, 10, 64); err == nil {
			seqs = append(seqs, seq)
		}
	}
	sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
	return seqs, nil
}

// storedDevices lists the device ids that have a directory.
func storedDevices(root string) ([]uint64, error) {
	entries, err := os.ReadDir(filepath.Join(root, "devices"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for _, e := range entries {
		if id, err := strconv.ParseUint(e.Name(), 10, 64); err == nil && e.IsDir() {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
