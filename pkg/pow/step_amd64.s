//go:build !purego

#include "textflag.h"

// func accumulateAVX2(x *int8, w *int8, y *int32, n int)
//
// y += x . W for an n x n row-major int8 matrix W (row k holds input k's weights), n a
// multiple of 16 and even, y in the block-permuted order described in step_amd64.go. Two
// rows at a time: their inputs are broadcast as a pair of int16, the rows are sign-extended
// to int16 and interleaved column by column, and VPMADDWD adds x[k]*W[k][j] +
// x[k+1]*W[k+1][j] into each int32 lane exactly (|sum| <= 2 * 2^14).
TEXT ·accumulateAVX2(SB), NOSPLIT, $0-32
	MOVQ x+0(FP), SI
	MOVQ w+8(FP), DI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	XORQ R8, R8                 // k

rows:
	CMPQ R8, CX
	JGE  done
	MOVBQSX (SI)(R8*1), AX      // x[k]
	MOVBQSX 1(SI)(R8*1), BX     // x[k+1]
	ANDQ $0xFFFF, AX
	SHLQ $16, BX
	ORQ  BX, AX
	MOVL AX, X15
	VPBROADCASTD X15, Y15       // (x[k], x[k+1]) as int16 pairs
	MOVQ DI, R9                 // row k
	LEAQ (DI)(CX*1), R10        // row k+1
	MOVQ DX, R11                // y
	XORQ R12, R12               // j

cols:
	CMPQ R12, CX
	JGE  nextrows
	VPMOVSXBW (R9)(R12*1), Y0
	VPMOVSXBW (R10)(R12*1), Y1
	VPUNPCKLWD Y1, Y0, Y2
	VPUNPCKHWD Y1, Y0, Y3
	VPMADDWD Y15, Y2, Y2
	VPMADDWD Y15, Y3, Y3
	VPADDD (R11), Y2, Y2
	VPADDD 32(R11), Y3, Y3
	VMOVDQU Y2, (R11)
	VMOVDQU Y3, 32(R11)
	ADDQ $16, R12
	ADDQ $64, R11
	JMP  cols

nextrows:
	ADDQ $2, R8
	LEAQ (DI)(CX*2), DI
	JMP  rows

done:
	VZEROUPPER
	RET
