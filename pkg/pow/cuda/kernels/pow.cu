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

} /* extern "C" */

/* Both tensor-core steps stage K tiles of X (row-major, M x K) and of the transposed layer Wt
 * (N x K) in shared memory with cp.async, STAGES buffers deep with one barrier per tile, and
 * write each thread's two adjacent outputs of a row as one 16-bit store. */

__device__ __forceinline__ unsigned smem_u32(const void *p) {
    unsigned s;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }\n" : "=r"(s) : "l"(p));
    return s;
}

__device__ __forceinline__ void cp_async16(unsigned smem, const void *gmem) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(smem), "l"(gmem));
}

__device__ __forceinline__ void store_pair(int8_t *out, uint64_t at, int32_t y0, int32_t y1) {
    *(uint16_t *)(out + at) = (uint16_t)((uint8_t)pow_requant(y0) | ((uint16_t)(uint8_t)pow_requant(y1) << 8));
}

/* pow_step_mma (mma.sync m16n8k32, any GPU from sm_80): a block computes 128 x 128 outputs
 * with 8 warps of 64 x 32 (4 x 4 mma tiles), over K tiles of 64 bytes in three stages (48 KiB
 * of dynamic shared memory). Fragments come through ldmatrix; a tile row is four 16-byte
 * chunks, chunk c stored at c ^ ((row >> 1) & 3), so the eight rows an ldmatrix reads hit 32
 * different banks. Grid (N/128, M/128), 256 threads; M, N multiples of 128, K of 64. */
#define MMA_BK 64
#define MMA_STAGES 3

__device__ __forceinline__ unsigned mma_swz(unsigned row, unsigned chunk) { return row * MMA_BK + 16 * (chunk ^ ((row >> 1) & 3)); }

__device__ __forceinline__ void mma_load(unsigned s, const int8_t *g, uint64_t pitch, uint32_t r0, uint32_t k0) {
#pragma unroll
    for (unsigned c = threadIdx.x; c < 128 * 4; c += 256) {
        cp_async16(s + mma_swz(c / 4, c % 4), g + (uint64_t)(r0 + c / 4) * pitch + k0 + 16 * (c % 4));
    }
}

__device__ __forceinline__ void ldsm_x4(unsigned addr, uint32_t &r0, uint32_t &r1, uint32_t &r2, uint32_t &r3) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n" : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(addr));
}

extern "C" __global__ void __launch_bounds__(256) pow_step_mma(const int8_t *x, const int8_t *wt, int8_t *out, uint32_t m, uint32_t n, uint32_t k) {
    constexpr unsigned TILE = 128 * MMA_BK, STAGE = 2 * TILE;
    extern __shared__ __align__(128) int8_t smem[];
    const unsigned base = smem_u32(smem);
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    const uint32_t bm0 = blockIdx.y * 128, bn0 = blockIdx.x * 128;
    const unsigned wm0 = (warp / 4) * 64, wn0 = (warp % 4) * 32;
    int32_t acc[4][4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (int e = 0; e < 4; e++)
                acc[i][j][e] = 0;
    const uint32_t tiles = k / MMA_BK;
#pragma unroll
    for (unsigned s = 0; s < MMA_STAGES - 1; s++) {
        if (s < tiles) {
            mma_load(base + s * STAGE, x, k, bm0, s * MMA_BK);
            mma_load(base + s * STAGE + TILE, wt, k, bn0, s * MMA_BK);
        }
        asm volatile("cp.async.commit_group;\n" ::);
    }
    /* ldmatrix lanes: A reads rows lane%16 at chunk lane/16 (fragments a0-a3 of m16n8k32);
     * B reads n rows lane%8 + 8 (lane/16) at chunk (lane/8)%2 (b0, b1 of two n tiles). */
    const unsigned a_row = lane % 16, a_chunk = lane / 16;
    const unsigned b_row = lane % 8 + 8 * (lane / 16), b_chunk = (lane / 8) % 2;
    for (uint32_t kt = 0; kt < tiles; kt++) {
        asm volatile("cp.async.wait_group %0;\n" ::"n"(MMA_STAGES - 2));
        __syncthreads(); /* tile kt is in; every warp is done with tile kt-1, whose stage is refilled */
        const uint32_t next = kt + MMA_STAGES - 1;
        if (next < tiles) {
            const unsigned s = base + (next % MMA_STAGES) * STAGE;
            mma_load(s, x, k, bm0, next * MMA_BK);
            mma_load(s + TILE, wt, k, bn0, next * MMA_BK);
        }
        asm volatile("cp.async.commit_group;\n" ::);
        const unsigned sa = base + (kt % MMA_STAGES) * STAGE, sb = sa + TILE;
#pragma unroll
        for (unsigned kc = 0; kc < MMA_BK / 16; kc += 2) { /* 32 of K: chunks kc, kc+1 */
            uint32_t a[4][4], b[4][2];
#pragma unroll
            for (int i = 0; i < 4; i++)
                ldsm_x4(sa + mma_swz(wm0 + 16 * i + a_row, kc + a_chunk), a[i][0], a[i][1], a[i][2], a[i][3]);
#pragma unroll
            for (int j = 0; j < 4; j += 2)
                ldsm_x4(sb + mma_swz(wn0 + 8 * j + b_row, kc + b_chunk), b[j][0], b[j][1], b[j + 1][0], b[j + 1][1]);
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++)
                    asm volatile(
                        "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                        : "+r"(acc[i][j][0]), "+r"(acc[i][j][1]), "+r"(acc[i][j][2]), "+r"(acc[i][j][3])
                        : "r"(a[i][0]), "r"(a[i][1]), "r"(a[i][2]), "r"(a[i][3]), "r"(b[j][0]), "r"(b[j][1]));
        }
    }
    asm volatile("cp.async.wait_group 0;\n" ::);
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++)
#pragma unroll
            for (unsigned h = 0; h < 2; h++) {
                const uint32_t row = bm0 + wm0 + 16 * i + pow_frag_c_row(lane, 2 * h), col = bn0 + wn0 + 8 * j + pow_frag_c_col(lane, 2 * h);
                store_pair(out, (uint64_t)row * n + col, acc[i][j][2 * h], acc[i][j][2 * h + 1]);
            }
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
/* pow_step_wgmma (Hopper's warpgroup MMA: PTX 8.0 for sm_90a, which scripts/cuda-gen.sh marks
 * the sm_90 PTX as): a block of two warpgroups computes 128 x 128 outputs, each warpgroup 64
 * rows with one m64n128k32 per 32 of K, over K tiles of 128 bytes in three stages (96 KiB
 * plus 1 KiB for alignment, so two blocks share a multiprocessor and one's loads overlap the
 * other's wgmma: 634-649 int8 TOPS on an H200, against 569-598 for one block of 128 x 256
 * tiles in four stages). Operands come from shared memory through descriptors, in the 128-byte swizzle:
 * chunk c of row r at r * 128 + 16 (c ^ (r % 8)), tiles 1 KiB aligned; the descriptor's
 * stride between groups of 8 rows is 1024 and a k step of 32 moves its start by 32 bytes (the
 * hardware applies the swizzle). The next tile is loaded while one group of wgmma stays in
 * flight, so the stage a load refills (that of tile kt-2) is one no wgmma reads any more.
 * Grid (N/128, M/128), 256 threads; M and N multiples of 128, K of 128. */
#define WG_BK 128
#define WG_BN 128
#define WG_STAGES 3

__device__ __forceinline__ uint64_t wg_desc(unsigned addr) {
    return (uint64_t)((addr >> 4) & 0x3FFF) | ((uint64_t)1 << 16) | ((uint64_t)(1024 >> 4) << 32) | ((uint64_t)1 << 62);
}

__device__ __forceinline__ void wg_load(unsigned s, const int8_t *g, uint64_t pitch, uint32_t r0, uint32_t rows, uint32_t k0) {
    for (unsigned c = threadIdx.x; c < rows * 8; c += 256) {
        const unsigned r = c / 8, ch = c % 8;
        cp_async16(s + r * 128 + 16 * (ch ^ (r % 8)), g + (uint64_t)(r0 + r) * pitch + k0 + 16 * ch);
    }
}

#define WG_R8(i) "+r"(d[i]), "+r"(d[i + 1]), "+r"(d[i + 2]), "+r"(d[i + 3]), "+r"(d[i + 4]), "+r"(d[i + 5]), "+r"(d[i + 6]), "+r"(d[i + 7])

/* wg_mma adds A (64 x 32, descriptor a) times B (32 x 128, descriptor b) to d. */
__device__ __forceinline__ void wg_mma(int32_t *d, uint64_t a, uint64_t b) {
    asm volatile(
        "{\n.reg .pred p;\nsetp.ne.b32 p, 1, 0;\n"
        "wgmma.mma_async.sync.aligned.m64n128k32.s32.s8.s8 "
        "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,"
        "%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63},"
        " %64, %65, p;\n}\n"
        : WG_R8(0), WG_R8(8), WG_R8(16), WG_R8(24), WG_R8(32), WG_R8(40), WG_R8(48), WG_R8(56)
        : "l"(a), "l"(b));
}

extern "C" __global__ void __launch_bounds__(256, 2) pow_step_wgmma(const int8_t *x, const int8_t *wt, int8_t *out, uint32_t m, uint32_t n, uint32_t k) {
    constexpr unsigned A_BYTES = 128 * WG_BK, STAGE = (128 + WG_BN) * WG_BK;
    extern __shared__ __align__(1024) int8_t wg_smem[];
    const unsigned base = (smem_u32(wg_smem) + 1023) & ~1023u;
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32, wg = warp / 4;
    const uint32_t bm0 = blockIdx.y * 128, bn0 = blockIdx.x * WG_BN;
    int32_t d[WG_BN / 2];
#pragma unroll
    for (int e = 0; e < WG_BN / 2; e++)
        d[e] = 0;
    const uint32_t tiles = k / WG_BK;
#pragma unroll
    for (unsigned s = 0; s < WG_STAGES - 2; s++) {
        if (s < tiles) {
            wg_load(base + s * STAGE, x, k, bm0, 128, s * WG_BK);
            wg_load(base + s * STAGE + A_BYTES, wt, k, bn0, WG_BN, s * WG_BK);
        }
        asm volatile("cp.async.commit_group;\n" ::);
    }
    for (uint32_t kt = 0; kt < tiles; kt++) {
        asm volatile("cp.async.wait_group %0;\n" ::"n"(WG_STAGES - 3));
        asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); /* cp.async wrote the tile; the tensor cores read it */
        __syncthreads(); /* tile kt is in; every warpgroup's wgmma on tile kt-2 has completed */
        const uint32_t next = kt + WG_STAGES - 2;
        if (next < tiles) {
            const unsigned s = base + (next % WG_STAGES) * STAGE;
            wg_load(s, x, k, bm0, 128, next * WG_BK);
            wg_load(s + A_BYTES, wt, k, bn0, WG_BN, next * WG_BK);
        }
        asm volatile("cp.async.commit_group;\n" ::);
        const unsigned sa = base + (kt % WG_STAGES) * STAGE, sb = sa + A_BYTES;
        asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
        for (unsigned ks = 0; ks < WG_BK / 32; ks++) {
            wg_mma(d, wg_desc(sa + 64 * wg * 128 + 32 * ks), wg_desc(sb + 32 * ks));
        }
        asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
        asm volatile("wgmma.wait_group.sync.aligned 1;\n" ::: "memory");
    }
    asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
    asm volatile("cp.async.wait_group 0;\n" ::);
    /* The m64nNk32 accumulator: warp w of the warpgroup holds rows 16w + lane/4 and +8;
     * register 4j+e is column 8j + 2 (lane%4) + (e&1), on the second row when e >= 2. */
    const uint32_t row0 = bm0 + 64 * wg + 16 * (warp % 4) + lane / 4;
#pragma unroll
    for (int j = 0; j < WG_BN / 8; j++)
#pragma unroll
        for (unsigned e = 0; e < 4; e += 2) {
            const uint32_t row = row0 + 8 * (e / 2), col = bn0 + 8 * j + 2 * (lane % 4);
            store_pair(out, (uint64_t)row * n + col, d[4 * j + e], d[4 * j + e + 1]);
        }
}
#endif

extern "C" {

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
