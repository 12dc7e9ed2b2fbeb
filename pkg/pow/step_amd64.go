//go:build !purego

package pow

import "golang.org/x/sys/cpu"

// hasAVX2 selects the AVX2 kernel; every other machine runs the reference step.
var hasAVX2 = cpu.X86.HasAVX2

//go:noescape
func accumulateAVX2(x *int8, w *int8, y *int32, n int)

// stepFast is step with the AVX2 kernel when the CPU has it and n is a multiple of 16. The
// kernel leaves each block of 16 outputs permuted as its in-lane interleave produces them:
// columns 0-3, 8-11, 4-7, 12-15, which requant undoes. Bit-identical to step (golden vectors
// and TestFastDigestMatchesReference).
func stepFast(x, w []int8, y []int32, out []int8) {
	n := len(x)
	if !hasAVX2 || n%16 != 0 || len(w) < n*n || len(y) < n || len(out) < n {
		step(x, w, y, out)
		return
	}
	clear(y[:n])
	accumulateAVX2(&x[0], &w[0], &y[0], n)
	for b := 0; b < n; b += 16 {
		blk := y[b : b+16 : b+16]
		o := out[b : b+16 : b+16]
		for i := 0; i < 4; i++ {
			o[i] = requant(blk[i])
			o[8+i] = requant(blk[4+i])
			o[4+i] = requant(blk[8+i])
			o[12+i] = requant(blk[12+i])
		}
	}
}
