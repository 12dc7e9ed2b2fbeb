/*
 * pow.cu: the CUDA kernels of Thalamus's proof of work. `make cuda` compiles it to PTX for
 * sm_80 and sm_90 (pow_sm80.ptx, pow_sm90.ptx), committed and embedded in the Go backend,
 * which the driver JIT-compiles for the installed GPU. The arithmetic comes from powcore.h,
 * which a CPU test checks against pkg/pow's Go reference.
 *
 * One batch of M nonces (BatchRows) runs as: pow_gen_start writes X (M x D int8), then for
 * each of the Steps layers X' = requant(X . W) with pow_step_mma (int8 tensor cores) or
 * pow_step_dp4a, then pow_digest computes every nonce's digest and appends the winners. The
 * layer table lives on the GPU transposed: layer l is D x D with row n holding the weights
 * of output n for every input k (Wt[n][k] = W[k][n]), the layout mma's B operand wants.
 */
#include "powcore.h"

extern "C" {

/* pow_gen_table writes layers [first, first+count) of the table, transposed, into table
 * (count * D * D bytes). A block transposes a 64 x 64 tile through shared memory, so both
 * the stream words it reads and the rows it writes are contiguous. Grid: (D/64, D/64, count),
 * 256 threads. */
__global__ void pow_gen_table(int8_t *table, uint64_t key, uint32_t dim, uint64_t first, uint32_t count) {
    __shared__ int8_t tile[64][64 + 8];
    const uint32_t k0 = blockIdx.y * 64, n0 = blockIdx.x * 64;
    const uint64_t l = first + blockIdx.z;
    const uint64_t base = l * (uint64_t)dim * dim;
    /* 64 rows (k) x 8 words (64 n) = 512 words, 2 per thread. */
    for (uint32_t w = threadIdx.x; w < 512; w += blockDim.x) {
        const uint32_t k = w / 8, nw = w % 8;
        const uint64_t word = pow_word(key, (base + (uint64_t)(k0 + k) * dim + n0 + 8 * nw) / 8);
        for (unsigned b = 0; b < 8; b++) {
            tile[8 * nw + b][k] = pow_byte(word, b); /* tile[n][k] */
        }
    }
    __syncthreads();
    int8_t *out = table + (uint64_t)blockIdx.z * dim * dim;
    for (uint32_t i = threadIdx.x; i < 64 * 64; i += blockDim.x) {
        const uint32_t n = i / 64, k = i % 64;
        out[(uint64_t)(n0 + n) * dim + k0 + k] = tile[n][k];
    }
}

/* pow_gen_start writes the starting vectors of nonces [first, first+rows): row r is bytes
 * (first+r)*D ... of the start stream. One thread per 8-byte word. */
__global__ void pow_gen_start(int8_t *x, uint64_t key, uint64_t first, uint32_t dim, uint32_t rows) {
    const uint64_t w = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x;
    const uint64_t words = (uint64_t)rows * dim / 8;
    if (w < words) {
        ((uint64_t *)x)[w] = pow_word(key, first * (dim / 8) + w); /* little-endian: byte b is int8 8w+b */
    }
}

/* pow_step_dp4a computes x' = requant(x . W) one output per thread: any shape with D a
 * multiple of 4. Grid: (ceil(N/16), ceil(M/16)), 16 x 16 threads. */
__global__ void pow_step_dp4a(const int8_t *x, const int8_t *wt, int8_t *out, uint32_t m, uint32_t n, uint32_t k) {
    const uint32_t col = blockIdx.x * 16 + threadIdx.x, row = blockIdx.y * 16 + threadIdx.y;
    if (row >= m || col >= n) {
        return;
    }
    const uint32_t *a = (const uint32_t *)(x + (uint64_t)row * k);
    const uint32_t *b = (const uint32_t *)(wt + (uint64_t)col * k);
    uint32_t acc = 0;
    for (uint32_t i = 0; i < k / 4; i++) {
        acc = pow_dot4(a[i], b[i], acc);
    }
    out[(uint64_t)row * n + col] = pow_requant((int32_t)acc);
}

/* Tiles of pow_step_mma: a block computes 128 x 128 outputs with 8 warps (2 x 4), each warp
 * 64 x 32 as 4 x 4 mma tiles of 16 x 8, over K in tiles of 64 held twice in shared memory
 * (cp.async double buffering). Rows of a shared tile are padded to 80 bytes so that the
 * fragment loads of a warp hit 32 different banks. */
#define MMA_BM 128
#define MMA_BN 128
#define MMA_BK 64
#define MMA_PITCH 80

__device__ __forceinline__ void cp_async16(void *smem, const void *gmem) {
    unsigned s;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }\n" : "=r"(s) : "l"(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(s), "l"(gmem));
}

/* load_tile copies rows [r0, r0+128) x columns [k0, k0+64) of a row-major int8 matrix with
 * `pitch` bytes per row into a shared tile. 512 chunks of 16 bytes, 2 per thread. */
__device__ __forceinline__ void load_tile(int8_t (*tile)[MMA_PITCH], const int8_t *g, uint64_t pitch, uint32_t r0, uint32_t k0) {
    for (uint32_t c = threadIdx.x; c < 128 * 4; c += 256) {
        const uint32_t r = c / 4, off = 16 * (c % 4);
        cp_async16(&tile[r][off], g + (uint64_t)(r0 + r) * pitch + k0 + off);
    }
}

/* pow_step_mma computes x' = requant(x . W) with int8 tensor cores (mma.sync m16n8k32, exact
 * int32 accumulation, no saturation: |y| < 2^25). M and N multiples of 128, K of 64.
 * Grid: (N/128, M/128), 256 threads. */
__global__ void __launch_bounds__(256) pow_step_mma(const int8_t *x, const int8_t *wt, int8_t *out, uint32_t m, uint32_t n, uint32_t k) {
    __shared__ __align__(16) int8_t as[2][MMA_BM][MMA_PITCH];
    __shared__ __align__(16) int8_t bs[2][MMA_BN][MMA_PITCH];
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const uint32_t bm0 = blockIdx.y * MMA_BM, bn0 = blockIdx.x * MMA_BN;
    const uint32_t wm0 = (warp / 4) * 64, wn0 = (warp % 4) * 32;
    int32_t acc[4][4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (int e = 0; e < 4; e++)
                acc[i][j][e] = 0;

    const uint32_t tiles = k / MMA_BK;
    load_tile(as[0], x, k, bm0, 0);
    load_tile(bs[0], wt, k, bn0, 0);
    asm volatile("cp.async.commit_group;\n" ::);
    for (uint32_t kt = 0; kt < tiles; kt++) {
        const int cur = kt & 1;
        if (kt + 1 < tiles) {
            load_tile(as[cur ^ 1], x, k, bm0, (kt + 1) * MMA_BK);
            load_tile(bs[cur ^ 1], wt, k, bn0, (kt + 1) * MMA_BK);
            asm volatile("cp.async.commit_group;\n" ::);
            asm volatile("cp.async.wait_group 1;\n" ::);
        } else {
            asm volatile("cp.async.wait_group 0;\n" ::);
        }
        __syncthreads();
        for (uint32_t kk = 0; kk < MMA_BK; kk += 32) {
            uint32_t a[4][4], b[4][2];
            for (int i = 0; i < 4; i++)
                for (unsigned r = 0; r < 4; r++)
                    a[i][r] = *(const uint32_t *)&as[cur][wm0 + 16 * i + pow_frag_a_row(lane, r)][kk + pow_frag_a_col(lane, r)];
            for (int j = 0; j < 4; j++)
                for (unsigned r = 0; r < 2; r++)
                    b[j][r] = *(const uint32_t *)&bs[cur][wn0 + 8 * j + pow_frag_b_n(lane)][kk + pow_frag_b_k(lane, r)];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++)
                    asm volatile(
                        "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                        : "+r"(acc[i][j][0]), "+r"(acc[i][j][1]), "+r"(acc[i][j][2]), "+r"(acc[i][j][3])
                        : "r"(a[i][0]), "r"(a[i][1]), "r"(a[i][2]), "r"(a[i][3]), "r"(b[j][0]), "r"(b[j][1]));
        }
        __syncthreads();
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
            for (unsigned e = 0; e < 4; e++) {
                const uint32_t row = bm0 + wm0 + 16 * i + pow_frag_c_row(lane, e);
                const uint32_t col = bn0 + wn0 + 8 * j + pow_frag_c_col(lane, e);
                out[(uint64_t)row * n + col] = pow_requant(acc[i][j][e]);
            }
}

/* pow_digest computes the digest of each of rows final vectors (one warp per row) and
 * appends the winners (nonce first+row, digest) in any order; count may exceed cap, in which
 * case the caller retries with more room. Grid: ceil(rows/8), 256 threads. */
__global__ void pow_digest(const int8_t *x, const int8_t *v, uint32_t dim, uint32_t rows, uint64_t first, uint32_t bits,
                           uint32_t *count, uint64_t *nonces, uint32_t *digests, uint32_t cap) {
    const uint32_t row = blockIdx.x * 8 + threadIdx.x / 32, lane = threadIdx.x % 32;
    if (row >= rows) {
        return;
    }
    const uint32_t *a = (const uint32_t *)(x + (uint64_t)row * dim);
    const uint32_t *b = (const uint32_t *)v;
    uint32_t dot = 0;
    for (uint32_t i = lane; i < dim / 4; i += 32) {
        dot = pow_dot4(a[i], b[i], dot);
    }
    for (int off = 16; off > 0; off /= 2) {
        dot += __shfl_down_sync(0xffffffffu, dot, off);
    }
    if (lane == 0) {
        const uint32_t d = pow_digest_mix(dot);
        if (pow_wins(d, bits)) {
            const uint32_t i = atomicAdd(count, 1u);
            if (i < cap) {
                nonces[i] = first + row;
                digests[i] = d;
            }
        }
    }
}

/* pow_read_layer reads every byte of a layer (a measure of memory against regeneration):
 * sums it into out so the reads cannot be optimised away. Grid: any, 256 threads. */
__global__ void pow_read_layer(const int8_t *layer, uint64_t bytes, uint32_t *out) {
    uint32_t s = 0;
    for (uint64_t i = (uint64_t)blockIdx.x * blockDim.x + threadIdx.x; i < bytes / 8; i += (uint64_t)gridDim.x * blockDim.x) {
        const uint64_t w = ((const uint64_t *)layer)[i];
        s += (uint32_t)w ^ (uint32_t)(w >> 32);
    }
    atomicAdd(out, s);
}

} /* extern "C" */
