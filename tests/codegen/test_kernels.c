/* Test kernels written once against the kernel builder; both lowerings run them. */
#include "test_kernels.h"

#include <stdio.h>

#include "codegen/llvm_build.h"
#define F32 (LLVMFloatTypeInContext(kb_context(kb)))
#define I32 (LLVMInt32TypeInContext(kb_context(kb)))

LLVMValueRef tk_global_index(kernel_builder *kb) { return kb_global_index(kb, KB_X); }

LLVMValueRef tk_load(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base, LLVMValueRef index) {
  return kb_load_element(kb, type, base, index);
}

void tk_store(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value) {
  kb_store_element(kb, base, index, value);
}

static const kb_param in_out_n[] = {
    {"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}, {"n", KB_PARAM_I32}};
static const kb_param in_out[] = {{"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}};

static int relu(kernel_builder *kb) {
  kb_kernel_begin(kb, "relu_f32", in_out_n, 3, 1024);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 2), ""));
  LLVMValueRef x = tk_load(kb, F32, kb_param_value(kb, 0), i);
  LLVMValueRef positive = LLVMBuildFCmp(B, LLVMRealOGT, x, LLVMConstReal(F32, 0), "");
  tk_store(kb, kb_param_value(kb, 1), i,
           LLVMBuildSelect(B, positive, x, LLVMConstReal(F32, 0), "relu"));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* shared[t] = in[i] (0 past n), the per-thread phase every reduction starts with. */
static void load_to_shared(kernel_builder *kb, LLVMValueRef shared) {
  kb_var *value = kb_thread_var(kb, F32, "value");
  kb_var_store(kb, value, LLVMConstReal(F32, 0));
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 2), ""));
  kb_var_store(kb, value, tk_load(kb, F32, kb_param_value(kb, 0), i));
  kb_if_end(kb);
  tk_store(kb, shared, kb_thread_index(kb, KB_X), kb_var_load(kb, value));
}

/* Block reduction: every thread publishes, then thread 0 adds them up. */
static int block_sum_serial(kernel_builder *kb) {
  kb_kernel_begin(kb, "block_sum_serial", in_out_n, 3, REDUCE_THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, REDUCE_THREADS);
  load_to_shared(kb, shared);
  kb_barrier(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  kb_var *sum = kb_thread_var(kb, F32, "sum");
  kb_var_store(kb, sum, LLVMConstReal(F32, 0));
  LLVMValueRef j =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_block_dim(kb, KB_X), kb_const_i32(kb, 1));
  kb_var_store(kb, sum, LLVMBuildFAdd(B, kb_var_load(kb, sum), tk_load(kb, F32, shared, j), ""));
  kb_for_end(kb);
  tk_store(kb, kb_param_value(kb, 1), kb_block_index(kb, KB_X), kb_var_load(kb, sum));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* In-place tree: thread t adds shared[t + stride], written by another thread in the step
 * before, so the result is wrong unless every barrier is honoured (the steps are unrolled
 * here, so only the barriers separate them). */
static int tree_sum(kernel_builder *kb) {
  kb_kernel_begin(kb, "tree_sum", in_out_n, 3, REDUCE_THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, REDUCE_THREADS);
  load_to_shared(kb, shared);
  kb_barrier(kb);
  for (int step = 1; step <= 8; step++) {
    LLVMValueRef stride =
        LLVMBuildLShr(B, kb_block_dim(kb, KB_X), kb_const_i32(kb, step), "stride");
    LLVMValueRef t = kb_thread_index(kb, KB_X);
    kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntULT, t, stride, ""));
    LLVMValueRef other = tk_load(kb, F32, shared, LLVMBuildAdd(B, t, stride, ""));
    tk_store(kb, shared, t, LLVMBuildFAdd(B, tk_load(kb, F32, shared, t), other, ""));
    kb_if_end(kb);
    kb_barrier(kb);
  }
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  tk_store(kb, kb_param_value(kb, 1), kb_block_index(kb, KB_X),
           tk_load(kb, F32, shared, kb_const_i32(kb, 0)));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* The same tree with its steps in a block-uniform loop (barrier inside the loop body). */
static int tree_sum_loop(kernel_builder *kb) {
  kb_kernel_begin(kb, "tree_sum_loop", in_out_n, 3, REDUCE_THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, REDUCE_THREADS);
  load_to_shared(kb, shared);
  kb_barrier(kb);
  LLVMValueRef step =
      kb_uniform_for_begin(kb, kb_const_i32(kb, 1), kb_const_i32(kb, 9), kb_const_i32(kb, 1));
  LLVMValueRef stride = LLVMBuildLShr(B, kb_block_dim(kb, KB_X), step, "stride");
  LLVMValueRef t = kb_thread_index(kb, KB_X);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntULT, t, stride, ""));
  LLVMValueRef other = tk_load(kb, F32, shared, LLVMBuildAdd(B, t, stride, ""));
  tk_store(kb, shared, t, LLVMBuildFAdd(B, tk_load(kb, F32, shared, t), other, ""));
  kb_if_end(kb);
  kb_barrier(kb);
  kb_uniform_for_end(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  tk_store(kb, kb_param_value(kb, 1), kb_block_index(kb, KB_X),
           tk_load(kb, F32, shared, kb_const_i32(kb, 0)));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* out[i] = in[block start + (t + 1) % blockDim]: reads a neighbour's shared write. */
static int rotate_shared(kernel_builder *kb) {
  kb_kernel_begin(kb, "rotate_shared", in_out, 2, REDUCE_THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, REDUCE_THREADS);
  tk_store(kb, shared, kb_thread_index(kb, KB_X),
           tk_load(kb, F32, kb_param_value(kb, 0), tk_global_index(kb)));
  kb_barrier(kb);
  LLVMValueRef next = LLVMBuildAdd(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, 1), "");
  next = LLVMBuildURem(B, next, kb_block_dim(kb, KB_X), "");
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb), tk_load(kb, F32, shared, next));
  return kb_kernel_end(kb);
}

/* Lane 0 of each warp writes the warp's sum (shuffle down 16, 8, 4, 2, 1). */
static int warp_sum_down(kernel_builder *kb) {
  kb_kernel_begin(kb, "warp_sum_down", in_out, 2, 1024);
  kb_var *sum = kb_thread_var(kb, F32, "sum");
  kb_var_store(kb, sum, tk_load(kb, F32, kb_param_value(kb, 0), tk_global_index(kb)));
  for (int offset = 16; offset > 0; offset /= 2) {
    LLVMValueRef other = kb_shuffle_down(kb, kb_var_load(kb, sum), kb_const_i32(kb, offset));
    kb_var_store(kb, sum, LLVMBuildFAdd(B, kb_var_load(kb, sum), other, ""));
  }
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_lane_index(kb), kb_const_i32(kb, 0), ""));
  tk_store(kb, kb_param_value(kb, 1), LLVMBuildUDiv(B, i, kb_const_i32(kb, 32), ""),
           kb_var_load(kb, sum));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* Butterfly: every lane ends with the warp's integer sum. */
static int warp_sum_xor(kernel_builder *kb) {
  kb_kernel_begin(kb, "warp_sum_xor", in_out, 2, 1024);
  kb_var *sum = kb_thread_var(kb, I32, "sum");
  kb_var_store(kb, sum, tk_load(kb, I32, kb_param_value(kb, 0), tk_global_index(kb)));
  LLVMValueRef mask =
      kb_uniform_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, 5), kb_const_i32(kb, 1));
  LLVMValueRef lane_mask = LLVMBuildShl(B, kb_const_i32(kb, 1), mask, "");
  LLVMValueRef other = kb_shuffle_xor(kb, kb_var_load(kb, sum), lane_mask);
  kb_var_store(kb, sum, LLVMBuildAdd(B, kb_var_load(kb, sum), other, ""));
  kb_uniform_for_end(kb);
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb), kb_var_load(kb, sum));
  return kb_kernel_end(kb);
}

/* out[i] = in[warp start + 3] (as f64, to exercise 64-bit shuffles). */
static int warp_broadcast(kernel_builder *kb) {
  kb_kernel_begin(kb, "warp_broadcast", in_out, 2, 1024);
  LLVMTypeRef f64 = LLVMDoubleTypeInContext(kb_context(kb));
  LLVMValueRef mine = tk_load(kb, f64, kb_param_value(kb, 0), tk_global_index(kb));
  LLVMValueRef lane3 = kb_shuffle_idx(kb, mine, kb_const_i32(kb, 3));
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb), lane3);
  return kb_kernel_end(kb);
}

/* Inclusive prefix sum within each warp (Hillis-Steele with shuffle up 1, 2, 4, 8, 16). */
static int warp_scan(kernel_builder *kb) {
  kb_kernel_begin(kb, "warp_scan", in_out, 2, 1024);
  kb_var *sum = kb_thread_var(kb, I32, "sum");
  kb_var_store(kb, sum, tk_load(kb, I32, kb_param_value(kb, 0), tk_global_index(kb)));
  for (int offset = 1; offset < 32; offset *= 2) {
    LLVMValueRef lower = kb_shuffle_up(kb, kb_var_load(kb, sum), kb_const_i32(kb, offset));
    kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntUGE, kb_lane_index(kb), kb_const_i32(kb, offset), ""));
    kb_var_store(kb, sum, LLVMBuildAdd(B, kb_var_load(kb, sum), lower, ""));
    kb_if_end(kb);
  }
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb), kb_var_load(kb, sum));
  return kb_kernel_end(kb);
}

/* sum[i], max[i], min[i] = the warp's reductions of in (kb_warp_reduce). */
static int warp_reductions(kernel_builder *kb) {
  static const kb_param params[] = {
      {"in", KB_PARAM_PTR}, {"sum", KB_PARAM_PTR}, {"max", KB_PARAM_PTR}, {"min", KB_PARAM_PTR}};
  kb_kernel_begin(kb, "warp_reductions", params, 4, 1024);
  static const kb_reduce_op ops[] = {KB_REDUCE_ADD, KB_REDUCE_MAX, KB_REDUCE_MIN};
  for (int r = 0; r < 3; r++) {
    LLVMValueRef mine = tk_load(kb, F32, kb_param_value(kb, 0), tk_global_index(kb));
    LLVMValueRef reduced = kb_warp_reduce(kb, mine, ops[r]);
    tk_store(kb, kb_param_value(kb, 1 + r), tk_global_index(kb), reduced);
  }
  return kb_kernel_end(kb);
}

/* out[i] = in[warp start + (lane * 5 + 1) % 32]: a per-thread source lane. */
static int warp_gather(kernel_builder *kb) {
  kb_kernel_begin(kb, "warp_gather", in_out, 2, 1024);
  LLVMValueRef lane = LLVMBuildMul(B, kb_lane_index(kb), kb_const_i32(kb, 5), "");
  lane = LLVMBuildAnd(B, LLVMBuildAdd(B, lane, kb_const_i32(kb, 1), ""), kb_const_i32(kb, 31),
                      "source");
  LLVMValueRef mine = tk_load(kb, I32, kb_param_value(kb, 0), tk_global_index(kb));
  /* The shuffle opens a new phase: take it before the index of the store (C leaves the
   * order of argument evaluation open, and clang and gcc differ). */
  LLVMValueRef gathered = kb_shuffle_idx(kb, mine, lane);
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb), gathered);
  return kb_kernel_end(kb);
}

/* Reverses each block's slice through shared memory when flag != 0: a uniform if whose
 * body needs its own barrier between reading and overwriting neighbours' slots. */
static int maybe_reverse(kernel_builder *kb) {
  static const kb_param params[] = {
      {"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}, {"flag", KB_PARAM_I32}};
  kb_kernel_begin(kb, "maybe_reverse", params, 3, REDUCE_THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, REDUCE_THREADS);
  LLVMValueRef flag = LLVMBuildICmp(B, LLVMIntNE, kb_param_value(kb, 2), kb_const_i32(kb, 0), "");
  tk_store(kb, shared, kb_thread_index(kb, KB_X),
           tk_load(kb, F32, kb_param_value(kb, 0), tk_global_index(kb)));
  kb_barrier(kb);
  kb_uniform_if_begin(kb, flag);
  kb_var *mirrored = kb_thread_var(kb, F32, "mirrored");
  LLVMValueRef last = LLVMBuildSub(B, kb_block_dim(kb, KB_X), kb_const_i32(kb, 1), "");
  kb_var_store(kb, mirrored,
               tk_load(kb, F32, shared, LLVMBuildSub(B, last, kb_thread_index(kb, KB_X), "")));
  kb_barrier(kb);
  tk_store(kb, shared, kb_thread_index(kb, KB_X), kb_var_load(kb, mirrored));
  kb_barrier(kb);
  kb_uniform_if_end(kb);
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb),
           tk_load(kb, F32, shared, kb_thread_index(kb, KB_X)));
  return kb_kernel_end(kb);
}

/* out[i] = table[i % 8] + in[i], the table in constant memory. */
static int constant_table(kernel_builder *kb) {
  kb_kernel_begin(kb, "constant_table", in_out, 2, 1024);
  LLVMValueRef entries[8];
  for (int j = 0; j < 8; j++)
    entries[j] = LLVMConstReal(F32, 0.5 * j * j);
  LLVMValueRef table = kb_constant_array(kb, F32, entries, 8);
  LLVMValueRef i = tk_global_index(kb);
  LLVMValueRef entry = tk_load(kb, F32, table, LLVMBuildURem(B, i, kb_const_i32(kb, 8), ""));
  tk_store(kb, kb_param_value(kb, 1), i,
           LLVMBuildFAdd(B, entry, tk_load(kb, F32, kb_param_value(kb, 0), i), ""));
  return kb_kernel_end(kb);
}

/* out[i] = table[i % 5] * in[i], the table in global memory (kb_global_table). */
static int global_table(kernel_builder *kb) {
  kb_kernel_begin(kb, "global_table", in_out, 2, 1024);
  LLVMValueRef entries[5];
  for (int j = 0; j < 5; j++)
    entries[j] = LLVMConstReal(F32, 1.5 - j);
  LLVMValueRef table = kb_global_table(kb, F32, entries, 5);
  LLVMValueRef i = tk_global_index(kb);
  LLVMValueRef entry = tk_load(kb, F32, table, LLVMBuildURem(B, i, kb_const_i32(kb, 5), ""));
  tk_store(kb, kb_param_value(kb, 1), i,
           LLVMBuildFMul(B, entry, tk_load(kb, F32, kb_param_value(kb, 0), i), ""));
  return kb_kernel_end(kb);
}

/* Block-uniform arithmetic written after the first per-thread primitive (base, rounds) and
 * used after a barrier and as a uniform loop bound: recomputed where used, not an error.
 * out[base + t] = in[base + blockDim - 1 - t]; out[n + block] = n / 256 (counted by rounds). */
static int uniform_remat(kernel_builder *kb) {
  kb_kernel_begin(kb, "uniform_remat", in_out_n, 3, REDUCE_THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, REDUCE_THREADS);
  LLVMValueRef t = kb_thread_index(kb, KB_X);
  LLVMValueRef base = LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_block_dim(kb, KB_X), "base");
  LLVMValueRef rounds = LLVMBuildSDiv(B, kb_param_value(kb, 2), kb_const_i32(kb, 256), "rounds");
  tk_store(kb, shared, t, tk_load(kb, F32, kb_param_value(kb, 0), LLVMBuildAdd(B, base, t, "")));
  kb_barrier(kb);
  t = kb_thread_index(kb, KB_X);
  LLVMValueRef mirror =
      LLVMBuildSub(B, LLVMBuildSub(B, kb_block_dim(kb, KB_X), kb_const_i32(kb, 1), ""), t, "");
  tk_store(kb, kb_param_value(kb, 1), LLVMBuildAdd(B, base, t, ""),
           tk_load(kb, F32, shared, mirror));
  kb_uniform_for_begin(kb, kb_const_i32(kb, 0), rounds, kb_const_i32(kb, 1));
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  LLVMValueRef slot = LLVMBuildAdd(B, kb_param_value(kb, 2), kb_block_index(kb, KB_X), "");
  kb_atomic_add(kb, LLVMBuildInBoundsGEP2(B, F32, kb_param_value(kb, 1), &slot, 1, ""),
                LLVMConstReal(F32, 1));
  kb_if_end(kb);
  kb_uniform_for_end(kb);
  return kb_kernel_end(kb);
}

/* The first thread-index read happens inside a kb_if; later reads must not reuse it. */
static int index_in_if(kernel_builder *kb) {
  kb_kernel_begin(kb, "index_in_if", in_out, 2, 1024);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_block_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  tk_store(kb, kb_param_value(kb, 1), kb_thread_index(kb, KB_X), LLVMConstReal(F32, 1));
  kb_if_end(kb);
  LLVMValueRef second = LLVMBuildAdd(B, kb_block_dim(kb, KB_X), kb_thread_index(kb, KB_X), "");
  tk_store(kb, kb_param_value(kb, 1), second, LLVMConstReal(F32, 2));
  return kb_kernel_end(kb);
}

static int atomic_sum(kernel_builder *kb) {
  kb_kernel_begin(kb, "atomic_sum_f32", in_out_n, 3, 1024);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 2), ""));
  kb_atomic_add(kb, kb_param_value(kb, 1), tk_load(kb, F32, kb_param_value(kb, 0), i));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* out[0] = max over in (i32 atomicrmw max), out[1] = max as f32 bits (fmax), over blocks. */
static int atomic_max(kernel_builder *kb) {
  kb_kernel_begin(kb, "atomic_max", in_out_n, 3, 1024);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 2), ""));
  LLVMValueRef value = tk_load(kb, I32, kb_param_value(kb, 0), i);
  kb_atomic_rmw(kb, LLVMAtomicRMWBinOpMax, kb_param_value(kb, 1), value);
  LLVMValueRef one = kb_const_i32(kb, 1);
  LLVMValueRef second = LLVMBuildInBoundsGEP2(B, F32, kb_param_value(kb, 1), &one, 1, "");
  kb_atomic_rmw(kb, LLVMAtomicRMWBinOpFMax, second, LLVMBuildSIToFP(B, value, F32, ""));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

static int atomic_count(kernel_builder *kb) {
  static const kb_param out_only[] = {{"out", KB_PARAM_PTR}};
  kb_kernel_begin(kb, "atomic_count_i32", out_only, 1, 1024);
  LLVMValueRef bucket = LLVMBuildURem(B, tk_global_index(kb), kb_const_i32(kb, 4), "");
  LLVMValueRef slot = LLVMBuildInBoundsGEP2(B, I32, kb_param_value(kb, 0), &bucket, 1, "");
  kb_atomic_add(kb, slot, kb_const_i32(kb, 1));
  return kb_kernel_end(kb);
}

int define_last_block_sum(kernel_builder *kb, const char *name, int check_counter) {
  static const kb_param in_out[] = {{"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}};
  kb_kernel_begin(kb, name, in_out, 2, 1024);
  LLVMValueRef threads = kb_block_dim(kb, KB_X), out = kb_param_value(kb, 1);
  LLVMValueRef counter = LLVMBuildInBoundsGEP2(B, I32, out, &threads, 1, "counter");
  LLVMValueRef after = LLVMBuildAdd(B, threads, kb_const_i32(kb, 1), "");
  LLVMValueRef partials = LLVMBuildInBoundsGEP2(B, F32, out, &after, 1, "partials");
  LLVMValueRef i = tk_global_index(kb);
  tk_store(kb, partials, i,
           LLVMBuildFAdd(B, tk_load(kb, F32, kb_param_value(kb, 0), i), LLVMConstReal(F32, 1), ""));
  kb_fence(kb);   /* release: the partials before the count */
  kb_barrier(kb); /* every thread's fence before thread 0 counts */
  kb_var *arrived = kb_thread_var(kb, I32, "arrived");
  LLVMValueRef first =
      LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), "");
  kb_if_begin(kb, first);
  kb_var_store(kb, arrived, kb_atomic_add(kb, counter, kb_const_i32(kb, 1)));
  kb_if_end(kb);
  LLVMValueRef before = kb_block_broadcast(kb, arrived, kb_const_i32(kb, 0));
  LLVMValueRef last_count = LLVMBuildSub(B, kb_grid_dim(kb, KB_X), kb_const_i32(kb, 1), "");
  if (check_counter)
    kb_uniform_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, before, last_count, "last"));
  kb_fence(kb); /* acquire: the other blocks' partials after the count */
  kb_var *sum = kb_thread_var(kb, F32, "sum");
  kb_var_store(kb, sum, LLVMConstReal(F32, 0));
  LLVMValueRef block = kb_for_begin(kb, kb_const_i32(kb, 0), kb_grid_dim(kb, KB_X),
                                    kb_const_i32(kb, 1));
  LLVMValueRef slot = LLVMBuildAdd(B, LLVMBuildMul(B, block, kb_block_dim(kb, KB_X), ""),
                                   kb_thread_index(kb, KB_X), "");
  kb_var_store(kb, sum, LLVMBuildFAdd(B, kb_var_load(kb, sum), tk_load(kb, F32, partials, slot), ""));
  kb_for_end(kb);
  tk_store(kb, out, kb_thread_index(kb, KB_X), kb_var_load(kb, sum));
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  kb_atomic_rmw(kb, LLVMAtomicRMWBinOpXchg, counter, kb_const_i32(kb, 0)); /* for the next launch */
  kb_if_end(kb);
  if (check_counter)
    kb_uniform_if_end(kb);
  return kb_kernel_end(kb);
}

static int last_block_sum(kernel_builder *kb) {
  return define_last_block_sum(kb, "last_block_sum", 1);
}

/* Guarded copy of src[row * stride + col] (0 outside rows x cols) into tile[ty][tx]. */
static void load_tile(kernel_builder *kb, LLVMValueRef tile, LLVMValueRef src, LLVMValueRef row,
                      LLVMValueRef col, LLVMValueRef rows, LLVMValueRef cols) {
  LLVMValueRef slot =
      LLVMBuildAdd(B, LLVMBuildMul(B, kb_thread_index(kb, KB_Y), kb_const_i32(kb, TILE), ""),
                   kb_thread_index(kb, KB_X), "");
  LLVMValueRef inside = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSLT, row, rows, ""),
                                     LLVMBuildICmp(B, LLVMIntSLT, col, cols, ""), "");
  kb_if_begin(kb, inside);
  LLVMValueRef index = LLVMBuildAdd(B, LLVMBuildMul(B, row, cols, ""), col, "");
  tk_store(kb, tile, slot, tk_load(kb, F32, src, index));
  kb_if_else(kb);
  tk_store(kb, tile, slot, LLVMConstReal(F32, 0));
  kb_if_end(kb);
}

/* C[m x n] = A[m x k] B[k x n] with 16x16 shared tiles and a barrier-separated k loop. */
static int matmul_tiled(kernel_builder *kb) {
  static const kb_param params[] = {{"a", KB_PARAM_PTR}, {"b", KB_PARAM_PTR}, {"c", KB_PARAM_PTR},
                                    {"m", KB_PARAM_I32}, {"n", KB_PARAM_I32}, {"k", KB_PARAM_I32}};
  kb_kernel_begin(kb, "matmul_tiled", params, 6, TILE * TILE);
  kb_kernel_fix_block(kb, TILE, TILE, 1); /* the host loops over constant thread counts */
  LLVMValueRef m = kb_param_value(kb, 3), n = kb_param_value(kb, 4), k = kb_param_value(kb, 5);
  LLVMValueRef tile_a = kb_shared_array(kb, F32, TILE * TILE);
  LLVMValueRef tile_b = kb_shared_array(kb, F32, TILE * TILE);
  LLVMValueRef tiles = LLVMBuildSDiv(B, LLVMBuildAdd(B, k, kb_const_i32(kb, TILE - 1), ""),
                                     kb_const_i32(kb, TILE), "");
  LLVMValueRef row0 = LLVMBuildMul(B, kb_block_index(kb, KB_Y), kb_const_i32(kb, TILE), "row0");
  LLVMValueRef col0 = LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_const_i32(kb, TILE), "col0");
  kb_var *acc = kb_thread_var(kb, F32, "acc");
  kb_var_store(kb, acc, LLVMConstReal(F32, 0));
  LLVMValueRef kt = kb_uniform_for_begin(kb, kb_const_i32(kb, 0), tiles, kb_const_i32(kb, 1));
  LLVMValueRef k0 = LLVMBuildMul(B, kt, kb_const_i32(kb, TILE), "k0");
  LLVMValueRef row = LLVMBuildAdd(B, row0, kb_thread_index(kb, KB_Y), "");
  load_tile(kb, tile_a, kb_param_value(kb, 0), row,
            LLVMBuildAdd(B, k0, kb_thread_index(kb, KB_X), ""), m, k);
  LLVMValueRef b_row = LLVMBuildAdd(B, k0, kb_thread_index(kb, KB_Y), "");
  load_tile(kb, tile_b, kb_param_value(kb, 1), b_row,
            LLVMBuildAdd(B, col0, kb_thread_index(kb, KB_X), ""), k, n);
  kb_barrier(kb);
  LLVMValueRef kk =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, TILE), kb_const_i32(kb, 1));
  LLVMValueRef a = tk_load(
      kb, F32, tile_a,
      LLVMBuildAdd(B, LLVMBuildMul(B, kb_thread_index(kb, KB_Y), kb_const_i32(kb, TILE), ""), kk,
                   ""));
  LLVMValueRef b = tk_load(kb, F32, tile_b,
                           LLVMBuildAdd(B, LLVMBuildMul(B, kk, kb_const_i32(kb, TILE), ""),
                                        kb_thread_index(kb, KB_X), ""));
  kb_var_store(kb, acc, LLVMBuildFAdd(B, kb_var_load(kb, acc), LLVMBuildFMul(B, a, b, ""), ""));
  kb_for_end(kb);
  kb_barrier(kb);
  kb_uniform_for_end(kb);
  LLVMValueRef out_row = LLVMBuildAdd(B, row0, kb_thread_index(kb, KB_Y), "");
  LLVMValueRef out_col = LLVMBuildAdd(B, col0, kb_thread_index(kb, KB_X), "");
  LLVMValueRef inside = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSLT, out_row, m, ""),
                                     LLVMBuildICmp(B, LLVMIntSLT, out_col, n, ""), "");
  kb_if_begin(kb, inside);
  tk_store(kb, kb_param_value(kb, 2), LLVMBuildAdd(B, LLVMBuildMul(B, out_row, n, ""), out_col, ""),
           kb_var_load(kb, acc));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

int define_test_kernels(kernel_builder *kb) {
  int (*const kernels[])(kernel_builder *) = {
      relu,          block_sum_serial, tree_sum,       tree_sum_loop,  rotate_shared,
      warp_sum_down, warp_sum_xor,     warp_broadcast, warp_scan,      warp_reductions,
      warp_gather,   maybe_reverse,    index_in_if,    constant_table, uniform_remat,
      atomic_sum,    atomic_max,       atomic_count,   matmul_tiled,   global_table,
      last_block_sum};
  int status = 0;
  for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
    status |= kernels[i](kb);
  return status ? -1 : 0;
}

typedef LLVMValueRef (*unary_fn)(kernel_builder *, LLVMValueRef);

static int unary(kernel_builder *kb, const char *name, unary_fn fn) {
  char full[64];
  snprintf(full, sizeof full, "unary_%s", name);
  kb_kernel_begin(kb, full, in_out_n, 3, 1024);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 2), ""));
  tk_store(kb, kb_param_value(kb, 1), i, fn(kb, tk_load(kb, F32, kb_param_value(kb, 0), i)));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

int define_math_kernels(kernel_builder *kb) {
  static const struct {
    const char *name;
    unary_fn fn;
  } table[] = {{"exp", kb_exp},         {"log", kb_log},   {"tanh", kb_tanh},  {"erf", kb_erf},
               {"sigmoid", kb_sigmoid}, {"sqrt", kb_sqrt}, {"rsqrt", kb_rsqrt}};
  int status = 0;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    status |= unary(kb, table[i].name, table[i].fn);
  static const kb_param params[] = {
      {"x", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}, {"n", KB_PARAM_I32}};
  kb_kernel_begin(kb, "pow_f32", params, 4, 1024);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 3), ""));
  LLVMValueRef x = tk_load(kb, F32, kb_param_value(kb, 0), i);
  LLVMValueRef y = tk_load(kb, F32, kb_param_value(kb, 1), i);
  tk_store(kb, kb_param_value(kb, 2), i, kb_pow(kb, x, y));
  kb_if_end(kb);
  status |= kb_kernel_end(kb);
  return status ? -1 : 0;
}
