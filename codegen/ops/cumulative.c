/* CumSum and CumProd: one thread per line along the axis (the constant input 1) runs the
 * line in order (backwards with reverse), storing each prefix before (exclusive) or after
 * adding its element. Accumulates in the compute dtype: f32 for f16/bf16, integers wrap. */
#include "codegen/ops/axis_lines.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_cumulative(lower_context *ctx, const ir_node *node, lower_result *out) {
  int64_t axis_value, exclusive, reverse;
  int count = 0, axis;
  if (pw_check_value(ctx, node, node->inputs[0], "input", NULL) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", NULL) != 0 ||
      ir_node_constant_ints(node, 1, &axis_value, 1, &count, ctx->diag) != 0 ||
      ir_attr_int_default(node, "exclusive", &exclusive, ctx->diag) != 0 ||
      ir_attr_int_default(node, "reverse", &reverse, ctx->diag) != 0)
    return -1;
  if (count != 1 || ir_normalize_axis(axis_value, node->inputs[0]->type.rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis must be one value in range");
  axis_lines plan;
  axis_lines_plan(&node->inputs[0]->type, axis, &plan);
  kernel_builder *kb = ctx->kb;
  LLVMValueRef first = axis_lines_begin(ctx, node, "cumulative", &plan, false, out);
  if (!first)
    return -1;
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  bool is_float = ir_dtype_is_float(compute), product = node->op == IR_OP_CUM_PROD;
  LLVMTypeRef type = pw_storage_type(kb, compute);
  kb_var *total = kb_thread_var(kb, type, "total");
  kb_var_store(kb, total,
               product ? (is_float ? LLVMConstReal(type, 1) : LLVMConstInt(type, 1, 0))
                       : LLVMConstNull(type));
  LLVMValueRef step =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, plan.length), kb_const_i32(kb, 1));
  LLVMValueRef r = reverse ? LLVMBuildSub(B, kb_const_i32(kb, plan.length - 1), step, "") : step;
  LLVMValueRef offset = axis_lines_offset(kb, &plan, first, r);
  LLVMValueRef before = kb_var_load(kb, total), x = axis_lines_load(ctx, node, false, offset);
  LLVMValueRef after =
      product ? (is_float ? LLVMBuildFMul(B, before, x, "") : LLVMBuildMul(B, before, x, ""))
              : (is_float ? LLVMBuildFAdd(B, before, x, "") : LLVMBuildAdd(B, before, x, ""));
  kb_var_store(kb, total, after);
  pw_store(kb, dtype, kb_param_value(kb, 1), offset,
           pw_convert(kb, exclusive ? before : after, compute, dtype));
  kb_for_end(kb);
  return axis_lines_end(ctx, node);
}
