/* GatherND: one thread per output element. Its coordinates split into the index tuple's place
 * (the indices' dims but the last, the first batch_dims of them shared with data) and the
 * place in the gathered slice; the tuple's indices (negative from the end, clamped into range)
 * address data after the batch dims. */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/per_output.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

int lower_gather_nd(lower_context *ctx, const ir_node *node, lower_result *out) {
  const ir_type *data = &node->inputs[0]->type, *indices = &node->inputs[1]->type;
  int64_t batch_dims;
  if (ir_attr_int_default(node, "batch_dims", &batch_dims, ctx->diag) != 0)
    return -1;
  int tuple = (int)indices->dims[indices->rank - 1], b = (int)batch_dims;
  int64_t slice = 1, tuples = 1;
  for (int d = b + tuple; d < data->rank; d++)
    slice *= data->dims[d];
  for (int d = b; d + 1 < indices->rank; d++)
    tuples *= indices->dims[d];
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(data, strides);
  int64_t batch_stride = b ? strides[b - 1] : 0; /* a batch: data's dims from b on */
  po_kernel p;
  if (po_begin(ctx, node, out, "gather_nd", &p) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  LLVMValueRef within = LLVMBuildURem(B, p.index, kb_const_i32(kb, slice), "");
  LLVMValueRef place = LLVMBuildUDiv(B, p.index, kb_const_i32(kb, slice), ""); /* batch, tuple */
  LLVMValueRef batch_index = LLVMBuildUDiv(B, place, kb_const_i32(kb, tuples), "");
  LLVMValueRef source =
      LLVMBuildAdd(B, LLVMBuildMul(B, batch_index, kb_const_i32(kb, batch_stride), ""), within, "");
  for (int k = 0; k < tuple; k++) {
    LLVMValueRef j = LLVMBuildAdd(B, LLVMBuildMul(B, place, kb_const_i32(kb, tuple), ""),
                                  kb_const_i32(kb, k), "");
    LLVMValueRef index = mv_load_index(kb, indices->dtype, p.input[1], j, data->dims[b + k], NULL);
    source = LLVMBuildAdd(B, source, LLVMBuildMul(B, index, kb_const_i32(kb, strides[b + k]), ""),
                          "");
  }
  pw_store(kb, data->dtype, p.output, p.index, pw_load(kb, data->dtype, p.input[0], source));
  return po_end(ctx, node);
}
