/* The tiled GEMM kernel: shared-memory A/B slices per K step, 4x4 register micro-tiles, and
 * edge tiles handled by in-bounds stand-in loads and selects (branch-free on both targets). */
#include "codegen/ops/tiled_gemm.h"

#include "ir/infer.h"

#include <stdlib.h>

#include "codegen/llvm_build.h"

/* Block tile of C; rows of the staged slices ([k][m] for A, [k][n] for B) are padded by 4
 * words: row starts stay 16-byte aligned for the vector reads, and a warp staging 16 k-rows
 * of two columns hits 16 banks twice (2-way) instead of 2 banks 16 times. */
typedef struct tile_shape {
  int m, n;           /* block tile */
  int log2_m, log2_n; /* of m and n */
  int threads_x;      /* n / 4: the block is threads_x x (256 / threads_x) threads */
  int log2_threads_x;
} tile_shape;

static const tile_shape WIDE = {TG_TILE_M, TG_TILE_N, 6, 6, TG_TILE_N / TG_MICRO, 4};
static const tile_shape THIN = {TG_THIN_TILE_M, TG_THIN_TILE_N, 4, 8, TG_THIN_TILE_N / TG_MICRO, 6};
_Static_assert(TG_TILE_N / TG_MICRO == 1 << 4 && TG_THIN_TILE_N / TG_MICRO == 1 << 6, "log2");
_Static_assert(TG_TILE_M *TG_TILE_N == TG_THREADS * TG_MICRO * TG_MICRO, "one micro-tile each");
_Static_assert(TG_THIN_TILE_M *TG_THIN_TILE_N == TG_THREADS * TG_MICRO * TG_MICRO,
               "one micro-tile each");
_Static_assert(TG_THIN_TILE_M *TG_TILE_K % TG_THREADS == 0, "whole loads per thread");
_Static_assert(TG_TILE_K == 1 << 4, "split_element's log2 of the K step");

static int stride_of(int tile) { return tile + 4; }

static LLVMValueRef element_address(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index) {
  LLVMTypeRef f32 = LLVMFloatTypeInContext(kb_context(kb));
  LLVMValueRef wide = LLVMBuildSExt(B, index, LLVMInt64TypeInContext(kb_context(kb)), "");
  return LLVMBuildInBoundsGEP2(B, f32, base, &wide, 1, "");
}

LLVMValueRef tg_load_f32(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index) {
  return LLVMBuildLoad2(B, LLVMFloatTypeInContext(kb_context(kb)), element_address(kb, base, index),
                        "");
}

void tg_store_f32(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value) {
  LLVMBuildStore(B, value, element_address(kb, base, index));
}

LLVMValueRef tg_fmuladd(kernel_builder *kb, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c) {
  LLVMTypeRef f32 = LLVMFloatTypeInContext(kb_context(kb));
  LLVMValueRef args[3] = {a, b, c};
  return kb_intrinsic(kb, "llvm.fmuladd", f32, &f32, 1, args, 3);
}

typedef struct tile_geometry {
  LLVMValueRef m0, n0, k0, batch;
} tile_geometry;

/* Element e = t + 256 r of a slice (t = threads_x ty + tx, the linear thread index) split
 * into fast = e % 2^log2_fast and slow = e / 2^log2_fast, written with tx as a plain term:
 * the host twin runs the tx threads in SIMD lanes, and fast = tx + constant there makes
 * adjacent lanes touch adjacent words (a vector access instead of a gather or scatter). */
static void split_element(kernel_builder *kb, const tile_shape *shape, int r, int log2_fast,
                          LLVMValueRef *out_fast, LLVMValueRef *out_slow) {
  LLVMValueRef tx = kb_thread_index(kb, KB_X);
  int log2_x = shape->log2_threads_x;
  /* the element's row of threads: e = tx + threads_x * row */
  LLVMValueRef row = LLVMBuildNUWAdd(B, kb_thread_index(kb, KB_Y),
                                     kb_const_i32(kb, r * (TG_THREADS >> log2_x)), "");
  if (log2_fast >= log2_x) {
    LLVMValueRef part = LLVMBuildAnd(B, row, kb_const_i32(kb, (1 << (log2_fast - log2_x)) - 1), "");
    *out_fast = LLVMBuildNUWAdd(B, tx, LLVMBuildShl(B, part, kb_const_i32(kb, log2_x), ""), "");
    *out_slow = LLVMBuildLShr(B, row, kb_const_i32(kb, log2_fast - log2_x), "");
  } else {
    *out_fast = LLVMBuildAnd(B, tx, kb_const_i32(kb, (1 << log2_fast) - 1), "");
    *out_slow = LLVMBuildNUWAdd(B, LLVMBuildLShr(B, tx, kb_const_i32(kb, log2_fast), ""),
                                LLVMBuildShl(B, row, kb_const_i32(kb, log2_x - log2_fast), ""), "");
  }
}

/* One operand slice into shared memory: element e of the slice (e = t + 256 r) maps to
 * (outer, kk) so that adjacent threads read adjacent global words. */
static void stage_slice(kernel_builder *kb, const tiled_gemm_desc *desc, const tile_shape *shape,
                        const tile_geometry *g, LLVMValueRef shared, int is_a, bool guard_outer) {
  bool k_fast = is_a ? !desc->a_m_contiguous : desc->b_k_contiguous;
  int64_t outer_size = is_a ? desc->m : desc->n;
  int tile = is_a ? shape->m : shape->n, log2_tile = is_a ? shape->log2_m : shape->log2_n;
  LLVMValueRef outer0 = is_a ? g->m0 : g->n0;
  for (int r = 0; r < tile * TG_TILE_K / TG_THREADS; r++) {
    LLVMValueRef kk, outer;
    if (k_fast)
      split_element(kb, shape, r, 4, &kk, &outer);
    else
      split_element(kb, shape, r, log2_tile, &outer, &kk);
    LLVMValueRef global_outer = LLVMBuildAdd(B, outer0, outer, "");
    LLVMValueRef global_k = LLVMBuildAdd(B, g->k0, kk, "");
    /* Sizes that are whole tiles need no bounds test: a select-free index keeps the host's
     * load a vector load where it is contiguous. */
    LLVMValueRef inside = NULL;
    if (guard_outer)
      inside = LLVMBuildICmp(B, LLVMIntSLT, global_outer, kb_const_i32(kb, outer_size), "");
    if (desc->k % TG_TILE_K != 0) {
      LLVMValueRef k_inside = LLVMBuildICmp(B, LLVMIntSLT, global_k, kb_const_i32(kb, desc->k), "");
      inside = inside ? LLVMBuildAnd(B, inside, k_inside, "") : k_inside;
    }
    if (inside) {
      global_outer = LLVMBuildSelect(B, inside, global_outer, kb_const_i32(kb, 0), "");
      global_k = LLVMBuildSelect(B, inside, global_k, kb_const_i32(kb, 0), "");
    }
    LLVMValueRef value = is_a ? desc->load_a(kb, desc->user, g->batch, global_outer, global_k)
                              : desc->load_b(kb, desc->user, g->batch, global_k, global_outer);
    if (inside)
      value = LLVMBuildSelect(B, inside, value, kb_const_f32(kb, 0), "");
    LLVMValueRef slot =
        LLVMBuildAdd(B, LLVMBuildMul(B, kk, kb_const_i32(kb, stride_of(tile)), ""), outer, "");
    tg_store_f32(kb, shared, slot, value);
  }
}

/* The B slice. When N is not a whole number of tiles and B's loader is plain addressing
 * (no column prepared per thread), the full tiles stage without the column test, in a
 * block-uniform branch of their own: their index stays affine in the thread, a vector load
 * on the host (the 1x1 convs of a 14x14 or 28x28 image, a MatMul with a ragged N). */
static void stage_b(kernel_builder *kb, const tiled_gemm_desc *desc, const tile_shape *shape,
                    const tile_geometry *g, LLVMValueRef shared) {
  if (desc->n % shape->n == 0 || desc->prepare_b_column || desc->n < shape->n) {
    stage_slice(kb, desc, shape, g, shared, 0, desc->n % shape->n != 0);
    return;
  }
  LLVMValueRef end = LLVMBuildAdd(B, g->n0, kb_const_i32(kb, shape->n), "");
  kb_uniform_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLE, end, kb_const_i32(kb, desc->n), "full"));
  stage_slice(kb, desc, shape, g, shared, 0, false);
  kb_uniform_if_else(kb);
  stage_slice(kb, desc, shape, g, shared, 0, true);
  kb_uniform_if_end(kb);
}

/* Thread (tx, ty) owns the 4x4 micro-tile at rows 4 ty + i and columns tx + threads_x j
 * (i, j < 4): its rows are adjacent (one 4-vector of the A slice), its columns are spread so
 * that the threads of a row of the block read adjacent words of the B slice (conflict-free
 * on the GPU; on the host, where the tx threads run in SIMD lanes, one vector load). */
static LLVMValueRef micro_tile_row(kernel_builder *kb, int i) {
  return LLVMBuildNUWAdd(B, LLVMBuildShl(B, kb_thread_index(kb, KB_Y), kb_const_i32(kb, 2), ""),
                         kb_const_i32(kb, i), "");
}

static LLVMValueRef micro_tile_column(kernel_builder *kb, const tile_shape *shape, int j) {
  return LLVMBuildNUWAdd(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, j * shape->threads_x), "");
}

/* acc[4 i + j] += A[row i][kk] * B[kk][column j] over the first `steps` staged kk (16, or K
 * when K is smaller: the rest of the slice is zero padding), kk in order. Per kk:
 * the 4 A values in one aligned 4-vector read (NVPTX merges the scalar loads into an
 * ld.shared.v4; the host broadcasts them, being the same for the tx lanes), 4 B values,
 * 16 multiply-adds. */
static void multiply_slices(kernel_builder *kb, const tile_shape *shape, int steps,
                            kb_var *const *acc, LLVMValueRef shared_a, LLVMValueRef shared_b) {
  LLVMValueRef sums[TG_MICRO * TG_MICRO];
  for (int i = 0; i < TG_MICRO * TG_MICRO; i++)
    sums[i] = kb_var_load(kb, acc[i]);
  LLVMValueRef row0 = micro_tile_row(kb, 0);
  for (int kk = 0; kk < steps; kk++) {
    LLVMValueRef a[TG_MICRO], b[TG_MICRO];
    for (int i = 0; i < TG_MICRO; i++) {
      LLVMValueRef index =
          LLVMBuildNUWAdd(B, row0, kb_const_i32(kb, kk * stride_of(shape->m) + i), "");
      a[i] = tg_load_f32(kb, shared_a, index);
      LLVMSetAlignment(a[i], i == 0 ? 16 : i == 2 ? 8 : 4);
    }
    for (int j = 0; j < TG_MICRO; j++)
      b[j] = tg_load_f32(kb, shared_b,
                         LLVMBuildNUWAdd(B, micro_tile_column(kb, shape, j),
                                         kb_const_i32(kb, kk * stride_of(shape->n)), ""));
    for (int i = 0; i < TG_MICRO; i++)
      for (int j = 0; j < TG_MICRO; j++)
        sums[i * TG_MICRO + j] = tg_fmuladd(kb, a[i], b[j], sums[i * TG_MICRO + j]);
  }
  for (int i = 0; i < TG_MICRO * TG_MICRO; i++)
    kb_var_store(kb, acc[i], sums[i]);
}

/* Where a finished micro-tile element goes: store_c, or the split's partial sums. */
typedef struct tile_output {
  int split;                /* 1: store_c; else partial[split index][row][col] */
  LLVMValueRef split_index; /* blockIdx.z when split */
} tile_output;

static LLVMValueRef partial_slot(kernel_builder *kb, const tiled_gemm_desc *desc,
                                 LLVMValueRef split_index, LLVMValueRef row, LLVMValueRef col) {
  LLVMValueRef slot = LLVMBuildMul(B, split_index, kb_const_i32(kb, desc->m), "");
  slot = LLVMBuildMul(B, LLVMBuildAdd(B, slot, row, ""), kb_const_i32(kb, desc->n), "");
  return LLVMBuildAdd(B, slot, col, "");
}

/* partial[0][row][col] + ... + partial[split-1][row][col], in that order whichever block
 * arrived last: the same bits on every run. */
static LLVMValueRef sum_partials(kernel_builder *kb, const tiled_gemm_desc *desc, int split,
                                 LLVMValueRef row, LLVMValueRef col) {
  LLVMValueRef partial = kb_param_value(kb, desc->param_count);
  LLVMValueRef sum = NULL;
  for (int s = 0; s < split; s++) {
    LLVMValueRef value =
        tg_load_f32(kb, partial, partial_slot(kb, desc, kb_const_i32(kb, s), row, col));
    sum = sum ? LLVMBuildFAdd(B, sum, value, "") : value;
  }
  return sum;
}

static void store_micro_tile(kernel_builder *kb, const tiled_gemm_desc *desc,
                             const tile_shape *shape, const tile_geometry *g,
                             const tile_output *output, kb_var *const *acc) {
  for (int i = 0; i < TG_MICRO; i++) {
    LLVMValueRef row = LLVMBuildAdd(B, g->m0, micro_tile_row(kb, i), "row");
    for (int j = 0; j < TG_MICRO; j++) {
      LLVMValueRef col = LLVMBuildAdd(B, g->n0, micro_tile_column(kb, shape, j), "col");
      LLVMValueRef inside =
          LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSLT, row, kb_const_i32(kb, desc->m), ""),
                       LLVMBuildICmp(B, LLVMIntSLT, col, kb_const_i32(kb, desc->n), ""), "");
      LLVMValueRef value = kb_var_load(kb, acc[i * TG_MICRO + j]);
      kb_if_begin(kb, inside);
      if (output->split > 1)
        tg_store_f32(kb, kb_param_value(kb, desc->param_count),
                     partial_slot(kb, desc, output->split_index, row, col), value);
      else
        desc->store_c(kb, desc->user, g->batch, row, col, value);
      kb_if_end(kb);
    }
  }
}

/* The last block's epilogue: for each element of the thread's micro-tile, the sum of the
 * split's partials, then store_c. A per-thread loop over the 16 elements rather than 16
 * unrolled copies: the loads of every copy scheduled together spilled on sm_80. */
static void sum_micro_tile(kernel_builder *kb, const tiled_gemm_desc *desc, const tile_shape *shape,
                           const tile_geometry *g, int split) {
  LLVMValueRef e = kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, TG_MICRO * TG_MICRO),
                                kb_const_i32(kb, 1));
  LLVMValueRef i = LLVMBuildLShr(B, e, kb_const_i32(kb, 2), "");
  LLVMValueRef j = LLVMBuildAnd(B, e, kb_const_i32(kb, TG_MICRO - 1), "");
  LLVMValueRef row = LLVMBuildAdd(B, g->m0, LLVMBuildAdd(B, micro_tile_row(kb, 0), i, ""), "row");
  LLVMValueRef col =
      LLVMBuildAdd(B, g->n0,
                   LLVMBuildAdd(B, micro_tile_column(kb, shape, 0),
                                LLVMBuildMul(B, j, kb_const_i32(kb, shape->threads_x), ""), ""),
                   "col");
  LLVMValueRef inside =
      LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSLT, row, kb_const_i32(kb, desc->m), ""),
                   LLVMBuildICmp(B, LLVMIntSLT, col, kb_const_i32(kb, desc->n), ""), "");
  kb_if_begin(kb, inside);
  desc->store_c(kb, desc->user, g->batch, row, col, sum_partials(kb, desc, split, row, col));
  kb_if_end(kb);
  kb_for_end(kb);
}

/* The end of a split-K block, in the same launch: every block of the split writes its
 * partial tile; the last to arrive at the tile's counter (a u32 in the zeroed counter
 * region, counters[blockIdx.y][blockIdx.x]) adds all the partials, runs store_c and puts
 * the counter back to 0 for the next run. Writers fence, then count (release); the last
 * block counts, then fences before it reads (acquire). */
static void finish_split(kernel_builder *kb, const tiled_gemm_desc *desc, const tile_shape *shape,
                         const tile_geometry *g, const tile_output *output, kb_var *const *acc) {
  store_micro_tile(kb, desc, shape, g, output, acc);
  kb_fence(kb);   /* this thread's partials are visible device-wide before the count */
  kb_barrier(kb); /* every thread has fenced before thread 0 counts */
  LLVMTypeRef i32 = LLVMInt32TypeInContext(kb_context(kb));
  LLVMValueRef tile =
      LLVMBuildAdd(B, LLVMBuildMul(B, kb_block_index(kb, KB_Y), kb_grid_dim(kb, KB_X), ""),
                   kb_block_index(kb, KB_X), "tile");
  LLVMValueRef tile64 = LLVMBuildSExt(B, tile, LLVMInt64TypeInContext(kb_context(kb)), "");
  LLVMValueRef counter = LLVMBuildInBoundsGEP2(B, i32, kb_param_value(kb, desc->param_count + 1),
                                               &tile64, 1, "counter");
  kb_var *arrived = kb_thread_var(kb, i32, "arrived");
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_linear_thread_index(kb), kb_const_i32(kb, 0), ""));
  kb_var_store(kb, arrived, kb_atomic_add(kb, counter, kb_const_i32(kb, 1)));
  kb_if_end(kb);
  LLVMValueRef before = kb_block_broadcast(kb, arrived, kb_const_i32(kb, 0));
  kb_uniform_if_begin(
      kb, LLVMBuildICmp(B, LLVMIntEQ, before, kb_const_i32(kb, output->split - 1), "last"));
  kb_fence(kb); /* the other blocks' partials, seen through the count, before reading them */
  sum_micro_tile(kb, desc, shape, g, output->split);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_linear_thread_index(kb), kb_const_i32(kb, 0), ""));
  kb_atomic_rmw(kb, LLVMAtomicRMWBinOpXchg, counter, kb_const_i32(kb, 0)); /* for the next run */
  kb_if_end(kb);
  kb_uniform_if_end(kb);
}

/* The caller's parameters, plus the partial-sum workspace and the tile counters when K is
 * split. */
static int begin_kernel(kernel_builder *kb, const char *name, const tiled_gemm_desc *desc,
                        int split) {
  kb_param *params = calloc((size_t)desc->param_count + 2, sizeof(*params));
  if (!params)
    return -1;
  for (int i = 0; i < desc->param_count; i++)
    params[i] = desc->params[i];
  params[desc->param_count] = (kb_param){"partial", KB_PARAM_PTR}; /* used when split > 1 */
  params[desc->param_count + 1] = (kb_param){"counters", KB_PARAM_PTR};
  int status =
      kb_kernel_begin(kb, name, params, desc->param_count + (split > 1 ? 2 : 0), TG_THREADS);
  free(params);
  return status;
}

static int define_kernel(kernel_builder *kb, const tiled_gemm_desc *desc, const tile_shape *shape,
                         int split) {
  if (begin_kernel(kb, desc->kernel_name, desc, split) != 0 ||
      kb_kernel_fix_block(kb, (unsigned)shape->threads_x, (unsigned)(TG_THREADS / shape->threads_x),
                          1) != 0)
    return -1;
  LLVMTypeRef f32 = LLVMFloatTypeInContext(kb_context(kb));
  LLVMValueRef shared_a = kb_shared_array(kb, f32, (unsigned)(TG_TILE_K * stride_of(shape->m)));
  LLVMValueRef shared_b = kb_shared_array(kb, f32, (unsigned)(TG_TILE_K * stride_of(shape->n)));
  tile_output output = {.split = split, .split_index = kb_block_index(kb, KB_Z)};
  tile_geometry g = {
      .m0 = LLVMBuildMul(B, kb_block_index(kb, KB_Y), kb_const_i32(kb, shape->m), "m0"),
      .n0 = LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_const_i32(kb, shape->n), "n0"),
      .batch = split > 1 ? kb_const_i32(kb, 0) : kb_block_index(kb, KB_Z),
  };
  kb_var *acc[TG_MICRO * TG_MICRO]; /* acc[4 i + j]: micro-tile row i, column j */
  for (int i = 0; i < TG_MICRO * TG_MICRO; i++) {
    acc[i] = kb_thread_var(kb, f32, "acc");
    kb_var_store(kb, acc[i], kb_const_f32(kb, 0));
  }
  /* An empty C needs no loads (and an empty A or B has no element to clamp onto). */
  int64_t k_tiles = desc->m && desc->n ? (desc->k + TG_TILE_K - 1) / TG_TILE_K : 0;
  int64_t chunk = (k_tiles + split - 1) / split; /* K tiles of one split */
  if (desc->prepare_b_column && !desc->b_k_contiguous && k_tiles > 0) {
    /* stage_slice gives thread t column t % n of every B slice (n divides 256 or is 256) */
    LLVMValueRef outer, kk;
    split_element(kb, shape, 0, shape->log2_n, &outer, &kk);
    LLVMValueRef col = LLVMBuildAdd(B, g.n0, outer, "");
    LLVMValueRef inside = LLVMBuildICmp(B, LLVMIntSLT, col, kb_const_i32(kb, desc->n), "");
    desc->prepare_b_column(kb, desc->user, g.batch,
                           LLVMBuildSelect(B, inside, col, kb_const_i32(kb, 0), ""));
  }
  LLVMValueRef first = kb_const_i32(kb, 0), end = kb_const_i32(kb, k_tiles);
  if (split > 1) {
    first = LLVMBuildMul(B, output.split_index, kb_const_i32(kb, chunk), "first");
    end = LLVMBuildAdd(B, first, kb_const_i32(kb, chunk), "");
    end = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, end, kb_const_i32(kb, k_tiles), ""), end,
                          kb_const_i32(kb, k_tiles), "end");
  }
  LLVMValueRef kt = kb_uniform_for_begin(kb, first, end, kb_const_i32(kb, 1));
  g.k0 = LLVMBuildMul(B, kt, kb_const_i32(kb, TG_TILE_K), "k0");
  stage_slice(kb, desc, shape, &g, shared_a, 1, desc->m % shape->m != 0);
  stage_b(kb, desc, shape, &g, shared_b);
  kb_barrier(kb);
  multiply_slices(kb, shape, desc->k < TG_TILE_K ? (int)desc->k : TG_TILE_K, acc, shared_a,
                  shared_b);
  kb_barrier(kb); /* the next slices overwrite what this step read */
  kb_uniform_for_end(kb);
  if (split > 1)
    finish_split(kb, desc, shape, &g, &output, acc);
  else
    store_micro_tile(kb, desc, shape, &g, &output, acc);
  return kb_kernel_end(kb);
}

/* Splits of K for a single GEMM whose output tiles alone would leave most of a GPU idle. */
static int choose_split(const tiled_gemm_desc *desc, int64_t blocks) {
  int64_t k_tiles = (desc->k + TG_TILE_K - 1) / TG_TILE_K;
  if (desc->batch != 1 || blocks >= TG_SPLIT_BELOW_BLOCKS || desc->m * desc->n == 0)
    return 1;
  int64_t split = (2 * TG_SPLIT_BELOW_BLOCKS + blocks - 1) / blocks;
  if (split > k_tiles / TG_SPLIT_MIN_K_TILES)
    split = k_tiles / TG_SPLIT_MIN_K_TILES;
  if (split > TG_SPLIT_MAX)
    split = TG_SPLIT_MAX;
  return split > 1 ? (int)split : 1;
}

static lower_launch *add_launch(lower_context *ctx, const ir_node *node,
                                const tiled_gemm_desc *desc, lower_result *out, const char *name,
                                uint32_t grid_x, uint32_t block_x, int split) {
  lower_launch *launch = lower_add_launch(out, name, grid_x, block_x);
  if (!launch) {
    ir_node_error(ctx->diag, node, "too many launches for one node");
    return NULL;
  }
  for (int a = 0; a < desc->param_count; a++)
    lower_append_arg(launch, desc->args[a]);
  if (split > 1) {
    lower_add_arg(launch, LOWER_ARG_WORKSPACE, 0); /* scalar 0: offset 0 of the workspace */
    lower_add_arg(launch, LOWER_ARG_COUNTERS, 0);  /* the node's first counter */
  }
  return launch;
}

int tiled_gemm_lower(lower_context *ctx, const ir_node *node, const tiled_gemm_desc *desc,
                     lower_result *out) {
  /* Thin tiles when M is small, unless that leaves too few blocks to fill a GPU even with K
   * split across blocks (a memory-bound layer with a short K is better spread over 64-column
   * tiles). A classifier layer (M = 1, N = 1000, K = 2048) is thin and split 8 ways: 32
   * blocks, a quarter of the wide tiles' multiply-adds (the host runs every one of them). */
  int64_t thin_blocks = (desc->n + TG_THIN_TILE_N - 1) / TG_THIN_TILE_N * desc->batch;
  const tile_shape *shape =
      desc->m <= TG_THIN_TILE_M && thin_blocks * choose_split(desc, thin_blocks) >= TG_THIN_MIN_BLOCKS
          ? &THIN
          : &WIDE;
  int64_t m_tiles = (desc->m + shape->m - 1) / shape->m;
  int64_t n_tiles = (desc->n + shape->n - 1) / shape->n;
  if (desc->m > INT32_MAX / 2 || desc->n > INT32_MAX / 2 || desc->k > INT32_MAX / 2 ||
      m_tiles > TG_MAX_GRID_YZ || desc->batch > TG_MAX_GRID_YZ || desc->batch < 1)
    return ir_node_error(
        ctx->diag, node, "GEMM of %lld batches of %lldx%lldx%lld is too large for one launch",
        (long long)desc->batch, (long long)desc->m, (long long)desc->n, (long long)desc->k);
  int split = choose_split(desc, m_tiles * n_tiles);
  if (define_kernel(ctx->kb, desc, shape, split) != 0 || kb_failed(ctx->kb))
    return ir_node_error(ctx->diag, node, "could not build the tiled GEMM kernel");
  lower_launch *launch =
      add_launch(ctx, node, desc, out, desc->kernel_name, (uint32_t)(n_tiles ? n_tiles : 1),
                 (uint32_t)shape->threads_x, split);
  if (!launch)
    return -1;
  launch->block[1] = (uint32_t)(TG_THREADS / shape->threads_x);
  launch->grid[1] = (uint32_t)(m_tiles ? m_tiles : 1);
  launch->grid[2] = (uint32_t)(split > 1 ? split : desc->batch);
  if (split > 1) {
    int64_t bytes = (int64_t)split * desc->m * desc->n * (int64_t)sizeof(float);
    if (out->workspace_bytes < bytes)
      out->workspace_bytes = bytes;
    int64_t counters = m_tiles * n_tiles * (int64_t)sizeof(uint32_t);
    if (out->counter_bytes < counters)
      out->counter_bytes = counters;
  }
  return 0;
}
