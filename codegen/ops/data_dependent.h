/* Kernels of ops whose output sizes depend on the data (IR_OP_FLAG_DATA_DEPENDENT): one
 * thread walks the input in order, so the position of every result is known when it is
 * written, and stores each output's actual dims into its dims record (LOWER_ARG_OUTPUT_DIMS).
 * Serial by design: these ops (NonZero, Compress, Unique, NonMaxSuppression) sit at the ends
 * of detection and preprocessing graphs, on small tensors (NonMaxSuppression selects per
 * batch and class in parallel first; only its packing is serial). */
#ifndef DLCC_CODEGEN_OPS_DATA_DEPENDENT_H
#define DLCC_CODEGEN_OPS_DATA_DEPENDENT_H

#include "codegen/ops/op_lowering.h"

enum { DD_MAX_INPUTS = 5, DD_MAX_OUTPUTS = 4 };

/* Where the kernel's parameters are: each present input (-1 when absent), each output and
 * its dims record, and the workspace (-1 without one). */
typedef struct dd_params {
  int input[DD_MAX_INPUTS];
  int output[DD_MAX_OUTPUTS];
  int dims[DD_MAX_OUTPUTS];
  int workspace;
} dd_params;

/* Checks the node's inputs and outputs (static, below 2^31 elements, whole-byte dtypes), adds
 * its one-thread launch `what` (with `workspace_bytes` of workspace when nonzero) and begins
 * its kernel. -1 on error (named after the node). */
int dd_serial_begin(lower_context *ctx, const ir_node *node, lower_result *out, const char *what,
                    int64_t workspace_bytes, dd_params *params);
/* Parameter `index` of the open kernel (a pointer). */
LLVMValueRef dd_param(kernel_builder *kb, int index);
/* Stores dim `d` (an i32 value) of output `output`'s actual dims. */
void dd_store_dim(kernel_builder *kb, const dd_params *params, int output, int d,
                  LLVMValueRef value);
/* Stores every dim of `type` as it is (outputs whose size does not depend on the data). */
void dd_store_static_dims(kernel_builder *kb, const dd_params *params, int output,
                          const ir_type *type);
/* Whether element `index` of `base` (of `dtype`) is not zero (NaN is not zero), as i1. */
LLVMValueRef dd_is_nonzero(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base,
                           LLVMValueRef index);
/* An i32 counter in a per-thread variable, set to 0. */
kb_var *dd_counter(kernel_builder *kb, const char *name);
void dd_increment(kernel_builder *kb, kb_var *counter, LLVMValueRef by_i1);

#endif
