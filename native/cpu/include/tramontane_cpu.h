// tramontane cpu backend: the flat C ABI between Java (JavaCPP) and the kernels.
// Primitives, pointers and POD structs only; no STL, templates or exceptions cross it.
// Every entry point that takes indices from the caller checks them and returns a
// status code (TN_OK or a negative TN_E_*), so a bad id never becomes a wild read.
#ifndef TRAMONTANE_CPU_H
#define TRAMONTANE_CPU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- dtype codes (mirror of org.tramontane.config.DType; the traits are dtype.h's kDTypes) ----
enum { TN_F32 = 0, TN_F16 = 1, TN_BF16 = 2, TN_I8 = 3 };

// ---- ISA levels (runtime dispatch; see dispatch.cpp) ----
// Scalar runs everywhere; the x86-64 levels (AVX2 < AVX512 < AMX) and the aarch64 level (NEON)
// exist only on their architecture, so a level is valid when it is scalar or one of this
// architecture's levels not above tn_isa_supported().  AMX is the AVX512 level with its bf16-mode
// and int8 panel products on the AMX tiles.
enum { TN_ISA_SCALAR = 0, TN_ISA_AVX2 = 1, TN_ISA_AVX512 = 2, TN_ISA_NEON = 3, TN_ISA_AMX = 4 };
// Why tn_isa_supported() is or is not TN_ISA_AMX: the CPU lacks AMX-TILE / AMX-BF16 / AMX-INT8 (or
// AVX512-BF16); the OS does not save the tile state (XCR0); Linux refused the process the tile data
// (arch_prctl ARCH_REQ_XCOMP_PERM); or the tiles are usable.
enum { TN_AMX_ABSENT = 0, TN_AMX_OS_DISABLED = 1, TN_AMX_REFUSED = 2, TN_AMX_USABLE = 3 };
int tn_amx_state(void);

// ---- status codes ----
enum {
  TN_OK = 0,
  TN_E_ARG = -1,        // a size or dtype argument is invalid
  TN_E_INDEX = -2,      // a token id, slot or block id is out of range
  TN_E_NOMEM = -3,
  TN_E_IO = -4
};

// Highest ISA level this CPU supports.
int tn_isa_supported(void);
// Level in use (after tn_set_isa); starts at tn_isa_supported().
int tn_isa_active(void);
// Force a valid level (above); returns the level now active or TN_E_ARG.
int tn_set_isa(int level);
// Size the persistent worker pool (calling thread included); 0 = number of cores.
int tn_set_threads(int num_threads);
int tn_num_threads(void);

// 64-byte aligned, zero-filled native memory.
void* tn_alloc(size_t bytes);
void tn_free(void* p);
// Read-only private mapping of a whole file; *len receives its length. NULL on failure.
void* tn_map_file(const char* path, size_t* len);
void tn_unmap(void* p, size_t len);

// dst[i] = (dst_dtype) src[i], round-to-nearest-even when narrowing.
int tn_convert(const void* src, int src_dtype, void* dst, int dst_dtype, size_t n);

// out[t, :] = table[ids[t], :] widened to f32.  ids checked against vocab.
int tn_embedding(const void* table, int dtype, int64_t vocab, int hidden,
                 const int32_t* ids, int num_tokens, float* out);

// out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w   (HF MixtralRMSNorm, f32)
int tn_rms_norm(const float* x, const float* w, float* out, int rows, int dim, float eps);

// ---- linear weights: one descriptor for every dtype the table has ----

enum { TN_ACT_NONE = 0, TN_ACT_INT8_PER_TOKEN = 1 };

// A linear weight [n, k] (or E stacked [E, n, k]): float (dtype TN_F32 / TN_F16 / TN_BF16, scale
// NULL) or symmetric int8 (dtype TN_I8) with one f32 scale per output row.  dtype | TN_W_PANELS:
// the weight was laid out by tn_pack_panels.
typedef struct tn_linear_weight {
  const void* w;
  const float* scale;
  int32_t dtype;
  int32_t act_quant;  // TN_ACT_*: what an int8 weight does with its input
} tn_linear_weight;

// out[m, n] = x W^T, the weight's dtype choosing the kernel.
// Float weights: out[m, n] = sum_k x[m, k] * W[n, k]; round_act rounds the activations to bf16
// before the products (bf16 mode, bf16 weights).
// int8 + TN_ACT_INT8_PER_TOKEN: each row of x is quantized (s = max|x|/127,
// q = clamp(round_half_away(x / s), -127, 127)), acc = q . Wq exactly in int32, and
// out = (float(acc) * scale[n]) * s, each product rounded to f32 in that order (MindIE's
// DynamicQuant + QuantMatmul).  int8 + TN_ACT_NONE: out = (x . float(Wq)) * scale[n].
int tn_linear(const float* x, int m, int k, const tn_linear_weight* w, int n, float* out, int round_act);

// In place rotate-half RoPE on q [T, heads*hd] and k [T, kv_heads*hd] (row strides given).
int tn_rope(float* q, int q_stride, float* k, int k_stride, const int32_t* positions,
            int num_tokens, int num_heads, int num_kv_heads, int head_dim, float theta);

// Paged KV cache geometry: cache tensors are [num_blocks, block_size, kv_heads, head_dim].  A TN_I8
// cache tensor holds its int8 cells in that shape, then, from the next multiple of 64 bytes, one f32
// scale per (slot, kv head): [num_blocks, block_size, kv_heads] (a cell's value is q * scale).
typedef struct tn_kv_layout {
  int32_t num_blocks;
  int32_t block_size;
  int32_t num_kv_heads;
  int32_t head_dim;
  int32_t dtype;        // TN_F32 / TN_F16 / TN_BF16 / TN_I8
} tn_kv_layout;

// Writes token t's k/v rows into slot slot_mapping[t] of the caches (slots checked); into an int8
// cache each (token, kv head) row quantized symmetrically: scale = max|x| / 127, q = round(x / scale)
// half away from zero.
int tn_reshape_and_cache(const float* k, int k_stride, const float* v, int v_stride,
                         int num_tokens, const int32_t* slot_mapping,
                         void* k_cache, void* v_cache, const tn_kv_layout* kv);

// Attention over the paged cache for a flat batch of query tokens (prefill and decode alike):
// token t belongs to sequence seq_idx[t], sits at absolute position positions[t] and attends
// to that sequence's keys j with positions[t] - window < j <= positions[t] (window <= 0: no
// window), read through block_tables[seq_idx[t] * max_blocks_per_seq + j / block_size].
// The same bits for every pool size (decode's key splits are fixed by the positions alone).
typedef struct tn_attention_params {
  int32_t num_tokens;
  int32_t num_seqs;
  int32_t num_heads;
  int32_t max_blocks_per_seq;
  int32_t window;
  float scale;
} tn_attention_params;

int tn_paged_attention(const float* q, int q_stride, const void* k_cache, const void* v_cache,
                       const tn_kv_layout* kv, const tn_attention_params* p,
                       const int32_t* seq_idx, const int32_t* positions,
                       const int32_t* block_tables, float* out);

// Router: logits = x Wg^T (f32), softmax over all experts, top_k, renormalise.
// expert_ids / routing_weights are [T, top_k] by descending weight; router_logits [T, E] (may be NULL).
int tn_moe_gate(const float* x, const float* gate_w, int num_tokens, int hidden, int num_experts,
                int top_k, int32_t* expert_ids, float* routing_weights, float* router_logits);

// Expert weights, stacked: w1, w3 [E, inter, hidden]; w2 [E, hidden, inter].
typedef struct tn_moe_params {
  int32_t num_tokens;
  int32_t hidden;
  int32_t inter;
  int32_t num_experts;
  int32_t top_k;
  int32_t w_dtype;      // the experts' dtype code (the three weights share it; TN_W_PANELS ignored)
  int32_t round_act;
} tn_moe_params;

// out[t] = sum_j routing_weights[t, j] * w2_e(silu(w1_e x_t) * w3_e x_t), e = expert_ids[t, j],
// for float or int8 expert weights (scales [E * n]).  The tokens routed to one expert are gathered
// and run together, so each expert's weights are read once per call (once per chunk of
// TN_MOE_MAX_ROWS routed rows for very long prefills), and every active expert of the step runs in
// the same two parallel passes (up + SwiGLU, then down).  int8 with TN_ACT_INT8_PER_TOKEN: each
// token's activation row is quantized once, bit for bit what per-expert tn_linear calls compute.
// Sums into out in expert order.  Float weights share one layout (all panels or none).
// scratch: at least tn_moe_scratch_floats(p) floats, 64-byte aligned.
enum { TN_MOE_MAX_ROWS = 512 };
size_t tn_moe_scratch_floats(const tn_moe_params* p);
int tn_moe_experts(const float* x, const tn_moe_params* p, const int32_t* expert_ids,
                   const float* routing_weights, const tn_linear_weight* w1, const tn_linear_weight* w3,
                   const tn_linear_weight* w2, float* scratch, float* out);

// y[i] += x[i]
int tn_add(float* y, const float* x, size_t n);

// ---- machine-limit probes and counters (the bench verb) ----
enum { TN_PEAK_FP32_FMA = 0, TN_PEAK_BF16_DOT = 1, TN_PEAK_INT8_VNNI = 2, TN_PEAK_AMX_BF16 = 3, TN_PEAK_AMX_INT8 = 4 };
// Operations per second (FLOP/s; int8 OP/s for VNNI, a multiply and an add per product) of
// `kind` on every pool thread at once: register-only loops of the widest instruction of that
// kind the active ISA level can run, best of `repeats` runs of about `millis` ms.
// *ops_per_s = 0 when the CPU lacks the instruction (AVX512-BF16 vdpbf16ps; VNNI vpdpbusd).
// The AMX kinds (TDPBF16PS; TDPBSSD, a multiply and an add per product) answer only while the AMX
// level is active.
int tn_probe_peak(int kind, int millis, int repeats, double* ops_per_s);
// Read bandwidth (bytes/s) of every pool thread summing its share of a fresh `bytes`-sized
// array (allocated, first touched by the same threads, freed again), best of `repeats` passes.
int tn_probe_read_bandwidth(size_t bytes, int repeats, double* bytes_per_s);
// Running total of weight bytes read by tn_linear (int8: weights and scales), tn_moe_gate,
// tn_moe_experts and tn_embedding since the library loaded (each weight byte counted every time a
// kernel streams it).
uint64_t tn_weight_bytes_read(void);
// Running total of wall-clock nanoseconds spent inside tn_paged_attention (prefill and decode, every
// layer, summed over the calling threads: concurrent ranks each add their own time).
uint64_t tn_attention_nanos(void);

// Deterministic dummy weights: element i of a full tensor is scale * u_i, u_i uniform in [-1, 1)
// from a counter-based hash of (seed, i), the same values for any thread count.  dst holds
// num_runs runs of run_elems elements, run r being the full tensor's elements
// [run_starts[r], run_starts[r] + run_elems).
// One rank's shard of a random weight is exactly that shard of the world-size-1 weight.
int tn_fill_random_runs(void* dst, int dtype, uint64_t seed, float scale, const int64_t* run_starts,
                        size_t num_runs, size_t run_elems);

// ---- tuned weight streams (decode: 1-3 activation rows on panel-layout weights) ----
// How the stream kernels read a panel weight: the prefetch instruction and how far ahead (bytes
// per thread, split among the streams), how many panels a thread reads side by side, and how the
// output rows are split between the pool's threads.  Every choice gives the same bits (each
// output is one FMA chain in the same order); only the speed differs from machine to machine.
enum { TN_PREFETCH_NONE = 0, TN_PREFETCH_NTA = 1, TN_PREFETCH_T1 = 2, TN_PREFETCH_T0 = 3 };
// TN_SPLIT_ITEMS: work items of block_rows rows handed out one at a time; TN_SPLIT_SHARES: the
// same items in one contiguous share per thread.
enum { TN_SPLIT_ITEMS = 0, TN_SPLIT_SHARES = 1 };
typedef struct tn_stream_choice {
  int32_t prefetch;        // TN_PREFETCH_*
  int32_t prefetch_bytes;  // 0 .. 65536
  int32_t streams;         // 1 or 2
  int32_t block_rows;      // a multiple of 32, up to 1024 (int8 weights: 32 always)
  int32_t split;           // TN_SPLIT_*
} tn_stream_choice;
// The choice for products of 1-3 rows with an [n, k] panel weight of dtype (tn_linear, and the
// experts' [n, k] blocks in tn_moe_experts); shapes without one keep the built-in streams
// (non-temporal, 2048 bytes, 2 streams, 32-row items); a shape's second choice replaces its first.
// TN_E_ARG for an invalid choice; TN_E_NOMEM when the table (64 shapes) is full.  Called at load:
// a kernel running the shape meanwhile takes the old or the new value of each field.
int tn_set_stream_choice(int dtype, int n, int k, const tn_stream_choice* c);
void tn_clear_stream_choices(void);
// Whether the active ISA level has tunable stream kernels for dtype (x86-64's AVX2 and AVX-512).
int tn_stream_tunable(int dtype);
// The last-level cache's size in bytes as the C library reports it (0: unknown; a VM's figure may
// be the host's).
size_t tn_llc_bytes(void);
// Times choice c: tn_linear of one activation row on an [n, k] panel weight of dtype (TN_I8: int8
// activations, scales of 1) whose bytes are read from successive windows of n * k elements cut
// from the regions (regions[2i] an address, regions[2i + 1] its length in bytes; a region shorter
// than a window gives none), one after the other, so that each call reads bytes the calls just
// before it did not.  `rounds` rounds of `calls` calls; *ns_per_call = the best round's mean.  The
// regions are read only (any bytes: a model's other weights serve).
int tn_time_stream(int dtype, int n, int k, const int64_t* regions, int num_regions, const tn_stream_choice* c,
                   int calls, int rounds, double* ns_per_call);
// ---- weight layout and quantization ----

// Panel layout of linear weights, for the kernels that read it (tn_linear, tn_moe_experts): OR
// TN_W_PANELS into the weight's dtype code there.
// tn_pack_panels rewrites, in place, each of `batch` consecutive matrices [n, k] of w (float, or
// TN_I8 with k even): rows [16p, 16p + 16) become panel p, k-major (float: [k][16], input column
// i's 16 weights side by side; int8: [k / 2][16][2], columns paired for vpmaddwd); the n % 16 last
// rows stay row-major.  Same size.  An int8 panel weight takes TN_ACT_INT8_PER_TOKEN only.
enum { TN_W_PANELS = 0x100 };
int tn_pack_panels(void* w, int dtype, int64_t batch, int64_t n, int64_t k);

// Per-token dynamic quantization of rows of x [m, k]: xq int8 [m, k], scales [m].
int tn_quantize_rows(const float* x, int m, int k, int8_t* xq, float* scales);

// Symmetric per-output-row int8 of an f32 weight w [rows, k], keeping the
// columns [col_start, col_start + cols): scales[r] = max over the WHOLE row of |w| / 127, so a
// row-parallel rank's slice is the same as slicing the world-size-1 quantization;
// q [rows, cols] = clamp(round_half_away(w / scale), -127, 127), division in f32.
// TN_E_ARG when a row holds a NaN or infinity.
int tn_quantize_weight(const float* w, int64_t rows, int64_t k, int64_t col_start, int64_t cols,
                       int8_t* q, float* scales);

#ifdef __cplusplus
}
#endif
#endif
