/* MaxUnpool → two launches: the output zeroed, then one thread per element of X storing it
 * at its index (flat in the unpooled shape MaxPool's indices count in, moved into the output
 * shape, which may be larger). Indices are clamped into the unpooled tensor; two elements
 * with the same index leave either one (MaxPool's indices never repeat). */
#include "codegen/ops/movement_util.h"
#include "ir/infer/window.h"

#include "codegen/llvm_build.h"

int lower_max_unpool(lower_context *ctx, const ir_node *node, lower_result *out) {
  static const kb_param zero_params[] = {{"y", KB_PARAM_PTR}};
  static const kb_param params[] = {{"x", KB_PARAM_PTR}, {"i", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}};
  const ir_type *x = &node->inputs[0]->type, *y = &node->outputs[0]->type;
  int64_t inferred[IR_MAX_RANK], dims[IR_MAX_RANK], count = 1, unpooled = 1, elements = 1;
  if (mv_check_sizes(node, 0, ctx->diag) != 0 ||
      ir_max_unpool_shape(node, inferred, dims, ctx->diag) != 0)
    return -1;
  for (int d = 0; d < x->rank; d++)
    count *= y->dims[d], unpooled *= inferred[d], elements *= x->dims[d];
  kernel_builder *kb = ctx->kb;
  LLVMTypeRef type = mv_element_type(kb, x->dtype);
  const char *zero = lower_kernel_name(ctx, node, "max_unpool_zero");
  LLVMValueRef i = mv_kernel_begin(kb, zero, zero_params, 1, count);
  mv_store(kb, kb_param_value(kb, 0), i, LLVMConstNull(type));
  if (mv_kernel_end(kb) != 0)
    return ir_node_error(ctx->diag, node, "could not build the MaxUnpool kernels");
  lower_launch *launch = mv_add_launch(ctx, node, out, zero, count);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  if (elements == 0 || unpooled == 0)
    return 0;
  const char *name = lower_kernel_name(ctx, node, "max_unpool");
  i = mv_kernel_begin(kb, name, params, 3, elements);
  LLVMValueRef index = mv_load_index(kb, IR_DTYPE_I64, kb_param_value(kb, 1), i, unpooled, NULL);
  LLVMValueRef coords[IR_MAX_RANK], at = kb_const_i32(kb, 0);
  mv_unravel(kb, index, x->rank, inferred, coords);
  for (int d = 0; d < x->rank; d++)
    at = LLVMBuildAdd(B, LLVMBuildMul(B, at, kb_const_i32(kb, y->dims[d]), ""), coords[d], "");
  mv_store(kb, kb_param_value(kb, 2), at, mv_load(kb, type, kb_param_value(kb, 0), i));
  if (mv_kernel_end(kb) != 0 || kb_failed(kb))
    return ir_node_error(ctx->diag, node, "could not build the MaxUnpool kernels");
  if (!(launch = mv_add_launch(ctx, node, out, name, elements)))
    return -1;
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_INPUT, 1);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  return 0;
}
