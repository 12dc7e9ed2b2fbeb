/*
 * core_check.c runs powcore.h on the CPU, compiled by the system C compiler, for
 * TestCUDACoreMatchesReference (pkg/pow), which compares every answer with the Go reference.
 * Besides the core functions it emulates a whole batch the way pow.cu computes it: the
 * transposed table, the starting vectors, each step as pow_step_mma's blocks, warps, tiles
 * and fragment registers (with mma.sync's documented semantics) or as pow_step_dp4a, and
 * the digests. Commands, one per line on stdin, answers on stdout:
 *
 *   word KEY I                      -> the stream word
 *   requant Y                       -> the int8
 *   digest HEXX HEXV                -> the digest of x . v
 *   wins DIGEST BITS                -> 1 or 0
 *   batch DIM STEPS ROWS BITS LAYERS START LAYER DIGEST TABLE B KERNEL
 *                                   -> ROWS digests of batch B (KERNEL mma or dp4a), then "end"
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "powcore.h"

/* mma_emulate applies mma.m16n8k32 to one warp's registers as the PTX ISA documents it:
 * A element i of a lane sits at row g (i < 4 or 8 <= i < 12, else g+8), column 4t+(i&3)
 * (+16 for i >= 8); B element i at k 4t+(i&3) (+16 for i >= 4), column g; C element i at row
 * g (+8 for i >= 2), column 2t+(i&1). Written from the document, not from powcore.h. */
static void mma_emulate(uint32_t a[32][4], uint32_t b[32][2], int32_t c[32][4]) {
    int8_t A[16][32], B[32][8];
    for (unsigned lane = 0; lane < 32; lane++) {
        unsigned g = lane / 4, t = lane % 4;
        for (unsigned i = 0; i < 16; i++) {
            unsigned row = (i < 4 || (i >= 8 && i < 12)) ? g : g + 8;
            unsigned col = 4 * t + (i & 3) + (i >= 8 ? 16 : 0);
            A[row][col] = (int8_t)(a[lane][i / 4] >> (8 * (i % 4)));
        }
        for (unsigned i = 0; i < 8; i++) {
            unsigned k = 4 * t + (i & 3) + (i >= 4 ? 16 : 0);
            B[k][g] = (int8_t)(b[lane][i / 4] >> (8 * (i % 4)));
        }
    }
    for (unsigned lane = 0; lane < 32; lane++) {
        unsigned g = lane / 4, t = lane % 4;
        for (unsigned i = 0; i < 4; i++) {
            unsigned row = g + (i >= 2 ? 8 : 0), col = 2 * t + (i & 1);
            int32_t s = 0;
            for (unsigned k = 0; k < 32; k++) s += (int32_t)A[row][k] * (int32_t)B[k][col];
            c[lane][i] += s;
        }
    }
}

static uint32_t load32(const int8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* step_mma mirrors pow_step_mma: 128 x 128 blocks, 8 warps of 64 x 32, K tiles of 64 staged
 * with the kernel's 80-byte pitch, fragments loaded through powcore.h's index functions. */
static void step_mma(const int8_t *x, const int8_t *wt, int8_t *out, uint32_t m, uint32_t n, uint32_t k) {
    static int8_t as[128][80], bs[128][80];
    for (uint32_t bm0 = 0; bm0 < m; bm0 += 128)
        for (uint32_t bn0 = 0; bn0 < n; bn0 += 128) {
            static int32_t acc[8][4][4][32][4];
            memset(acc, 0, sizeof acc);
            for (uint32_t k0 = 0; k0 < k; k0 += 64) {
                for (uint32_t r = 0; r < 128; r++) {
                    memcpy(as[r], x + (uint64_t)(bm0 + r) * k + k0, 64);
                    memcpy(bs[r], wt + (uint64_t)(bn0 + r) * k + k0, 64);
                }
                for (unsigned warp = 0; warp < 8; warp++) {
                    unsigned wm0 = (warp / 4) * 64, wn0 = (warp % 4) * 32;
                    for (unsigned kk = 0; kk < 64; kk += 32)
                        for (int i = 0; i < 4; i++)
                            for (int j = 0; j < 4; j++) {
                                uint32_t a[32][4], b[32][2];
                                for (unsigned lane = 0; lane < 32; lane++) {
                                    for (unsigned r = 0; r < 4; r++)
                                        a[lane][r] = load32(&as[wm0 + 16 * i + pow_frag_a_row(lane, r)][kk + pow_frag_a_col(lane, r)]);
                                    for (unsigned r = 0; r < 2; r++)
                                        b[lane][r] = load32(&bs[wn0 + 8 * j + pow_frag_b_n(lane)][kk + pow_frag_b_k(lane, r)]);
                                }
                                mma_emulate(a, b, acc[warp][i][j]);
                            }
                }
            }
            for (unsigned warp = 0; warp < 8; warp++) {
                unsigned wm0 = (warp / 4) * 64, wn0 = (warp % 4) * 32;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        for (unsigned lane = 0; lane < 32; lane++)
                            for (unsigned e = 0; e < 4; e++) {
                                uint32_t row = bm0 + wm0 + 16 * i + pow_frag_c_row(lane, e);
                                uint32_t col = bn0 + wn0 + 8 * j + pow_frag_c_col(lane, e);
                                out[(uint64_t)row * n + col] = pow_requant(acc[warp][i][j][lane][e]);
                            }
            }
        }
}

/* step_dp4a mirrors pow_step_dp4a. */
static void step_dp4a(const int8_t *x, const int8_t *wt, int8_t *out, uint32_t m, uint32_t n, uint32_t k) {
    for (uint32_t row = 0; row < m; row++)
        for (uint32_t col = 0; col < n; col++) {
            uint32_t acc = 0;
            for (uint32_t i = 0; i < k / 4; i++) acc = pow_dot4(load32(x + (uint64_t)row * k + 4 * i), load32(wt + (uint64_t)col * k + 4 * i), acc);
            out[(uint64_t)row * n + col] = pow_requant((int32_t)acc);
        }
}

/* gen_layer mirrors pow_gen_table for one layer: word by word, bytes written transposed. */
static void gen_layer(int8_t *wt, uint64_t key, uint32_t dim, uint64_t l) {
    uint64_t base = l * (uint64_t)dim * dim;
    for (uint32_t k = 0; k < dim; k++)
        for (uint32_t n8 = 0; n8 < dim; n8 += 8) {
            uint64_t w = pow_word(key, (base + (uint64_t)k * dim + n8) / 8);
            for (unsigned b = 0; b < 8; b++) wt[(uint64_t)(n8 + b) * dim + k] = pow_byte(w, b);
        }
}

static int hexval(int c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

static size_t unhex(const char *s, int8_t *out) {
    size_t n = strlen(s) / 2;
    for (size_t i = 0; i < n; i++) out[i] = (int8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
    return n;
}

int main(void) {
    static char line[1 << 20], a1[1 << 19], a2[1 << 19];
    while (fgets(line, sizeof line, stdin)) {
        uint64_t key, i, dim, steps, rows, bits, layers, kstart, klayer, kdigest, ktable, batch;
        int64_t y;
        char kernel[16];
        if (sscanf(line, "word %" SCNu64 " %" SCNu64, &key, &i) == 2) {
            printf("%" PRIu64 "\n", pow_word(key, i));
        } else if (sscanf(line, "requant %" SCNd64, &y) == 1) {
            printf("%d\n", pow_requant((int32_t)y));
        } else if (sscanf(line, "digest %s %s", a1, a2) == 2) {
            static int8_t x[1 << 18], v[1 << 18];
            size_t n = unhex(a1, x);
            unhex(a2, v);
            uint32_t dot = 0;
            for (size_t j = 0; j < n / 4; j++) dot = pow_dot4(load32(x + 4 * j), load32(v + 4 * j), dot);
            printf("%" PRIu32 "\n", pow_digest_mix(dot));
        } else if (sscanf(line, "wins %" SCNu64 " %" SCNu64, &key, &bits) == 2) {
            printf("%d\n", pow_wins((uint32_t)key, (unsigned)bits));
        } else if (sscanf(line, "batch %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                          " %" SCNu64 " %" SCNu64 " %15s",
                          &dim, &steps, &rows, &bits, &layers, &kstart, &klayer, &kdigest, &ktable, &batch, kernel) == 11) {
            int8_t *x = malloc(rows * dim), *next = malloc(rows * dim), *wt = malloc(dim * dim), *v = malloc(dim);
            uint64_t first = batch * rows;
            for (uint64_t w = 0; w < rows * dim / 8; w++) { /* pow_gen_start */
                uint64_t word = pow_word(kstart, first * (dim / 8) + w);
                for (unsigned b = 0; b < 8; b++) x[8 * w + b] = pow_byte(word, b);
            }
            for (uint32_t s = 0; s < steps; s++) {
                gen_layer(wt, ktable, (uint32_t)dim, pow_layer_index(klayer, batch, (uint32_t)steps, s, layers));
                if (strcmp(kernel, "mma") == 0) step_mma(x, wt, next, (uint32_t)rows, (uint32_t)dim, (uint32_t)dim);
                else step_dp4a(x, wt, next, (uint32_t)rows, (uint32_t)dim, (uint32_t)dim);
                int8_t *tmp = x;
                x = next;
                next = tmp;
            }
            for (uint32_t j = 0; j < dim; j++) v[j] = pow_stream_byte(kdigest, j);
            for (uint64_t r = 0; r < rows; r++) { /* pow_digest */
                uint32_t dot = 0;
                for (uint32_t j = 0; j < dim / 4; j++) dot = pow_dot4(load32(x + r * dim + 4 * j), load32(v + 4 * j), dot);
                uint32_t d = pow_digest_mix(dot);
                printf("%" PRIu32 " %d\n", d, pow_wins(d, (unsigned)bits));
            }
            printf("end\n");
            free(x), free(next), free(wt), free(v);
        } else {
            fprintf(stderr, "unknown command: %s", line);
            return 2;
        }
        fflush(stdout);
    }
    return 0;
}
