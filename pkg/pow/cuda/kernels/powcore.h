/*
 * powcore.h: the integer core of Thalamus's proof of work (see pkg/pow/README.md), shared by
 * the CUDA kernels (nvcc) and by the CPU check that compares it with pkg/pow's Go reference
 * bit for bit (the system C compiler, TestCUDACoreMatchesReference). Everything is unsigned
 * or exactly representable integer arithmetic, so a GPU and a CPU always agree.
 */
#ifndef THALAMUS_POWCORE_H
#define THALAMUS_POWCORE_H

#include <stdint.h>

#ifndef __CUDACC__
#define __host__
#define __device__
#define __forceinline__ inline
#endif

#define POW_CORE static __host__ __device__ __forceinline__

#define POW_GOLDEN 0x9E3779B97F4A7C15ULL
#define POW_DIGEST_MUL 0x9E3779B1u

/* pow_word is element i of the stream with key: splitmix64's finaliser of key + (i+1)*golden. */
POW_CORE uint64_t pow_word(uint64_t key, uint64_t i) {
    uint64_t z = key + (i + 1) * POW_GOLDEN;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* pow_byte is byte b (0: least significant) of a word, read as an int8. */
POW_CORE int8_t pow_byte(uint64_t w, unsigned b) { return (int8_t)(uint8_t)(w >> (8u * b)); }

/* pow_stream_byte is int8 number idx of a stream: byte idx%8 of word idx/8. */
POW_CORE int8_t pow_stream_byte(uint64_t key, uint64_t idx) { return pow_byte(pow_word(key, idx / 8), (unsigned)(idx % 8)); }

/* pow_requant maps an exact int32 product to the next int8: ((y >> 7) & 0xFF) - 128. Bits 7-14
 * are the same under an arithmetic or a logical shift, so the unsigned shift is exact. */
POW_CORE int8_t pow_requant(int32_t y) { return (int8_t)((int32_t)(((uint32_t)y >> 7) & 0xFFu) - 128); }

/* pow_dot4 adds the dot product of 4 int8 pairs packed in a and b (byte 0 first) to c, mod 2^32. */
POW_CORE uint32_t pow_dot4(uint32_t a, uint32_t b, uint32_t c) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 610
    return (uint32_t)__dp4a((int)a, (int)b, (int)c);
#else
    for (unsigned i = 0; i < 4; i++) {
        c += (uint32_t)((int32_t)(int8_t)(a >> (8 * i)) * (int32_t)(int8_t)(b >> (8 * i)));
    }
    return c;
#endif
}

/* pow_digest_mix turns the dot product of the final vector with the digest vector into the
 * digest: uint32(dot) * 0x9E3779B1 mod 2^32. */
POW_CORE uint32_t pow_digest_mix(uint32_t dot) { return dot * POW_DIGEST_MUL; }

/* pow_wins says whether a digest wins the lottery: digest < 2^32 * 2^-bits. */
POW_CORE int pow_wins(uint32_t digest, unsigned bits) { return bits == 0 || (digest >> (32 - bits)) == 0; }

/* pow_layer_index is the table layer batch b uses at step t. */
POW_CORE uint64_t pow_layer_index(uint64_t layer_key, uint64_t batch, uint32_t steps, uint32_t step, uint64_t layers) {
    return pow_word(layer_key, batch * steps + step) % layers;
}

/*
 * Fragments of mma.sync.m16n8k32 with int8 inputs (PTX ISA, "Matrix Fragments for mma.m16n8k32"):
 * lane = 4*g + t. A (16x32, row-major) register r holds 4 consecutive k of row pow_frag_a_row,
 * starting at column pow_frag_a_col; B (32x8, stored as its 8x32 transpose) register r holds 4
 * consecutive k of column g starting at pow_frag_b_k; accumulator element i is at
 * (pow_frag_c_row, pow_frag_c_col). The kernel and the CPU check both index through these.
 */
POW_CORE unsigned pow_frag_a_row(unsigned lane, unsigned r) { return lane / 4 + 8 * (r & 1); }
POW_CORE unsigned pow_frag_a_col(unsigned lane, unsigned r) { return 4 * (lane % 4) + 16 * (r >> 1); }
POW_CORE unsigned pow_frag_b_k(unsigned lane, unsigned r) { return 4 * (lane % 4) + 16 * r; }
POW_CORE unsigned pow_frag_b_n(unsigned lane) { return lane / 4; }
POW_CORE unsigned pow_frag_c_row(unsigned lane, unsigned i) { return lane / 4 + 8 * (i >> 1); }
POW_CORE unsigned pow_frag_c_col(unsigned lane, unsigned i) { return 2 * (lane % 4) + (i & 1); }

#endif
