/* Kernels with one thread per line of a tensor along one axis (ArgMax/ArgMin, Hardmax,
 * LpNormalization, CumSum/CumProd): the tensor seen as [outer, length, inner], a line is an
 * (outer, inner) pair and its element r sits at first + r * inner. Lines are few and short in
 * these ops' uses; each thread walks its line in order, so results are deterministic. */
#ifndef DLCC_CODEGEN_OPS_AXIS_LINES_H
#define DLCC_CODEGEN_OPS_AXIS_LINES_H

#include "codegen/ops/pointwise_util.h"

typedef struct axis_lines {
  int64_t outer, length, inner, lines;
  uint32_t grid;
} axis_lines;

/* The lines of `type` (static, checked by the caller) along `axis` (normalized). */
void axis_lines_plan(const ir_type *type, int axis, axis_lines *out);
/* Checks the node's input 0 and output 0 for the kernels (static shapes, sizes, dtypes) and
 * reads its normalized `axis` attribute into *axis; errors name the node. */
int axis_lines_check(lower_context *ctx, const ir_node *node, int *axis);
/* Adds the launch of kernel `what` over the plan's lines, opens the kernel and a grid-stride
 * loop over lines; returns the offset of the line's element 0 (NULL on error, reported). Close
 * with axis_lines_end. With `hooks` (a group root: ArgMax/ArgMin) the launch reads and writes
 * what the group binds, through lower_group_load/store; otherwise its parameters are input 0
 * and output 0. */
LLVMValueRef axis_lines_begin(lower_context *ctx, const ir_node *node, const char *what,
                              const axis_lines *plan, bool hooks, lower_result *out);
int axis_lines_end(lower_context *ctx, const ir_node *node);
/* Offset of element r (i32) of the line starting at `first`. */
LLVMValueRef axis_lines_offset(kernel_builder *kb, const axis_lines *plan, LLVMValueRef first,
                               LLVMValueRef r);
/* Element `offset` of input 0, as its compute dtype (through the group with `hooks`). */
LLVMValueRef axis_lines_load(lower_context *ctx, const ir_node *node, bool hooks,
                             LLVMValueRef offset);

#endif
