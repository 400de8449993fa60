/* EyeLike: one thread per element writes 1 where column - row == k, else 0, in the output's
 * type. */
#include "codegen/ops/per_output.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_eye_like(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *y = &node->outputs[0]->type;
  int64_t k;
  if (ir_attr_int_default(node, "k", &k, ctx->diag) != 0)
    return -1;
  po_kernel p;
  if (po_begin(ctx, node, out, "eye_like", &p) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMValueRef columns = kb_const_i32(kb, y->dims[1]);
  LLVMValueRef row = LLVMBuildUDiv(B, p.index, columns, ""),
               column = LLVMBuildURem(B, p.index, columns, "");
  LLVMTypeRef i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef offset = LLVMBuildSub(B, LLVMBuildZExt(B, column, i64, ""),
                                     LLVMBuildZExt(B, row, i64, ""), "");
  LLVMValueRef on = LLVMBuildICmp(B, LLVMIntEQ, offset, LLVMConstInt(i64, (uint64_t)k, 1), "");
  LLVMValueRef value = LLVMBuildZExt(B, on, LLVMInt32TypeInContext(kb_context(kb)), "");
  pw_store(kb, y->dtype, p.output, p.index, pw_convert(kb, value, IR_DTYPE_I32, y->dtype));
  return po_end(ctx, node);
}
