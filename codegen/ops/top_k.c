/* TopK → one thread per (outer, inner) line along the axis, K selection scans: the r-th
 * result is the first element, in the result order, among those after the (r-1)-th. The order
 * is by value (descending for largest, ascending for smallest), ties by lower index first, as
 * ONNX asks, so results are always sorted and deterministic. O(K * length) a line, no scratch
 * memory: meant for the small K of classifiers and samplers. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

typedef struct top_k {
  ir_dtype dtype, compute;
  bool largest;
  int64_t length, inner, k;
} top_k;

/* Whether (a, ai) comes before (b, bi) in the result order. */
static LLVMValueRef comes_before(kernel_builder *kb, const top_k *t, LLVMValueRef a,
                                 LLVMValueRef ai, LLVMValueRef b, LLVMValueRef bi) {
  LLVMValueRef x = t->largest ? a : b, y = t->largest ? b : a; /* x > y: a first */
  LLVMValueRef strictly, equal;
  if (ir_dtype_is_float(t->compute)) {
    strictly = LLVMBuildFCmp(B, LLVMRealOGT, x, y, "");
    equal = LLVMBuildFCmp(B, LLVMRealOEQ, x, y, "");
  } else {
    strictly = LLVMBuildICmp(B, ir_dtype_is_signed(t->compute) ? LLVMIntSGT : LLVMIntUGT, x, y, "");
    equal = LLVMBuildICmp(B, LLVMIntEQ, x, y, "");
  }
  LLVMValueRef earlier = LLVMBuildICmp(B, LLVMIntSLT, ai, bi, "");
  return LLVMBuildOr(B, strictly, LLVMBuildAnd(B, equal, earlier, ""), "");
}

static int top_k_kernel(kernel_builder *kb, const top_k *t, bool with_indices, int64_t lines,
                        uint32_t grid) {
  LLVMTypeRef type = pw_storage_type(kb, t->compute), i32 = LLVMInt32TypeInContext(kb_context(kb));
  kb_var *previous = kb_thread_var(kb, type, "previous"), *best = kb_thread_var(kb, type, "best");
  kb_var *previous_index = kb_thread_var(kb, i32, "previous_index");
  kb_var *best_index = kb_thread_var(kb, i32, "best_index");
  LLVMValueRef line = pw_grid_stride_begin(kb, lines, grid), inner = kb_const_i32(kb, t->inner);
  LLVMValueRef outer = LLVMBuildUDiv(B, line, inner, ""),
               within = LLVMBuildURem(B, line, inner, "");
  LLVMValueRef in_base = LLVMBuildAdd(
      B, LLVMBuildMul(B, outer, kb_const_i32(kb, t->length * t->inner), ""), within, "");
  LLVMValueRef out_base =
      LLVMBuildAdd(B, LLVMBuildMul(B, outer, kb_const_i32(kb, t->k * t->inner), ""), within, "");
  LLVMValueRef none = kb_const_i32(kb, -1);
  kb_var_store(kb, previous_index, none);
  kb_var_store(kb, previous, LLVMConstNull(type));
  LLVMValueRef r =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, t->k), kb_const_i32(kb, 1));
  kb_var_store(kb, best_index, none);
  kb_var_store(kb, best, LLVMConstNull(type));
  LLVMValueRef j =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, t->length), kb_const_i32(kb, 1));
  LLVMValueRef x = pw_convert(kb,
                              pw_load(kb, t->dtype, kb_param_value(kb, 0),
                                      LLVMBuildAdd(B, in_base, LLVMBuildMul(B, j, inner, ""), "")),
                              t->dtype, t->compute);
  LLVMValueRef p = kb_var_load(kb, previous), pi = kb_var_load(kb, previous_index);
  LLVMValueRef b = kb_var_load(kb, best), bi = kb_var_load(kb, best_index);
  LLVMValueRef after_previous =
      LLVMBuildOr(B, LLVMBuildICmp(B, LLVMIntSLT, pi, kb_const_i32(kb, 0), ""),
                  comes_before(kb, t, p, pi, x, j), "");
  LLVMValueRef better = LLVMBuildOr(B, LLVMBuildICmp(B, LLVMIntSLT, bi, kb_const_i32(kb, 0), ""),
                                    comes_before(kb, t, x, j, b, bi), "");
  LLVMValueRef take = LLVMBuildAnd(B, after_previous, better, "take");
  kb_var_store(kb, best, LLVMBuildSelect(B, take, x, b, ""));
  kb_var_store(kb, best_index, LLVMBuildSelect(B, take, j, bi, ""));
  kb_for_end(kb);
  LLVMValueRef at = LLVMBuildAdd(B, out_base, LLVMBuildMul(B, r, inner, ""), "");
  pw_store(kb, t->dtype, kb_param_value(kb, 1), at,
           pw_convert(kb, kb_var_load(kb, best), t->compute, t->dtype));
  if (with_indices)
    pw_store(
        kb, IR_DTYPE_I64, kb_param_value(kb, 2), at,
        LLVMBuildSExt(B, kb_var_load(kb, best_index), LLVMInt64TypeInContext(kb_context(kb)), ""));
  kb_var_store(kb, previous, kb_var_load(kb, best));
  kb_var_store(kb, previous_index, kb_var_load(kb, best_index));
  kb_for_end(kb);
  pw_grid_stride_end(kb);
  return kb_kernel_end(kb);
}

int lower_top_k(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  int64_t axis_attr, largest, count;
  int axis;
  if (pw_check_value(ctx, node, node->inputs[0], "input", &count) != 0 ||
      mv_check_sizes(node, 0, ctx->diag) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attr, ctx->diag) != 0 ||
      ir_attr_int_default(node, "largest", &largest, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attr, x->rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis_attr);
  if (x->dtype == IR_DTYPE_BOOL)
    return ir_node_error(ctx->diag, node, "no kernel for TopK on bool");
  top_k t = {.dtype = x->dtype,
             .compute = pw_compute_dtype(x->dtype),
             .largest = largest != 0,
             .length = x->dims[axis],
             .inner = 1,
             .k = node->outputs[0]->type.dims[axis]};
  for (int d = axis + 1; d < x->rank; d++)
    t.inner *= x->dims[d];
  int64_t lines = t.length ? count / t.length : 0;
  if (t.k == 0 || lines == 0)
    return 0; /* empty outputs: nothing to write */
  uint32_t grid = pw_grid_for(lines);
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, "top_k"), grid, PW_BLOCK);
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  for (int o = 0; o < node->num_outputs; o++)
    lower_add_arg(launch, LOWER_ARG_OUTPUT, o);
  if (pw_kernel_begin(ctx->kb, launch) != 0)
    return -1;
  return top_k_kernel(ctx->kb, &t, node->num_outputs > 1, lines, grid);
}
