/* TensorScatter: one thread per element of the present cache. Along the axis, position s of
 * batch b takes update element s - write_indices[b] when that is in [0, update length) (in
 * circular mode modulo the cache's length), else the past cache's element. */
#include <string.h>

#include "codegen/ops/per_output.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_tensor_scatter(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *past = &node->inputs[0]->type, *update = &node->inputs[1]->type;
  int64_t axis_attr;
  const char *mode;
  int axis;
  if (ir_attr_int_default(node, "axis", &axis_attr, ctx->diag) != 0 ||
      ir_attr_string_default(node, "mode", &mode, ctx->diag) != 0 ||
      ir_normalize_axis(axis_attr, past->rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis is out of range");
  bool circular = strcmp(mode, "circular") == 0;
  int64_t inner = 1, middle = 1; /* elements after the axis; between the batch and the axis */
  for (int d = axis + 1; d < past->rank; d++)
    inner *= past->dims[d];
  for (int d = 1; d < axis; d++)
    middle *= past->dims[d];
  int64_t length = past->dims[axis], written = update->dims[axis];
  const ir_value *indices = ir_node_input(node, 2);
  po_kernel p;
  if (po_begin(ctx, node, out, "tensor_scatter", &p) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMValueRef within = LLVMBuildURem(B, p.index, kb_const_i32(kb, inner), "");
  LLVMValueRef rest = LLVMBuildUDiv(B, p.index, kb_const_i32(kb, inner), "");
  LLVMValueRef position = LLVMBuildURem(B, rest, kb_const_i32(kb, length), "");
  LLVMValueRef line = LLVMBuildUDiv(B, rest, kb_const_i32(kb, length), ""); /* batch, middle */
  LLVMValueRef batch = LLVMBuildUDiv(B, line, kb_const_i32(kb, middle), "");
  LLVMValueRef start = kb_const_i32(kb, 0);
  if (indices)
    start = pw_convert(kb, pw_load(kb, indices->type.dtype, p.input[2], batch),
                       indices->type.dtype, IR_DTYPE_I32);
  LLVMValueRef offset = LLVMBuildSub(B, position, start, "");
  if (circular) { /* (s - start) mod length, non-negative */
    LLVMValueRef size = kb_const_i32(kb, length);
    offset = LLVMBuildSRem(B, offset, size, "");
    offset = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, offset, kb_const_i32(kb, 0), ""),
                             LLVMBuildAdd(B, offset, size, ""), offset, "");
  }
  LLVMValueRef in_update =
      LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntSGE, offset, kb_const_i32(kb, 0), ""),
                   LLVMBuildICmp(B, LLVMIntSLT, offset, kb_const_i32(kb, written), ""), "");
  LLVMValueRef clamped = LLVMBuildSelect(B, in_update, offset, kb_const_i32(kb, 0), "");
  LLVMValueRef from_update = LLVMBuildAdd(
      B,
      LLVMBuildMul(B,
                   LLVMBuildAdd(B, LLVMBuildMul(B, line, kb_const_i32(kb, written), ""), clamped, ""),
                   kb_const_i32(kb, inner), ""),
      within, "");
  kb_if_begin(kb, in_update);
  pw_store(kb, past->dtype, p.output, p.index, pw_load(kb, past->dtype, p.input[1], from_update));
  kb_if_else(kb);
  pw_store(kb, past->dtype, p.output, p.index, pw_load(kb, past->dtype, p.input[0], p.index));
  kb_if_end(kb);
  return po_end(ctx, node);
}
