/* LRN: one thread per element of x [N, C, ...] divides it by (bias + alpha / size * the sum of
 * squares over the channel window [c - floor((size-1)/2), c + ceil((size-1)/2)]) ^ beta, in
 * f32 (f64 for f64). */
#include "codegen/ops/per_output.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_lrn(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type;
  float alpha, beta, bias;
  int64_t size;
  if (ir_attr_float_default(node, "alpha", &alpha, ctx->diag) != 0 ||
      ir_attr_float_default(node, "beta", &beta, ctx->diag) != 0 ||
      ir_attr_float_default(node, "bias", &bias, ctx->diag) != 0 ||
      ir_attr_int_default(node, "size", &size, ctx->diag) != 0)
    return -1;
  if (x->rank < 2 || size < 1)
    return ir_node_error(ctx->diag, node, "LRN needs an input [N, C, ...] and a positive size");
  int64_t inner = 1, channels = x->dims[1];
  for (int d = 2; d < x->rank; d++)
    inner *= x->dims[d];
  ir_dtype compute = x->dtype == IR_DTYPE_F64 ? IR_DTYPE_F64 : IR_DTYPE_F32;
  po_kernel p;
  if (po_begin(ctx, node, out, "lrn", &p) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMTypeRef type = pw_storage_type(kb, compute);
  LLVMValueRef channel =
      LLVMBuildURem(B, LLVMBuildUDiv(B, p.index, kb_const_i32(kb, inner), ""),
                    kb_const_i32(kb, channels), "");
  LLVMValueRef low = LLVMBuildSub(B, channel, kb_const_i32(kb, (size - 1) / 2), "");
  LLVMValueRef high = LLVMBuildAdd(B, channel, kb_const_i32(kb, size / 2 + 1), "");
  LLVMValueRef zero = kb_const_i32(kb, 0), last = kb_const_i32(kb, channels);
  low = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, low, zero, ""), zero, low, "");
  high = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, high, last, ""), last, high, "");
  kb_var *sum = kb_thread_var(kb, type, "sum");
  kb_var_store(kb, sum, LLVMConstReal(type, 0));
  LLVMValueRef c = kb_for_begin(kb, low, high, kb_const_i32(kb, 1));
  LLVMValueRef at = LLVMBuildAdd(
      B, p.index, LLVMBuildMul(B, LLVMBuildSub(B, c, channel, ""), kb_const_i32(kb, inner), ""), "");
  LLVMValueRef v = pw_convert(kb, pw_load(kb, x->dtype, p.input[0], at), x->dtype, compute);
  kb_var_store(kb, sum, LLVMBuildFAdd(B, kb_var_load(kb, sum), LLVMBuildFMul(B, v, v, ""), ""));
  kb_for_end(kb);
  LLVMValueRef base =
      LLVMBuildFAdd(B, LLVMConstReal(type, bias),
                    LLVMBuildFMul(B, LLVMConstReal(type, (double)alpha / (double)size),
                                  kb_var_load(kb, sum), ""),
                    "");
  LLVMValueRef scale =
      pw_exp(kb, LLVMBuildFMul(B, LLVMConstReal(type, beta), pw_log(kb, base), ""));
  LLVMValueRef xv = pw_convert(kb, pw_load(kb, x->dtype, p.input[0], p.index), x->dtype, compute);
  pw_store(kb, x->dtype, p.output, p.index,
           pw_convert(kb, LLVMBuildFDiv(B, xv, scale, ""), compute, x->dtype));
  return po_end(ctx, node);
}
