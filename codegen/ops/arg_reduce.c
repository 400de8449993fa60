/* ArgMax, ArgMin and Hardmax: one thread per line along the axis finds the extreme element
 * (the first one, or the last with select_last_index; NaN counts as the extreme, as numpy's
 * argmax and argmin take it), then stores its index (i64) or writes the line one-hot. ArgMax
 * and ArgMin are reductions and so group roots: they read and write through the group hooks
 * (an elementwise prologue computes the elements they compare, an epilogue takes the index). */
#include "codegen/ops/axis_lines.h"

#include "codegen/ops/group.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

/* Whether `value` replaces `best` (both in `compute`, the input's compute dtype). */
static LLVMValueRef better(kernel_builder *kb, ir_dtype compute, bool max, bool last,
                           LLVMValueRef value, LLVMValueRef best) {
  if (ir_dtype_is_float(compute)) {
    LLVMRealPredicate p =
        max ? (last ? LLVMRealOGE : LLVMRealOGT) : (last ? LLVMRealOLE : LLVMRealOLT);
    LLVMValueRef nan = LLVMBuildFCmp(B, LLVMRealUNO, value, value, "");
    LLVMValueRef best_nan = LLVMBuildFCmp(B, LLVMRealUNO, best, best, "");
    /* a NaN wins over numbers; among NaNs the first (or last) one */
    LLVMValueRef nan_wins = last ? nan : LLVMBuildAnd(B, nan, LLVMBuildNot(B, best_nan, ""), "");
    return LLVMBuildOr(B, LLVMBuildFCmp(B, p, value, best, ""), nan_wins, "");
  }
  bool is_signed = ir_dtype_is_signed(compute);
  LLVMIntPredicate p =
      max ? (last ? (is_signed ? LLVMIntSGE : LLVMIntUGE) : (is_signed ? LLVMIntSGT : LLVMIntUGT))
          : (last ? (is_signed ? LLVMIntSLE : LLVMIntULE) : (is_signed ? LLVMIntSLT : LLVMIntULT));
  return LLVMBuildICmp(B, p, value, best, "");
}

/* The index (i32) of the line's extreme element; the line starts at `first`. */
static LLVMValueRef extreme_index(lower_context *ctx, const ir_node *node, bool hooks,
                                  const axis_lines *plan, LLVMValueRef first, bool max, bool last) {
  kernel_builder *kb = ctx->kb;
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  kb_var *best = kb_thread_var(kb, pw_storage_type(kb, compute), "best");
  kb_var *index = kb_thread_var(kb, LLVMInt32TypeInContext(kb_context(kb)), "index");
  kb_var_store(kb, best, axis_lines_load(ctx, node, hooks, first));
  kb_var_store(kb, index, kb_const_i32(kb, 0));
  LLVMValueRef r =
      kb_for_begin(kb, kb_const_i32(kb, 1), kb_const_i32(kb, plan->length), kb_const_i32(kb, 1));
  LLVMValueRef value = axis_lines_load(ctx, node, hooks, axis_lines_offset(kb, plan, first, r));
  LLVMValueRef take = better(kb, compute, max, last, value, kb_var_load(kb, best));
  kb_var_store(kb, best, LLVMBuildSelect(B, take, value, kb_var_load(kb, best), ""));
  kb_var_store(kb, index, LLVMBuildSelect(B, take, r, kb_var_load(kb, index), ""));
  kb_for_end(kb);
  return kb_var_load(kb, index);
}

static int check_lines(lower_context *ctx, const ir_node *node, axis_lines *plan) {
  int axis;
  if (axis_lines_check(ctx, node, &axis) != 0)
    return -1;
  axis_lines_plan(&node->inputs[0]->type, axis, plan);
  if (plan->length == 0 && plan->lines > 0)
    return ir_node_error(ctx->diag, node, "%s over an empty axis", ir_op_name(node->op));
  return 0;
}

int lower_arg_reduce(lower_context *ctx, const ir_node *node, lower_result *out) {
  axis_lines plan;
  int64_t last;
  if (check_lines(ctx, node, &plan) != 0 ||
      ir_attr_int_default(node, "select_last_index", &last, ctx->diag) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMValueRef first = axis_lines_begin(ctx, node, "arg_reduce", &plan, true, out);
  if (!first)
    return -1;
  LLVMValueRef index =
      extreme_index(ctx, node, true, &plan, first, node->op == IR_OP_ARG_MAX, last != 0);
  /* the output is the input without (or with a 1 for) the axis: its element is the line */
  LLVMValueRef line = LLVMBuildAdd(
      B,
      LLVMBuildMul(B, LLVMBuildUDiv(B, first, kb_const_i32(kb, plan.length * plan.inner), ""),
                   kb_const_i32(kb, plan.inner), ""),
      LLVMBuildURem(B, first, kb_const_i32(kb, plan.inner), ""), "");
  lower_group_store(ctx, line, LLVMBuildSExt(B, index, LLVMInt64TypeInContext(kb_context(kb)), ""));
  return axis_lines_end(ctx, node);
}

int lower_hardmax(lower_context *ctx, const ir_node *node, lower_result *out) {
  axis_lines plan;
  if (check_lines(ctx, node, &plan) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMValueRef first = axis_lines_begin(ctx, node, "hardmax", &plan, false, out);
  if (!first)
    return -1;
  ir_dtype dtype = node->outputs[0]->type.dtype;
  kb_var *index = kb_thread_var(kb, LLVMInt32TypeInContext(kb_context(kb)), "argmax");
  kb_var_store(kb, index, extreme_index(ctx, node, false, &plan, first, true, false));
  LLVMValueRef r =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, plan.length), kb_const_i32(kb, 1));
  LLVMValueRef hot = LLVMBuildICmp(B, LLVMIntEQ, r, kb_var_load(kb, index), "");
  LLVMValueRef value =
      pw_convert(kb, LLVMBuildUIToFP(B, hot, pw_f32_type(kb), ""), IR_DTYPE_F32, dtype);
  pw_store(kb, dtype, kb_param_value(kb, 1), axis_lines_offset(kb, &plan, first, r), value);
  kb_for_end(kb);
  return axis_lines_end(ctx, node);
}
