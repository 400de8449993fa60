/* --check-indices in the kernels: the error word is one u32 of the arena that the run clears;
 * the first out-of-range index of a run stores its node's site number there with a
 * compare-and-swap from 0, so a later failure never hides the first. */
#include "codegen/ops/index_check.h"

#include "codegen/llvm_build.h"

int index_check_params(const lower_context *ctx, kb_param *params, int count) {
  if (!ctx->check_indices)
    return count;
  params[count++] = (kb_param){"index_error", KB_PARAM_PTR};
  params[count++] = (kb_param){"index_site", KB_PARAM_I32};
  return count;
}

void index_check_record(const lower_context *ctx, int first_param, LLVMValueRef out_of_range) {
  if (!ctx->check_indices)
    return;
  kernel_builder *kb = ctx->kb;
  if (kb_if_begin(kb, out_of_range) != 0)
    return;
  kb_atomic_cas(kb, kb_param_value(kb, first_param), kb_const_i32(kb, 0),
                kb_param_value(kb, first_param + 1));
  kb_if_end(kb);
}

void index_check_args(const lower_context *ctx, lower_launch *launch) {
  if (!ctx->check_indices)
    return;
  lower_add_arg(launch, LOWER_ARG_INDEX_ERROR_WORD, 0);
  lower_add_arg(launch, LOWER_ARG_INDEX_SITE, 0);
}
