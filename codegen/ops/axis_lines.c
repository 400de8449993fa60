/* One thread per line along an axis: plans, launches and the line loop (axis_lines.h). */
#include "codegen/ops/axis_lines.h"

#include "codegen/ops/group.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

void axis_lines_plan(const ir_type *type, int axis, axis_lines *out) {
  *out = (axis_lines){.outer = 1, .length = type->dims[axis], .inner = 1};
  for (int d = 0; d < type->rank; d++)
    if (d < axis)
      out->outer *= type->dims[d];
    else if (d > axis)
      out->inner *= type->dims[d];
  out->lines = out->outer * out->inner;
  out->grid = pw_grid_for(out->lines);
}

int axis_lines_check(lower_context *ctx, const ir_node *node, int *axis) {
  int64_t axis_attribute;
  if (pw_check_value(ctx, node, node->inputs[0], "input", NULL) != 0 ||
      pw_check_value(ctx, node, node->outputs[0], "output", NULL) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attribute, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attribute, node->inputs[0]->type.rank, axis) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis_attribute);
  return 0;
}

LLVMValueRef axis_lines_begin(lower_context *ctx, const ir_node *node, const char *what,
                              const axis_lines *plan, bool hooks, lower_result *out) {
  lower_launch *launch =
      lower_add_launch(out, lower_kernel_name(ctx, node, what), plan->grid, PW_BLOCK);
  if (!launch) {
    ir_node_error(ctx->diag, node, "needs more than %d kernel launches", LOWER_MAX_LAUNCHES);
    return NULL;
  }
  if (hooks) {
    lower_group_bind(ctx->group, launch);
  } else {
    lower_add_arg(launch, LOWER_ARG_INPUT, 0);
    lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  }
  kernel_builder *kb = ctx->kb;
  if (pw_kernel_begin(kb, launch) != 0)
    return NULL;
  LLVMValueRef line = pw_grid_stride_begin(kb, plan->lines, plan->grid);
  LLVMValueRef outer = LLVMBuildUDiv(B, line, kb_const_i32(kb, plan->inner), "outer");
  LLVMValueRef inner = LLVMBuildURem(B, line, kb_const_i32(kb, plan->inner), "inner");
  LLVMValueRef start = LLVMBuildMul(B, outer, kb_const_i32(kb, plan->length * plan->inner), "");
  return LLVMBuildAdd(B, start, inner, "first");
}

int axis_lines_end(lower_context *ctx, const ir_node *node) {
  pw_grid_stride_end(ctx->kb);
  if (kb_kernel_end(ctx->kb) != 0 || kb_failed(ctx->kb))
    return ir_node_error(ctx->diag, node, "could not build the %s kernel", ir_op_name(node->op));
  return 0;
}

LLVMValueRef axis_lines_offset(kernel_builder *kb, const axis_lines *plan, LLVMValueRef first,
                               LLVMValueRef r) {
  return LLVMBuildAdd(B, first, LLVMBuildMul(B, r, kb_const_i32(kb, plan->inner), ""), "");
}

LLVMValueRef axis_lines_load(lower_context *ctx, const ir_node *node, bool hooks,
                             LLVMValueRef offset) {
  kernel_builder *kb = ctx->kb;
  ir_dtype dtype = node->inputs[0]->type.dtype;
  LLVMValueRef stored =
      hooks ? lower_group_load(ctx, 0, offset) : pw_load(kb, dtype, kb_param_value(kb, 0), offset);
  return pw_convert(kb, stored, dtype, pw_compute_dtype(dtype));
}
