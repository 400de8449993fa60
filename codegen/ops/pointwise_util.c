/* Shared helpers of the pointwise/reduction/pooling lowerings (see pointwise_util.h):
 * value checks, kernel parameters and launches, grid-stride loops, broadcast index maps. */
#include "codegen/ops/pointwise_util.h"

#include "codegen/ops/group.h"
#include "ir/checked_math.h"
#include "ir/infer.h"

#include <stdlib.h>
#include <string.h>

#include "codegen/llvm_build.h"
#define CTX (kb_context(kb))
#define I32 (LLVMInt32TypeInContext(CTX))

int pw_check_value(lower_context *ctx, const ir_node *node, const ir_value *value, const char *what,
                   int64_t *out_count) {
  int64_t count = 0;
  if (!value)
    return ir_node_error(ctx->diag, node, "%s is missing", what);
  if (!ir_type_is_static(&value->type) || !ir_type_element_count(&value->type, &count))
    return ir_node_error(ctx->diag, node, "%s '%s' needs a static shape to be compiled", what,
                         value->name);
  if (count > ((int64_t)1 << 30))
    return ir_node_error(ctx->diag, node, "%s '%s' has %lld elements; kernels take at most 2^30",
                         what, value->name, (long long)count);
  if (!pw_dtype_supported(value->type.dtype))
    return ir_node_error(ctx->diag, node, "%s '%s' has element type %s, which has no kernel", what,
                         value->name, ir_dtype_name(value->type.dtype));
  if (out_count)
    *out_count = count;
  return 0;
}

/* --- kernels and launches ------------------------------------------------------------------ */
int pw_kernel_begin(kernel_builder *kb, const lower_launch *launch) {
  return lower_group_kernel_begin(kb, launch->arena, launch);
}

int pw_launch_present_inputs(lower_context *ctx, const ir_node *node, lower_result *out,
                             const char *what, uint32_t grid, int output) {
  lower_launch *launch = lower_add_launch(out, lower_kernel_name(ctx, node, what), grid, PW_BLOCK);
  for (int i = 0; i < node->num_inputs; i++)
    if (ir_node_input(node, i))
      lower_add_arg(launch, LOWER_ARG_INPUT, i);
  lower_add_arg(launch, LOWER_ARG_OUTPUT, output);
  return pw_kernel_begin(ctx->kb, launch);
}

uint32_t pw_grid_for(int64_t work_items) {
  int64_t grid = (work_items + PW_BLOCK - 1) / PW_BLOCK;
  return (uint32_t)(grid < 1 ? 1 : grid > PW_MAX_GRID ? PW_MAX_GRID : grid);
}

LLVMValueRef pw_grid_stride_begin(kernel_builder *kb, int64_t count, uint32_t grid) {
  LLVMValueRef first =
      LLVMBuildAdd(B, LLVMBuildMul(B, kb_block_index(kb, KB_X), kb_const_i32(kb, PW_BLOCK), ""),
                   kb_thread_index(kb, KB_X), "");
  return kb_for_begin(kb, first, kb_const_i32(kb, count), kb_const_i32(kb, (int64_t)grid * PW_BLOCK));
}

int pw_grid_stride_end(kernel_builder *kb) { return kb_for_end(kb); }

/* --- broadcasting ---------------------------------------------------------------------------- */
void pw_broadcast_deinit(pw_broadcast *plan) {
  free(plan->strides);
  plan->strides = NULL;
}

int pw_broadcast_plan(const ir_type *output, const ir_type *const *operands, int count,
                      pw_broadcast *out) {
  memset(out, 0, sizeof(*out));
  out->operand_count = count;
  int64_t dims[IR_MAX_RANK];
  int64_t(*strides)[IR_MAX_RANK] = calloc((size_t)count + 1, sizeof(*strides));
  out->strides = calloc((size_t)count + 1, sizeof(*out->strides));
  if (!strides || !out->strides) {
    free(strides);
    pw_broadcast_deinit(out);
    return -1;
  }
  /* No elements: one empty dim. Strides of 0 x 2^62 x 2^62 would overflow, and none is used. */
  int64_t elements = 0;
  if (dl_checked_product(output->dims, output->rank, &elements) && elements == 0) {
    out->rank = 1;
    free(strides);
    return 0;
  }
  int rank = output->rank;
  for (int d = 0; d < rank; d++)
    dims[d] = output->dims[d];
  for (int k = 0; k < count; k++) {
    const ir_type *t = operands[k];
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
      int source = d - (rank - t->rank);
      int64_t size = source >= 0 ? t->dims[source] : 1;
      strides[k][d] = size == 1 ? 0 : stride;
      stride *= size;
    }
  }
  /* Drop size-1 dims, then merge a dim into the one before it where every operand is
   * contiguous across the pair (or broadcast along both). */
  for (int d = 0; d < rank; d++) {
    if (dims[d] == 1)
      continue;
    int last = out->rank - 1;
    bool mergeable = last >= 0;
    for (int k = 0; k < count && mergeable; k++)
      mergeable = out->strides[k][last] == strides[k][d] * dims[d];
    if (mergeable) {
      out->dims[last] *= dims[d];
      for (int k = 0; k < count; k++)
        out->strides[k][last] = strides[k][d];
      continue;
    }
    out->dims[out->rank] = dims[d];
    for (int k = 0; k < count; k++)
      out->strides[k][out->rank] = strides[k][d];
    out->rank++;
  }
  free(strides);
  return 0;
}

LLVMValueRef pw_decompose_offset(kernel_builder *kb, LLVMValueRef linear, int rank,
                                 const int64_t *dims, const int64_t *strides) {
  LLVMValueRef offset = kb_const_i32(kb, 0), rest = linear;
  for (int d = rank - 1; d >= 0; d--) {
    LLVMValueRef coordinate = d == 0 ? rest : LLVMBuildURem(B, rest, kb_const_i32(kb, dims[d]), "");
    if (strides[d] != 0)
      offset = LLVMBuildAdd(B, offset, LLVMBuildMul(B, coordinate, kb_const_i32(kb, strides[d]), ""), "");
    if (d > 0)
      rest = LLVMBuildUDiv(B, rest, kb_const_i32(kb, dims[d]), "");
  }
  return offset;
}

void pw_broadcast_offsets(kernel_builder *kb, const pw_broadcast *plan, LLVMValueRef linear,
                          LLVMValueRef *out_offsets) {
  int64_t contiguous[IR_MAX_RANK];
  int64_t stride = 1;
  for (int d = plan->rank - 1; d >= 0; d--) {
    contiguous[d] = stride;
    stride *= plan->dims[d];
  }
  for (int k = 0; k < plan->operand_count; k++) {
    bool same = true, scalar = true;
    for (int d = 0; d < plan->rank; d++) {
      same = same && plan->strides[k][d] == contiguous[d];
      scalar = scalar && plan->strides[k][d] == 0;
    }
    out_offsets[k] =
        same     ? linear
        : scalar ? kb_const_i32(kb, 0)
                 : pw_decompose_offset(kb, linear, plan->rank, plan->dims, plan->strides[k]);
  }
}
