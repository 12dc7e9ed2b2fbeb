//go:build !(cgo && linux)

package gpu

import "fmt"

// Open reports ErrNoDriver: this build has no NVML (it needs cgo on Linux).
func Open() (Source, error) {
	return nil, fmt.Errorf("%w (built without cgo/Linux NVML support)", ErrNoDriver)
}
