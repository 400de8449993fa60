/* OneHot: one thread per output element compares its coordinate along the axis with the index
 * at its other coordinates (modulo depth, as ONNX's reference: -1 is depth - 1) and writes the
 * on or the off value. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/per_output.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_one_hot(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *y = &node->outputs[0]->type, *indices = &node->inputs[0]->type;
  int64_t axis_attr;
  int axis;
  if (ir_attr_int_default(node, "axis", &axis_attr, ctx->diag) != 0 ||
      ir_normalize_axis(axis_attr, y->rank, &axis) != 0)
    return ir_node_error(ctx->diag, node, "axis is out of range");
  if (indices->dtype == IR_DTYPE_BOOL)
    return ir_node_error(ctx->diag, node, "no kernel for OneHot of bool indices");
  int64_t depth = y->dims[axis], inner = 1;
  for (int d = axis + 1; d < y->rank; d++)
    inner *= y->dims[d];
  po_kernel p;
  if (po_begin(ctx, node, out, "one_hot", &p) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMTypeRef i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef inner_size = kb_const_i32(kb, inner);
  LLVMValueRef within = LLVMBuildURem(B, p.index, inner_size, "");
  LLVMValueRef rest = LLVMBuildUDiv(B, p.index, inner_size, "");
  LLVMValueRef position = LLVMBuildURem(B, rest, kb_const_i32(kb, depth), "");
  LLVMValueRef outer = LLVMBuildUDiv(B, rest, kb_const_i32(kb, depth), "");
  LLVMValueRef at = LLVMBuildAdd(B, LLVMBuildMul(B, outer, inner_size, ""), within, "");
  LLVMValueRef index =
      pw_convert(kb, pw_load(kb, indices->dtype, p.input[0], at), indices->dtype, IR_DTYPE_I64);
  LLVMValueRef size = LLVMConstInt(i64, (uint64_t)depth, 0);
  LLVMValueRef wrapped = LLVMBuildSRem(B, index, size, "");
  wrapped = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, wrapped, LLVMConstInt(i64, 0, 0), ""),
                            LLVMBuildAdd(B, wrapped, size, ""), wrapped, "");
  LLVMValueRef hot = LLVMBuildICmp(B, LLVMIntEQ, wrapped, LLVMBuildZExt(B, position, i64, ""), "");
  LLVMValueRef chosen = LLVMBuildSelect(B, hot, kb_const_i32(kb, 1), kb_const_i32(kb, 0), "");
  pw_store(kb, y->dtype, p.output, p.index, pw_load(kb, y->dtype, p.input[2], chosen));
  return po_end(ctx, node);
}
