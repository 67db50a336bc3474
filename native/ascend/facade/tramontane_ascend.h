// tramontane ascend facade: the flat C ABI between Java (JavaCPP) and ACL / ATB / aclnn.
// Primitives and pointers only; no STL, templates or exceptions cross it. Device addresses travel
// as void*. Activations are device buffers in the compute dtype `cd` (ACL_FLOAT16 = 1 or ACL_BF16 =
// 27); where a call takes an activation dtype too, an ACL_FLOAT (f32) buffer is also accepted and
// cast on the way in or out. Each call queues the operations MindIE runs for it on the device's
// stream and returns: only the host's reads (tna_download) and writes of device memory, tna_free and
// tna_sync synchronise the stream, so a kernel fault is reported by the next of those, naming the
// queued operation that faulted. ATB operations and aclnn executors are kept per param / shape
// and reused. Every function returns 0 or the first failing status (ACL / ATB / aclnn code, or
// TNA_E_*); tna_last_error() then names the API that failed and why.
#ifndef TRAMONTANE_ASCEND_H
#define TRAMONTANE_ASCEND_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

enum { TNA_OK = 0, TNA_E_EXCEPTION = -100, TNA_E_ARG = -101, TNA_E_CXX_ABI = -102 };

typedef struct tna_device tna_device;

// 1 when this library is linked to the CPU simulator, 0 when linked to the real CANN runtime.
int tna_is_simulator(void);
// aclInit (once per process; ACL_ERROR_REPEAT_INITIALIZE from another library's earlier aclInit is
// taken as success), then on the calling thread: aclrtSetDevice, a stream, an ATB context.
tna_device* tna_open(int device_id, int* status);
// Stream sync, context, stream, aclrtResetDevice; ACL stays initialised (it cannot be again).
int tna_close(tna_device* d);
// aclFinalize, once, at process exit, when this library's aclInit initialised ACL; 0 otherwise.
int tna_finalize(void);
const char* tna_last_error(void);
// "" when the library at library_path (NULL: the libatb.so this process loaded) was built for the
// _GLIBCXX_USE_CXX11_ABI this library was, or when that cannot be told; else the one-line refusal
// naming both ABIs and the set_env.sh --cxx_abi fix. tna_open refuses (TNA_E_CXX_ABI) on a mismatch.
const char* tna_cxx_abi_refusal(const char* library_path);

int tna_malloc(tna_device* d, size_t bytes, void** out);
int tna_free(tna_device* d, void* p);
int tna_memset_zero(tna_device* d, void* p, size_t bytes);
int tna_upload(tna_device* d, void* dst, const void* host_src, size_t bytes);
int tna_download(tna_device* d, void* host_dst, const void* src, size_t bytes);
int tna_copy(tna_device* d, void* dst, const void* src, size_t bytes);
// aclrtSynchronizeStream; the kept operations and executors and the temporaries are free again.
int tna_sync(tna_device* d);
// What the facade has asked of the runtime on this device since it opened: the device-speed
// figures (ATB operations and aclnn executors made, aclrtMalloc calls, stream synchronisations).
typedef struct tna_device_counters {
  uint64_t atb_operations_created;
  uint64_t aclnn_executors_created;
  uint64_t device_mallocs;
  uint64_t stream_syncs;
} tna_device_counters;
int tna_counters(tna_device* d, tna_device_counters* out);
// Deterministic dummy weights (the cpu backend's generator, tn_fill_random_runs: num_runs runs of
// run_elems elements of the full random tensor, from run_starts), made on the host and uploaded.
int tna_fill_random(tna_device* d, void* dst, int acl_dtype, uint64_t seed, float scale, const int64_t* run_starts,
                    size_t num_runs, size_t run_elems);

// dst = (dst_dtype) src, elementwise (Elewise CAST).
int tna_cast(tna_device* d, const void* src, int src_dtype, void* dst, int dst_dtype, size_t n);
// out [n, hidden] (dtype odt) = table[ids] (Gather axis 0; table in cd).
int tna_embedding(tna_device* d, const void* table, int cd, int64_t vocab, int hidden, const int32_t* ids, int n,
                  void* out, int odt);
// out = RmsNorm(x) * gamma (gamma [dim]); x, gamma, out each in its dtype.
int tna_rms_norm(tna_device* d, const void* x, int xdt, const void* gamma, int gdt, void* out, int odt, int rows,
                 int dim, float eps, int cd);
// out [m, n] (dtype odt) = x [m, k] (dtype xdt) . w[n, k]^T (Linear, transposeB, no bias; w in cd).
int tna_linear(tna_device* d, const void* x, int xdt, int m, int k, const void* w, int cd, int n, void* out, int odt);
// Rotate-half RoPE in place on the q and k columns of qkv [T, (nq + 2 nk) hd] in cd; cos/sin tables
// [max_pos, hd] in cd gathered by positions (int32 [T]).
int tna_rope(tna_device* d, void* qkv, int num_tokens, int nq, int nk, int hd, const void* cos_table,
             const void* sin_table, int max_pos, const int32_t* positions, int cd);
// k, v columns of qkv (cd) -> caches [num_blocks, block_size, nk, hd] (cd) at slots (int32 [T]).
int tna_reshape_and_cache(tna_device* d, const void* qkv, int num_tokens, int nq, int nk, int hd, void* k_cache,
                          void* v_cache, int num_blocks, int block_size, const int32_t* slots, int cd);
// Causal prefill of whole sequences (SelfAttention PA_ENCODER, [128,128] triu mask): tokens of
// num_seqs sequences, seq_lens int32 [num_seqs] on the device and the same on the host. qkv and out [T, nq hd] in cd.
int tna_prefill_attention(tna_device* d, const void* qkv, int num_tokens, int nq, int nk, int hd,
                          const int32_t* seq_lens, const int32_t* seq_lens_host, int num_seqs, float scale, void* out,
                          int cd);
// Prefill chunks that continue a cached prefix (SelfAttention PREFIX_ENCODER over the paged cache,
// compressed [128,128] causal mask): query_lens (tokens of each sequence in this step) and seq_lens
// (its context after the step, the chunk's k/v already in the cache) int32 [num_seqs] on the device and
// the same on the host; block_tables int32 [num_seqs, max_blocks] on the device. qkv and out [T, nq hd] in cd.
int tna_prefix_attention(tna_device* d, const void* qkv, int num_tokens, int nq, int nk, int hd, const void* k_cache,
                         const void* v_cache, int num_blocks, int block_size, const int32_t* block_tables,
                         int max_blocks, const int32_t* query_lens, const int32_t* query_lens_host,
                         const int32_t* seq_lens, const int32_t* seq_lens_host, int num_seqs, float scale, void* out,
                         int cd);
// One query token per sequence over the paged cache (PagedAttention): block_tables int32
// [num_seqs, max_blocks] on the device, context_lens int32 [num_seqs] on the device and the same on
// the host. qkv and out [num_seqs, nq hd] in cd.
int tna_decode_attention(tna_device* d, const void* qkv, int num_seqs, int nq, int nk, int hd, const void* k_cache,
                         const void* v_cache, int num_blocks, int block_size, const int32_t* block_tables,
                         int max_blocks, const int32_t* context_lens, const int32_t* context_lens_host, float scale,
                         void* out, int cd);
// One PagedAttention query per token over the paged cache (a chunk PREFIX_ENCODER cannot take, or
// a context past a sliding window): token t reads row table_rows[t] of block_tables (int32
// [num_rows, max_blocks] on the device) from column first_blocks[t] on (row_blocks columns, gathered
// on the device), over context_lens[t] positions of which the first masked_lens[t] are masked
// (MASK_TYPE_NORM, mask [T, nq, 1, max_context_len]: fp16 -inf, bf16 1; no mask when none is).
// Host arrays int32 [T]. qkv and out [T, nq hd] in cd.
int tna_token_attention(tna_device* d, const void* qkv, int num_tokens, int nq, int nk, int hd, const void* k_cache,
                         const void* v_cache, int num_blocks, int block_size, const int32_t* block_tables, int num_rows,
                         int max_blocks, const int32_t* table_rows_host, const int32_t* first_blocks_host,
                         int row_blocks, const int32_t* context_lens_host, const int32_t* masked_lens_host,
                         int max_context_len, float scale, void* out, int cd);
// Router: Linear (gate [E, H], dtype gdt, used in cd) -> f32 -> MoeGatingTopKSoftmax -> renormalised
// top-k (Activation LOG + Softmax). x and weights [T, k] in dtype xdt; expert_ids int32 [T, k].
int tna_moe_gate(tna_device* d, const void* x, int xdt, const void* gate, int gdt, int num_tokens, int hidden,
                 int num_experts, int top_k, int32_t* expert_ids, void* weights, int cd);
// Experts: MoeInitRoutingV2 -> GroupedMatmulV4 (gate_up [E, 2I, H]) -> SwiGLU -> GroupedMatmulV4
// (down [E, H, I]) -> MoeTokenUnpermute weighted by the routing weights. x, weights, out [T, H] in adt.
int tna_moe_experts(tna_device* d, const void* x, int num_tokens, int hidden, int inter, int num_experts, int top_k,
                    const void* gate_up, const void* down, const int32_t* expert_ids, const void* weights, void* out,
                    int adt, int cd);
// W8A8 dynamic experts, as MindIE on A2: MoeInitRoutingV2 -> DynamicQuant -> GroupedMatmulV4 (int8
// gate_up [E, 2I, H], scales f32 [E, 2I], per-token scales) -> SwiGLU -> DynamicQuant -> GroupedMatmulV4
// (int8 down [E, H, I], scales f32 [E, H]) -> MoeTokenUnpermute. x, weights, out in adt.
int tna_moe_experts_w8a8(tna_device* d, const void* x, int num_tokens, int hidden, int inter, int num_experts,
                         int top_k, const void* gate_up, const float* gate_up_scale, const void* down,
                         const float* down_scale, const int32_t* expert_ids, const void* weights, void* out, int adt,
                         int cd);
// W8A8 dynamic linear: x (dtype xdt, used in cd) -> DynamicQuant (int8, f32 per-row scale) ->
// QuantMatmulV4 with w int8 [n, k] (transposeX2), w_scale f32 [n] and the per-token scales -> out
// [m, n] (dtype odt).
int tna_quant_linear(tna_device* d, const void* x, int xdt, int m, int k, const void* w, const float* w_scale, int n,
                     void* out, int odt, int cd);
// y += x (both in dtype dt, Elewise ADD).
int tna_add(tna_device* d, void* y, const void* x, int dt, size_t n);
// out [n, cols] = src [rows, cols] rows row_idx (host int32 [n], each in [0, rows)); dtype dt (Gather).
int tna_gather_rows(tna_device* d, const void* src, int dt, int64_t rows, int64_t cols, const int32_t* row_idx_host,
                    int n, void* out);

// ---- tensor parallelism: ATB AllReduce / AllGather between the device threads of one process ----
// One rank's HCCL communicator. Made in two steps because HCCL needs every rank's communicator
// created on that rank's device thread, at the same time: tna_hccl_root_info on rank 0's thread,
// then tna_hccl_init on every rank's thread concurrently (each returns once all ranks joined).
typedef struct tna_hccl tna_hccl;

// HCCL_ROOT_INFO_BYTES: the size of the buffer tna_hccl_root_info fills.
size_t tna_hccl_root_info_bytes(void);
// HcclGetRootInfo into root_info. exec_timeout_s > 0 is first exported as HCCL_EXEC_TIMEOUT (how long
// a rank waits for the others in a collective before failing), which HCCL reads when the ranks join.
int tna_hccl_root_info(tna_device* d, int exec_timeout_s, void* root_info);
// HcclCommInitRootInfo as rank `rank` of n_ranks on this device.
int tna_hccl_init(tna_device* d, int n_ranks, const void* root_info, int rank, tna_hccl** out);
// HcclCommDestroy. The other ranks' later collectives fail.
int tna_hccl_destroy(tna_device* d, tna_hccl* c);
// The collectives take the rank's place in its group as ATB's params do: backend "hccl" or "lccl",
// rank of rank_size, hccl_comm (from tna_hccl_init; ATB's lccl backend does not use it) and
// comm_domain (a name of the group; ATB's lccl backend keys its own communicator by it). Run with
// commMode COMM_MULTI_THREAD, queued on the rank's stream like the other operations; dt is the
// tensors' dtype (ACL_FLOAT, ACL_FLOAT16 or ACL_BF16).
// In place: data [count] = the sum over the ranks (ATB AllReduce, allReduceType "sum").
int tna_all_reduce_sum(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                       const char* comm_domain, void* data, int dt, size_t count);
// out [rank_size, count] = every rank's local [count], in rank order (ATB AllGather).
int tna_all_gather(tna_device* d, const char* backend, int rank, int rank_size, tna_hccl* hccl_comm,
                   const char* comm_domain, const void* local, int dt, size_t count, void* out);

// sizeof/alignof/offsetof of every ATB struct the facade fills, as compiled (layout.cpp): one
// "abi", "struct" or "field" record per line.
const char* tna_struct_layouts(void);

#ifdef __cplusplus
}
#endif
#endif
