// Package atomicfile replaces files so that a crash leaves either the old content or the
// new, never a part of it: the daemons' state (gateway batches, sidecar device state, the
// agent's delivered manifests) is written through it.
package atomicfile

import "os"

// Write replaces path with data: it writes a temporary file next to it, fsyncs it and
// renames it over path.
func Write(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, perm) //nolint:gosec // callers pass paths under their state dirs
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
