// Package layering checks the one layering rule of docs/architecture.md on every package's
// imports (go list), so CI catches a wrong import without the linter:
//
//	pkg/ < x/ < app/ < internal/ < cmd/
//
// A package imports only from its own layer or the layers below it, with two refinements:
// a module imports another module only through its types package, and pkg/appconsts is a
// leaf. testutil/ helps tests (below internal/); scripts/ and tests/ are tools on top.
package layering

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/thalamus-network/thalamus"

// rank orders the layers; tools (scripts/, tests/) sit above everything.
var rank = map[string]int{"pkg": 0, "x": 1, "app": 2, "testutil": 3, "internal": 4, "cmd": 5, "scripts": 6, "tests": 6}

// check says why from may not import to (both relative to the module), or nil.
func check(from, to string) error {
	fromTop, toTop := top(from), top(to)
	fr, ok := rank[fromTop]
	if !ok {
		return fmt.Errorf("%s is in no layer", from)
	}
	tr, ok := rank[toTop]
	if !ok {
		return fmt.Errorf("%s is in no layer", to)
	}
	switch {
	case tr > fr:
		return fmt.Errorf("%s (%s/) imports %s (%s/), a higher layer", from, fromTop, to, toTop)
	case from == "pkg/appconsts":
		return fmt.Errorf("pkg/appconsts is a leaf, but imports %s", to)
	case fromTop == "cmd" && toTop == "cmd" && binary(from) != binary(to):
		return fmt.Errorf("%s imports another binary's package %s", from, to)
	case fromTop == "x" && toTop == "x":
		fm, tm := xModule(from), xModule(to)
		if fm != tm && tm != "internal" && !strings.HasPrefix(to, "x/"+tm+"/types") {
			return fmt.Errorf("%s reaches into x/%s: modules import each other only through their types", from, tm)
		}
	}
	return nil
}

func top(p string) string      { return strings.SplitN(p, "/", 2)[0] }
func binary(p string) string   { return strings.SplitN(p, "/", 3)[1] }
func xModule(p string) string  { return strings.SplitN(p, "/", 3)[1] }
func relative(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, module), "/") }
func ours(p string) bool       { return p == module || strings.HasPrefix(p, module+"/") }

func TestEveryImportKeepsTheLayering(t *testing.T) {
	// go test caches a result by the files a test opens; go list reads them in another
	// process, so stat every Go file here to make an edit invalidate the cached pass.
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == ".git" || d.Name() == "build") {
			return err
		}
		if strings.HasSuffix(path, ".go") {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Imports", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	packages := 0
	for {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		packages++
		for _, imp := range p.Imports {
			if ours(imp) {
				if err := check(relative(p.ImportPath), relative(imp)); err != nil {
					t.Error(err)
				}
			}
		}
	}
	if packages < 50 {
		t.Fatalf("go list found only %d packages", packages)
	}
}

// The rule itself: each kind of wrong import is caught, the allowed ones pass.
func TestTheRule(t *testing.T) {
	for _, bad := range [][2]string{
		{"pkg/quality", "x/sensors/types"},
		{"x/compute/types", "app"},
		{"x/compute/keeper", "internal/atomicfile"},
		{"x/compute/keeper", "x/oracle/keeper"},
		{"app", "internal/chainclient"},
		{"internal/sidecar", "cmd/thalamus-sidecar"},
		{"cmd/thalamus-agent", "cmd/thalamusd/cmd"},
		{"pkg/appconsts", "pkg/pow"},
		{"testutil/keeper", "internal/agent"},
	} {
		if check(bad[0], bad[1]) == nil {
			t.Errorf("%s -> %s passed", bad[0], bad[1])
		}
	}
	for _, good := range [][2]string{
		{"x/compute/keeper", "pkg/pow"},
		{"x/compute/keeper", "x/oracle/types"},
		{"x/compute/keeper", "x/internal/stableidx"},
		{"app", "x/oracle/abci"},
		{"internal/agent", "app"},
		{"cmd/thalamusd", "cmd/thalamusd/cmd"},
		{"scripts/loadgen", "internal/gateway"},
		{"testutil/network", "app"},
	} {
		if err := check(good[0], good[1]); err != nil {
			t.Error(err)
		}
	}
}
