/* Trilu: one thread per element keeps x where col - row >= k (upper) or <= k (lower) in the
 * last two dims and writes 0 elsewhere. k (input 1, an i64 scalar, default 0) is read by the
 * kernel at run time: it does not change the output's shape. */
#include "codegen/ops/movement_util.h"

#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_trilu(lower_context *ctx, const ir_node *node, lower_result *out) {
  static const kb_param params[] = {{"x", KB_PARAM_PTR}, {"y", KB_PARAM_PTR}, {"k", KB_PARAM_PTR}};
  const ir_type *x = &node->inputs[0]->type;
  int64_t upper, count = 1;
  if (mv_check_sizes(node, 0, ctx->diag) != 0 ||
      ir_attr_int_default(node, "upper", &upper, ctx->diag) != 0)
    return -1;
  for (int d = 0; d < x->rank; d++)
    count *= x->dims[d];
  bool has_k = ir_node_input(node, 1) != NULL;
  int64_t rows = x->dims[x->rank - 2], columns = x->dims[x->rank - 1];
  kernel_builder *kb = ctx->kb;
  const char *name = lower_kernel_name(ctx, node, "trilu");
  LLVMTypeRef i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef i = mv_kernel_begin(kb, name, params, has_k ? 3 : 2, count);
  LLVMValueRef column = LLVMBuildURem(B, i, kb_const_i32(kb, columns ? columns : 1), "");
  LLVMValueRef row =
      LLVMBuildURem(B, LLVMBuildUDiv(B, i, kb_const_i32(kb, columns ? columns : 1), ""),
                    kb_const_i32(kb, rows ? rows : 1), "");
  LLVMValueRef diagonal =
      LLVMBuildSub(B, LLVMBuildZExt(B, column, i64, ""), LLVMBuildZExt(B, row, i64, ""), "");
  LLVMValueRef k =
      has_k ? mv_load(kb, i64, kb_param_value(kb, 2), kb_const_i32(kb, 0)) : LLVMConstNull(i64);
  LLVMValueRef keep = LLVMBuildICmp(B, upper ? LLVMIntSGE : LLVMIntSLE, diagonal, k, "");
  LLVMTypeRef type = mv_element_type(kb, x->dtype);
  LLVMValueRef value = mv_load(kb, type, kb_param_value(kb, 0), i);
  mv_store(kb, kb_param_value(kb, 1), i, LLVMBuildSelect(B, keep, value, LLVMConstNull(type), ""));
  if (mv_kernel_end(kb) != 0 || kb_failed(kb))
    return ir_node_error(ctx->diag, node, "could not build the Trilu kernel");
  lower_launch *launch = mv_add_launch(ctx, node, out, name, count);
  if (!launch)
    return -1;
  lower_add_arg(launch, LOWER_ARG_INPUT, 0);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  if (has_k)
    lower_add_arg(launch, LOWER_ARG_INPUT, 1);
  return 0;
}
