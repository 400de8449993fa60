/* --check-indices: kernels that read indices (Gather) still clamp an out-of-range index, and
 * with the check also record the first one in the run's index error word, which libdlrt reads
 * after the launches (dlrt_program.index_check_offset, docs/runtime.md). */
#ifndef DLCC_CODEGEN_OPS_INDEX_CHECK_H
#define DLCC_CODEGEN_OPS_INDEX_CHECK_H

#include "codegen/ops/op_lowering.h"

enum { INDEX_CHECK_PARAM_COUNT = 2 };

/* Appends the check's kernel parameters (the error word, the site number) to `params`, which
 * holds `count` and has room for INDEX_CHECK_PARAM_COUNT more, when ctx checks; returns the
 * new count. */
int index_check_params(const lower_context *ctx, kb_param *params, int count);
/* Inside a kernel whose parameters were extended by index_check_params at `first_param`:
 * where `out_of_range` (i1) holds, records the site in the error word unless an earlier site
 * is there. Nothing when ctx does not check. */
void index_check_record(const lower_context *ctx, int first_param, LLVMValueRef out_of_range);
/* The launch arguments of those parameters. */
void index_check_args(const lower_context *ctx, lower_launch *launch);

#endif
