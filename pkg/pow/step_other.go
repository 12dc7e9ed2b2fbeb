//go:build !amd64 || purego

package pow

// stepFast is the reference step where no SIMD kernel exists (see step_amd64.go).
func stepFast(x, w []int8, y []int32, out []int8) { step(x, w, y, out) }
