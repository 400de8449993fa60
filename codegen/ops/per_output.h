/* Kernels with one thread per element of a node's output 0 (EyeLike, OneHot, GatherND,
 * ReverseSequence, TensorScatter, LRN, Einsum): every present input, then the output, as
 * pointer parameters, and the launch over the output's elements. */
#ifndef DLCC_CODEGEN_OPS_PER_OUTPUT_H
#define DLCC_CODEGEN_OPS_PER_OUTPUT_H

#include "codegen/ops/op_lowering.h"

enum { PO_MAX_INPUTS = 8 };

typedef struct po_kernel {
  LLVMValueRef input[PO_MAX_INPUTS]; /* NULL for an absent input */
  LLVMValueRef output;
  LLVMValueRef index; /* this thread's output element (i32) */
  int64_t count;      /* output elements */
} po_kernel;

/* Checks sizes (static, below 2^31 elements, whole-byte dtypes), adds the launch `what` and
 * begins its kernel inside `if (index < count)`. -1 on error (named after the node). */
int po_begin(lower_context *ctx, const ir_node *node, lower_result *out, const char *what,
             po_kernel *kernel);
/* Closes the kernel. */
int po_end(lower_context *ctx, const ir_node *node);

#endif
