/* GatherElements → one thread per output element: out[i] = data[the coordinates of i with the
 * axis coordinate replaced by indices[i]] (negative counts from the end; clamped into the
 * axis, so a bad index cannot read outside the tensor). */
#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_gather_elements(lower_context *ctx, const ir_node *node, lower_result *out) {
  static const kb_param params[] = {
      {"data", KB_PARAM_PTR}, {"indices", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}};
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int64_t axis_attr;
  int axis;
  if (mv_check_sizes(node, 0, ctx->diag) != 0 || mv_check_sizes(node, 1, ctx->diag) != 0 ||
      ir_attr_int_default(node, "axis", &axis_attr, ctx->diag) != 0)
    return -1;
  if (ir_normalize_axis(axis_attr, data->rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis %lld is out of range", (long long)axis_attr);
  int64_t count = 0;
  ir_type_element_count(indices, &count); /* static and below 2^31: checked above */
  if (data->dims[axis] == 0 && count > 0)
    return ir_node_error(ctx->diag, node, "gathers from an empty axis");
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(data, strides);
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "gather_elements");
  LLVMValueRef i = mv_kernel_begin(kb, name, params, 3, count);
  LLVMValueRef coords[IR_MAX_RANK];
  mv_unravel(kb, i, indices->rank, indices->dims, coords);
  coords[axis] = mv_load_index(kb, indices->dtype, kb_param_value(kb, 1), i, data->dims[axis], NULL);
  LLVMValueRef source = kb_const_i32(kb, 0);
  for (int d = 0; d < data->rank; d++)
    source = LLVMBuildAdd(B, source, LLVMBuildMul(B, coords[d], kb_const_i32(kb, strides[d]), ""), "");
  LLVMTypeRef type = mv_element_type(kb, data->dtype);
  mv_store(kb, kb_param_value(kb, 2), i, mv_load(kb, type, kb_param_value(kb, 0), source));
  if (mv_kernel_end(kb) != 0 || kb_failed(kb))
    return ir_node_error(ctx->diag, node, "could not build the gather_elements kernel");
  lower_launch *launch = mv_add_launch(ctx, node, out, name, count);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_INPUT, 1);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  return 0;
}
