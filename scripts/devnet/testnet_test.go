package main

import (
	"os"
	"path/filepath"
	"testing"
)

// A testnet started at another port slot is found at that slot by the commands run after it.
func TestFirstSlotIsRecorded(t *testing.T) {
	t.Cleanup(func() { firstSlot = 0 })
	dir := t.TempDir()
	if err := loadFirstSlot(dir); err != nil || firstSlot != 0 {
		t.Fatalf("no record: slot %d, err %v; want 0", firstSlot, err)
	}
	if rpcURL(0) != "http://127.0.0.1:26657" {
		t.Fatalf("slot 0: node0's RPC %s", rpcURL(0))
	}
	if err := os.WriteFile(filepath.Join(dir, firstSlotFile), []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := loadFirstSlot(dir); err != nil || firstSlot != 1 {
		t.Fatalf("recorded 1: slot %d, err %v", firstSlot, err)
	}
	if rpcURL(0) != "http://127.0.0.1:26757" || port(baseSidecar, 2) != 9395 {
		t.Fatalf("slot 1: node0's RPC %s, node2's sidecar %d", rpcURL(0), port(baseSidecar, 2))
	}
	if err := os.WriteFile(filepath.Join(dir, firstSlotFile), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := loadFirstSlot(dir); err == nil {
		t.Fatal("a corrupt record must be an error")
	}
}
