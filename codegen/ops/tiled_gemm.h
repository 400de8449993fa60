/* Shared-memory tiled GEMM kernel generator behind MatMul, Gemm and Conv (implicit GEMM):
 * C[batch][m][n] = sum_k A[batch][m][k] * B[batch][k][n], operands reached through callbacks. */
#ifndef DLCC_CODEGEN_OPS_TILED_GEMM_H
#define DLCC_CODEGEN_OPS_TILED_GEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/ops/op_lowering.h"

/* One block computes a 64x64 tile of C (16x256 when M <= 16 and that still makes at least
 * 32 blocks, e.g. a Conv with 16 output channels, so 3/4 of the block is not idle); the K loop
 * stages 16-deep slices of A and B in shared memory; each of the 256 threads (tx, ty) of the
 * 2-D block (16x16, or 64x4 for thin tiles) accumulates the 4x4 register micro-tile at rows
 * 4ty + i, columns tx + 16j (64j), reading A as one 4-wide vector (a broadcast within a
 * half-warp) and B as 4 words that adjacent threads read adjacently. */
enum {
  TG_TILE_M = 64,
  TG_TILE_N = 64,
  TG_THIN_TILE_M = 16,
  TG_THIN_TILE_N = 256,
  TG_THIN_MIN_BLOCKS = 32,
  TG_SPLIT_BELOW_BLOCKS = 32, /* fewer output tiles than this: split K across blocks */
  TG_SPLIT_MIN_K_TILES = 16,  /* at least 256 of K per split */
  TG_SPLIT_MAX = 8,
  TG_TILE_K = 16,
  TG_THREADS = 256,
  TG_MICRO = 4,
  TG_MAX_GRID_YZ = 65535
};

/* Emits A[row][k] (load_a) or B[k][col] (load_b) of batch `batch` (blockIdx.z) as f32.
 * The coordinates are i32 and inside the matrix (positions outside it arrive as row or
 * column 0 and their value is discarded), so the callback may load without a guard; it
 * must itself keep any extra addressing (Conv padding) in bounds and return 0 there. */
typedef LLVMValueRef (*tg_load_fn)(kernel_builder *kb, const void *user, LLVMValueRef batch,
                                   LLVMValueRef row, LLVMValueRef col);
/* Stores the finished C[row][col] (in bounds) of batch `batch`. */
typedef void (*tg_store_fn)(kernel_builder *kb, const void *user, LLVMValueRef batch,
                            LLVMValueRef row, LLVMValueRef col, LLVMValueRef value);

typedef struct tiled_gemm_desc {
  const char *kernel_name;
  const kb_param *params; /* the callbacks read these with kb_param_value */
  int param_count;
  const lower_arg *args; /* what each launch binds to params (same count) */
  int64_t m, n, k;       /* sizes of one batch */
  int64_t batch;         /* independent GEMMs, one grid z slice each */
  tg_load_fn load_a;
  bool a_m_contiguous; /* adjacent m are adjacent in memory (a transposed A) */
  tg_load_fn load_b;
  bool b_k_contiguous; /* adjacent k are adjacent in memory (a transposed B) */
  tg_store_fn store_c;
  /* Optional, with !b_k_contiguous (then each thread stages one fixed column of B for the
   * whole K loop): called once per thread before the loop with that column (clamped into
   * [0, n)), so that load_b can reuse column terms it keeps in kb_thread_vars (which it
   * creates here: this runs inside the kernel). */
  void (*prepare_b_column)(kernel_builder *kb, void *user, LLVMValueRef batch, LLVMValueRef col);
  void *user; /* passed to every callback */
} tiled_gemm_desc;

/* Defines the kernel in ctx->kb and appends its launch: grid ceil(n/tile) x ceil(m/tile) x
 * batch, 256 threads. For a single GEMM with few output tiles and a long K the grid's z
 * splits K instead: each block writes its partial tile to the node's workspace and counts
 * itself on the tile's counter (the node's counters, zeroed once at model creation); the
 * last block to arrive adds the partials in a fixed order and runs store_c. The launch's
 * last two arguments are then the partials and the counters (dlcc's DRAM model counts the
 * argument before the counters twice: written, then read back). 0, or -1 with an error
 * naming `node`. */
int tiled_gemm_lower(lower_context *ctx, const ir_node *node, const tiled_gemm_desc *desc,
                     lower_result *out);

/* Small IR helpers the GEMM-family lowerings share. */
/* base[index] as f32 (index i32, sign-extended). */
LLVMValueRef tg_load_f32(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index);
void tg_store_f32(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value);
/* a * b + c, fused where the target has FMA (llvm.fmuladd). */
LLVMValueRef tg_fmuladd(kernel_builder *kb, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c);

#endif
