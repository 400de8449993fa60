/* Row reductions shared by Reduce*, Softmax, LayerNormalization and the global pools:
 * thread groups per row, per-thread steps (vector accesses), warp butterflies and shared
 * memory to combine a group's warps. */
#include "codegen/ops/pointwise_util.h"

#include <math.h>
#include <string.h>

#include "codegen/llvm_build.h"
#define CTX (kb_context(kb))
#define I32 (LLVMInt32TypeInContext(CTX))

static LLVMValueRef element_address(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base,
                                    LLVMValueRef index) {
  return LLVMBuildInBoundsGEP2(B, type, base, &index, 1, "");
}

/* --- row reductions --------------------------------------------------------------------------- */
static void rows_plan(int64_t rows, int64_t length, unsigned width, pw_rows *out) {
  int64_t steps = (length + width - 1) / width;
  unsigned group = PW_WARP;
  while (group < PW_BLOCK && group < steps)
    group *= 2;
  out->rows = rows;
  out->length = length;
  out->width = width;
  out->group = group;
  out->rows_per_block = PW_BLOCK / group;
  int64_t grid = (rows + out->rows_per_block - 1) / out->rows_per_block;
  out->grid = (uint32_t)(grid < 1 ? 1 : grid);
}

void pw_rows_plan(int64_t rows, int64_t length, pw_rows *out) { rows_plan(rows, length, 1, out); }

void pw_rows_plan_vector(int64_t rows, int64_t length, pw_rows *out) {
  rows_plan(rows, length, length % 4 == 0 ? 4 : 1, out);
}

LLVMValueRef pw_rows_loop_begin(kernel_builder *kb, const pw_rows *plan) {
  kb_if_begin(kb, pw_rows_valid(kb, plan));
  LLVMValueRef step = kb_for_begin(kb, pw_rows_lane(kb, plan),
                                   kb_const_i32(kb, plan->length / plan->width), kb_const_i32(kb, plan->group));
  return LLVMBuildMul(B, step, kb_const_i32(kb, plan->width), "position");
}

void pw_rows_loop_end(kernel_builder *kb) {
  kb_for_end(kb);
  kb_if_end(kb);
}

LLVMValueRef pw_rows_offset(kernel_builder *kb, const pw_rows *plan, LLVMValueRef position) {
  return LLVMBuildAdd(B, LLVMBuildMul(B, pw_rows_row(kb, plan), kb_const_i32(kb, plan->length), ""),
                      position, "");
}

void pw_load_f32_run(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                     unsigned width, LLVMValueRef *out) {
  if (width == 1) {
    out[0] = pw_convert(kb, pw_load(kb, dtype, base, index), dtype, IR_DTYPE_F32);
    return;
  }
  LLVMValueRef vector = pw_load_vector(kb, dtype, base, index, width);
  for (unsigned l = 0; l < width; l++)
    out[l] =
        pw_convert(kb, LLVMBuildExtractElement(B, vector, kb_const_i32(kb, l), ""), dtype, IR_DTYPE_F32);
}

void pw_store_f32_run(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                      unsigned width, const LLVMValueRef *values) {
  if (width == 1) {
    pw_store(kb, dtype, base, index, pw_convert(kb, values[0], IR_DTYPE_F32, dtype));
    return;
  }
  LLVMValueRef vector = LLVMGetUndef(LLVMVectorType(pw_storage_type(kb, dtype), width));
  for (unsigned l = 0; l < width; l++)
    vector = LLVMBuildInsertElement(B, vector, pw_convert(kb, values[l], IR_DTYPE_F32, dtype),
                                    kb_const_i32(kb, l), "");
  pw_store_vector(kb, dtype, base, index, vector);
}

static int64_t steps_per_row(const pw_rows *plan) { return plan->length / plan->width; }

bool pw_row_cache_fits(const pw_rows *plan) {
  return (steps_per_row(plan) + plan->group - 1) / plan->group <= PW_ROW_CACHE_STEPS;
}

void pw_row_cache_init(kernel_builder *kb, const pw_rows *plan, pw_row_cache *cache) {
  memset(cache, 0, sizeof(*cache));
  int64_t steps = (steps_per_row(plan) + plan->group - 1) / plan->group;
  for (unsigned s = 0; s < steps && s < PW_ROW_CACHE_STEPS; s++)
    for (unsigned l = 0; l < plan->width; l++)
      cache->values[s][l] = kb_thread_var(kb, pw_f32_type(kb), "cached");
}

void pw_row_pass(kernel_builder *kb, const pw_rows *plan, pw_row_cache *cache, ir_dtype dtype,
                 LLVMValueRef source, pw_row_step_fn body, void *state) {
  LLVMValueRef values[4];
  if (!cache) {
    LLVMValueRef position = pw_rows_loop_begin(kb, plan);
    pw_load_f32_run(kb, dtype, source, pw_rows_offset(kb, plan, position), plan->width, values);
    body(kb, position, values, state);
    pw_rows_loop_end(kb);
    return;
  }
  unsigned steps = (unsigned)((steps_per_row(plan) + plan->group - 1) / plan->group);
  for (unsigned s = 0; s < steps; s++) { /* unrolled: step s of this thread is lane + s*group */
    LLVMValueRef step =
        LLVMBuildAdd(B, pw_rows_lane(kb, plan), kb_const_i32(kb, (int64_t)s * plan->group), "");
    LLVMValueRef present = LLVMBuildICmp(B, LLVMIntSLT, step, kb_const_i32(kb, steps_per_row(plan)), "");
    kb_if_begin(kb, LLVMBuildAnd(B, pw_rows_valid(kb, plan), present, ""));
    LLVMValueRef position = LLVMBuildMul(B, step, kb_const_i32(kb, plan->width), "position");
    if (!cache->loaded)
      pw_load_f32_run(kb, dtype, source, pw_rows_offset(kb, plan, position), plan->width, values);
    else
      for (unsigned l = 0; l < plan->width; l++)
        values[l] = kb_var_load(kb, cache->values[s][l]);
    body(kb, position, values, state);
    for (unsigned l = 0; l < plan->width; l++)
      kb_var_store(kb, cache->values[s][l], values[l]);
    kb_if_end(kb);
  }
  cache->loaded = true;
}

LLVMValueRef pw_rows_row(kernel_builder *kb, const pw_rows *plan) {
  LLVMValueRef first =
      LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_const_i32(kb, plan->rows_per_block), "");
  LLVMValueRef within = LLVMBuildUDiv(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, plan->group), "");
  return LLVMBuildAdd(B, first, within, "row");
}

LLVMValueRef pw_rows_lane(kernel_builder *kb, const pw_rows *plan) {
  return LLVMBuildAnd(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, plan->group - 1), "lane");
}

LLVMValueRef pw_rows_valid(kernel_builder *kb, const pw_rows *plan) {
  return LLVMBuildICmp(B, LLVMIntSLT, pw_rows_row(kb, plan), kb_const_i32(kb, plan->rows), "");
}

LLVMValueRef pw_rows_shared(kernel_builder *kb) {
  /* 8-byte slots: room for f32, i32 and i64 accumulators alike. */
  return kb_shared_array(kb, LLVMInt64TypeInContext(CTX), PW_BLOCK / PW_WARP);
}

LLVMValueRef pw_reduce_identity(kernel_builder *kb, pw_reduce_op op) {
  return pw_reduce_identity_of(kb, op, IR_DTYPE_F32);
}

LLVMValueRef pw_reduce_identity_of(kernel_builder *kb, pw_reduce_op op, ir_dtype dtype) {
  LLVMTypeRef type = pw_storage_type(kb, dtype);
  if (dtype == IR_DTYPE_I32 || dtype == IR_DTYPE_I64) {
    unsigned bits = LLVMGetIntTypeWidth(type);
    unsigned long long top = 1ull << (bits - 1); /* the most negative value's bits */
    return op == PW_REDUCE_SUM    ? LLVMConstNull(type)
           : op == PW_REDUCE_PROD ? LLVMConstInt(type, 1, 0)
           : op == PW_REDUCE_MAX  ? LLVMConstInt(type, top, 0)
                                  : LLVMConstInt(type, top - 1, 0);
  }
  return LLVMConstReal(type, op == PW_REDUCE_SUM    ? 0.0
                             : op == PW_REDUCE_PROD ? 1.0
                             : op == PW_REDUCE_MAX  ? -INFINITY
                                                    : INFINITY);
}

LLVMValueRef pw_reduce_combine(kernel_builder *kb, pw_reduce_op op, LLVMValueRef a,
                               LLVMValueRef b) {
  if (LLVMGetTypeKind(LLVMTypeOf(a)) == LLVMIntegerTypeKind) { /* signed integers */
    if (op == PW_REDUCE_SUM || op == PW_REDUCE_PROD)
      return op == PW_REDUCE_SUM ? LLVMBuildAdd(B, a, b, "") : LLVMBuildMul(B, a, b, "");
    LLVMIntPredicate better = op == PW_REDUCE_MAX ? LLVMIntSGT : LLVMIntSLT;
    return LLVMBuildSelect(B, LLVMBuildICmp(B, better, a, b, ""), a, b, "");
  }
  if (op == PW_REDUCE_SUM || op == PW_REDUCE_PROD)
    return op == PW_REDUCE_SUM ? LLVMBuildFAdd(B, a, b, "") : LLVMBuildFMul(B, a, b, "");
  LLVMRealPredicate better = op == PW_REDUCE_MAX ? LLVMRealOGT : LLVMRealOLT;
  LLVMValueRef chosen = LLVMBuildSelect(B, LLVMBuildFCmp(B, better, a, b, ""), a, b, "");
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealUNO, a, a, ""), a, chosen, "");
}

int pw_group_reduce(kernel_builder *kb, const pw_rows *plan, kb_var *value, pw_reduce_op op,
                    LLVMValueRef shared) {
  /* Butterfly within each warp: every lane ends with the warp's result. */
  for (int mask = PW_WARP / 2; mask > 0; mask /= 2) {
    LLVMValueRef other = kb_shuffle_xor(kb, kb_var_load(kb, value), kb_const_i32(kb, mask));
    kb_var_store(kb, value, pw_reduce_combine(kb, op, kb_var_load(kb, value), other));
  }
  if (plan->group <= PW_WARP)
    return kb_failed(kb) ? -1 : 0;
  /* Warps of one group meet in shared memory; each thread combines its group's warps in
   * the same order, so all threads hold the same result. */
  LLVMTypeRef type = LLVMTypeOf(kb_var_load(kb, value));
  LLVMValueRef warp = LLVMBuildUDiv(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, PW_WARP), "");
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_lane_index(kb), kb_const_i32(kb, 0), ""));
  LLVMBuildStore(B, kb_var_load(kb, value), element_address(kb, type, shared, warp));
  kb_if_end(kb);
  kb_barrier(kb);
  unsigned warps = plan->group / PW_WARP;
  LLVMValueRef first =
      LLVMBuildMul(B, LLVMBuildUDiv(B, kb_thread_index(kb, KB_X), kb_const_i32(kb, plan->group), ""),
                   kb_const_i32(kb, warps), "");
  LLVMValueRef total = LLVMBuildLoad2(B, type, element_address(kb, type, shared, first), "");
  for (unsigned w = 1; w < warps; w++) {
    LLVMValueRef slot =
        element_address(kb, type, shared, LLVMBuildAdd(B, first, kb_const_i32(kb, w), ""));
    total = pw_reduce_combine(kb, op, total, LLVMBuildLoad2(B, type, slot, ""));
  }
  kb_var_store(kb, value, total);
  kb_barrier(kb); /* the scratch is free again for the next reduction */
  return kb_failed(kb) ? -1 : 0;
}
