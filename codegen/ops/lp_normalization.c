/* LpNormalization: one thread per line along the axis sums |x| (p = 1) or x^2 (p = 2, then the
 * square root) in f32 (f64 for f64 input), then writes x / norm; a line of zeros stays zeros
 * (the ONNX reference's 0 for 0/0). */
#include "codegen/ops/axis_lines.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_lp_normalization(lower_context *ctx, const ir_node *node, lower_result *out) {
  int axis;
  int64_t p;
  if (axis_lines_check(ctx, node, &axis) != 0 || ir_attr_int_default(node, "p", &p, ctx->diag) != 0)
    return -1;
  axis_lines plan;
  axis_lines_plan(&node->inputs[0]->type, axis, &plan);
  kernel_builder *kb = ctx->kb;
  LLVMValueRef first = axis_lines_begin(ctx, node, "lp_normalization", &plan, false, out);
  if (!first)
    return -1;
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  kb_var *sum = kb_thread_var(kb, pw_storage_type(kb, compute), "sum");
  kb_var_store(kb, sum, LLVMConstNull(pw_storage_type(kb, compute)));
  LLVMValueRef r =
      kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, plan.length), kb_const_i32(kb, 1));
  LLVMValueRef x = axis_lines_load(ctx, node, false, axis_lines_offset(kb, &plan, first, r));
  LLVMValueRef term = p == 1 ? pw_fabs(kb, x) : LLVMBuildFMul(B, x, x, "");
  kb_var_store(kb, sum, LLVMBuildFAdd(B, kb_var_load(kb, sum), term, ""));
  kb_for_end(kb);
  kb_var *norm = kb_thread_var(kb, pw_storage_type(kb, compute), "norm");
  kb_var_store(kb, norm, p == 1 ? kb_var_load(kb, sum) : kb_sqrt(kb, kb_var_load(kb, sum)));
  r = kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, plan.length), kb_const_i32(kb, 1));
  LLVMValueRef offset = axis_lines_offset(kb, &plan, first, r);
  LLVMValueRef norm_value = kb_var_load(kb, norm), zero = LLVMConstNull(LLVMTypeOf(norm_value));
  LLVMValueRef y = LLVMBuildFDiv(B, axis_lines_load(ctx, node, false, offset), norm_value, "");
  y = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, norm_value, zero, ""), zero, y, "");
  pw_store(kb, dtype, kb_param_value(kb, 1), offset, pw_convert(kb, y, compute, dtype));
  kb_for_end(kb);
  return axis_lines_end(ctx, node);
}
