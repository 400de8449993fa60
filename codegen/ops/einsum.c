/* Einsum: one thread per output element; its coordinates give the output labels' values, and
 * it loops over every combination of the summed labels, adding the product of the operands'
 * elements there (an operand's repeated label reads its diagonal; a size-1 ellipsis dim
 * broadcasts). Accumulates in f32 (f64 for f64, the integer type for integers). */
#include "codegen/ops/movement_util.h"
#include "codegen/ops/per_output.h"
#include "codegen/ops/pointwise_util.h"
#include "ir/einsum.h"
#include "ir/infer.h"

#include "codegen/llvm_build.h"

/* Element offset of operand k for the labels' values. */
static LLVMValueRef operand_offset(kernel_builder *kb, const ir_einsum *e, const ir_type *type,
                                   int k, LLVMValueRef *values) {
  int64_t strides[IR_MAX_RANK];
  mv_contiguous_strides(type, strides);
  LLVMValueRef offset = kb_const_i32(kb, 0);
  for (int d = 0; d < e->ranks[k]; d++)
    if (type->dims[d] != 1)
      offset = LLVMBuildAdd(
          B, offset, LLVMBuildMul(B, values[e->labels[k][d]], kb_const_i32(kb, strides[d]), ""),
          "");
  return offset;
}

static LLVMValueRef multiply(kernel_builder *kb, ir_dtype compute, LLVMValueRef a, LLVMValueRef b) {
  return ir_dtype_is_float(compute) ? LLVMBuildFMul(B, a, b, "") : LLVMBuildMul(B, a, b, "");
}

int lower_einsum(lower_context *ctx, const ir_node *node, lower_result *out) {
  const char *equation;
  if (ir_attr_string(node, "equation", "", &equation, ctx->diag) != 0)
    return -1;
  const ir_type *types[IR_EINSUM_MAX_OPERANDS];
  for (int i = 0; i < node->num_inputs && i < IR_EINSUM_MAX_OPERANDS; i++)
    types[i] = &node->inputs[i]->type;
  ir_einsum e;
  char error[256];
  if (ir_einsum_parse(equation, types, node->num_inputs, &e, error, sizeof error) != 0)
    return ir_node_error(ctx->diag, node, "equation '%s': %s", equation, error);
  ir_dtype dtype = types[0]->dtype, compute = pw_compute_dtype(dtype);
  if (dtype == IR_DTYPE_BOOL)
    return ir_node_error(ctx->diag, node, "no kernel for Einsum on bool");
  int64_t summed_dims[IR_EINSUM_MAX_LABELS], summed_count = 1;
  for (int s = 0; s < e.summed_count; s++) {
    summed_dims[s] = e.sizes[e.summed_labels[s]];
    summed_count *= summed_dims[s];
  }
  if (summed_count > INT32_MAX || e.summed_count > IR_MAX_RANK)
    return ir_node_error(ctx->diag, node, "sums over more than 2^31 terms or %d labels",
                         IR_MAX_RANK);
  po_kernel p;
  if (po_begin(ctx, node, out, "einsum", &p) != 0)
    return -1;
  kernel_builder *kb = ctx->kb;
  const ir_type *y = &node->outputs[0]->type;
  LLVMValueRef values[IR_EINSUM_MAX_LABELS], coords[IR_MAX_RANK];
  mv_unravel(kb, p.index, y->rank, y->dims, coords);
  for (int d = 0; d < e.output_rank; d++)
    values[e.output_labels[d]] = coords[d];
  LLVMTypeRef type = pw_storage_type(kb, compute);
  kb_var *sum = kb_thread_var(kb, type, "sum");
  kb_var_store(kb, sum, LLVMConstNull(type));
  LLVMValueRef term = kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, summed_count),
                                   kb_const_i32(kb, 1));
  LLVMValueRef summed[IR_MAX_RANK];
  mv_unravel(kb, term, e.summed_count, summed_dims, summed);
  for (int s = 0; s < e.summed_count; s++)
    values[e.summed_labels[s]] = summed[s];
  LLVMValueRef product = NULL;
  for (int k = 0; k < e.operand_count; k++) {
    LLVMValueRef at = operand_offset(kb, &e, types[k], k, values);
    LLVMValueRef v = pw_convert(kb, pw_load(kb, dtype, p.input[k], at), dtype, compute);
    product = product ? multiply(kb, compute, product, v) : v;
  }
  LLVMValueRef total = kb_var_load(kb, sum);
  kb_var_store(kb, sum, ir_dtype_is_float(compute) ? LLVMBuildFAdd(B, total, product, "")
                                                   : LLVMBuildAdd(B, total, product, ""));
  kb_for_end(kb);
  pw_store(kb, dtype, p.output, p.index, pw_convert(kb, kb_var_load(kb, sum), compute, dtype));
  return po_end(ctx, node);
}
