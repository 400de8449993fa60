/* ReverseSequence: one thread per element; at time t < sequence_lens[b] it reads time
 * length - 1 - t of its batch, past the length its own element (lengths clamped into
 * [0, time steps]). */
#include "codegen/ops/per_output.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_reverse_sequence(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *x = &node->inputs[0]->type, *lengths = &node->inputs[1]->type;
  int64_t batch_axis;
  if (ir_attr_int_default(node, "batch_axis", &batch_axis, ctx->diag) != 0)
    return -1;
  int64_t inner = 1, time_axis = 1 - batch_axis;
  for (int d = 2; d < x->rank; d++)
    inner *= x->dims[d];
  int64_t steps = x->dims[time_axis], time_stride = time_axis == 0 ? x->dims[1] * inner : inner;
  po_kernel p;
  if (po_begin(ctx, node, out, "reverse_sequence", &p) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMValueRef rest = LLVMBuildUDiv(B, p.index, kb_const_i32(kb, inner), "");
  LLVMValueRef second = LLVMBuildURem(B, rest, kb_const_i32(kb, x->dims[1]), "");
  LLVMValueRef first = LLVMBuildUDiv(B, rest, kb_const_i32(kb, x->dims[1]), "");
  LLVMValueRef time = time_axis == 0 ? first : second, batch = time_axis == 0 ? second : first;
  LLVMValueRef length =
      pw_convert(kb, pw_load(kb, lengths->dtype, p.input[1], batch), lengths->dtype, IR_DTYPE_I32);
  LLVMValueRef zero = kb_const_i32(kb, 0), most = kb_const_i32(kb, steps);
  length = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSLT, length, zero, ""), zero, length, "");
  length = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntSGT, length, most, ""), most, length, "");
  LLVMValueRef reversed = LLVMBuildICmp(B, LLVMIntSLT, time, length, "");
  LLVMValueRef from_time = LLVMBuildSelect(
      B, reversed, LLVMBuildSub(B, LLVMBuildSub(B, length, kb_const_i32(kb, 1), ""), time, ""),
      time, "");
  LLVMValueRef shift = LLVMBuildMul(B, LLVMBuildSub(B, from_time, time, ""),
                                    kb_const_i32(kb, time_stride), "");
  LLVMValueRef source = LLVMBuildAdd(B, p.index, shift, "");
  pw_store(kb, x->dtype, p.output, p.index, pw_load(kb, x->dtype, p.input[0], source));
  return po_end(ctx, node);
}
