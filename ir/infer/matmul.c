/* Inference of MatMul (numpy semantics: batch broadcasting, 1-D operands) and Gemm. */
#include "ir/infer.h"

/* Two contraction dims agree when equal. They must be static: a kernel's reduction
 * length is fixed at compile time (batch and row dims may be symbolic). */
static bool dims_agree(int64_t a, int64_t b) { return a == b && ir_dim_is_static(a); }

static int contraction_error(ir_graph *graph, const ir_node *node, const ir_type *a,
                             const ir_type *b, dl_diag *diag) {
  char a_text[160], b_text[160];
  return ir_node_error(diag, node,
                       "inner dimensions of %s '%s' and %s '%s' do not match (or are symbolic)",
                       ir_format_type(graph, a, a_text, sizeof(a_text)), node->inputs[0]->name,
                       ir_format_type(graph, b, b_text, sizeof(b_text)), node->inputs[1]->name);
}

int ir_infer_matmul(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *a = &node->inputs[0]->type, *b = &node->inputs[1]->type;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 1, 0, diag) != 0)
    return -1;
  if (a->dtype == IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "MatMul needs a numeric type");
  /* A 1-D left operand is a row [1, K], a 1-D right operand a column [K, 1]; the
   * added dimension is removed from the result again. */
  int64_t k_a = a->dims[a->rank - 1];
  int64_t k_b = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
  if (!dims_agree(k_a, k_b))
    return contraction_error(graph, node, a, b, diag);
  ir_type batch_a = {.dtype = a->dtype, .rank = a->rank > 2 ? a->rank - 2 : 0};
  ir_type batch_b = {.dtype = b->dtype, .rank = b->rank > 2 ? b->rank - 2 : 0};
  for (int i = 0; i < batch_a.rank; i++)
    batch_a.dims[i] = a->dims[i];
  for (int i = 0; i < batch_b.rank; i++)
    batch_b.dims[i] = b->dims[i];
  ir_type result;
  if (ir_broadcast_shapes(&batch_a, &batch_b, &result) != 0) {
    char text[160];
    return ir_input_error(graph, diag, node, 1,
                          "its batch dimensions cannot be broadcast with those of %s",
                          ir_format_type(graph, a, text, sizeof(text)));
  }
  if (a->rank >= 2)
    result.dims[result.rank++] = a->dims[a->rank - 2];
  if (b->rank >= 2)
    result.dims[result.rank++] = b->dims[b->rank - 1];
  return ir_set_output_type(node, 0, result, diag);
}

/* Gemm: Y = alpha * op(A) * op(B) + beta * C, with C broadcast one way to (M, N). */
int ir_infer_gemm(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *a = &node->inputs[0]->type, *b = &node->inputs[1]->type;
  if (ir_expect_rank(graph, node, 0, 2, 2, diag) != 0 ||
      ir_expect_rank(graph, node, 1, 2, 2, diag) != 0 ||
      ir_expect_same_dtype(graph, node, 1, 0, diag) != 0)
    return -1;
  if (a->dtype == IR_DTYPE_BOOL)
    return ir_input_error(graph, diag, node, 0, "Gemm needs a numeric type");
  int64_t trans_a, trans_b;
  float alpha, beta;
  if (ir_attr_int_default(node, "transA", &trans_a, diag) != 0 ||
      ir_attr_int_default(node, "transB", &trans_b, diag) != 0 ||
      ir_attr_float_default(node, "alpha", &alpha, diag) != 0 ||
      ir_attr_float_default(node, "beta", &beta, diag) != 0)
    return -1;
  int64_t m = trans_a ? a->dims[1] : a->dims[0], k_a = trans_a ? a->dims[0] : a->dims[1];
  int64_t k_b = trans_b ? b->dims[1] : b->dims[0], n = trans_b ? b->dims[0] : b->dims[1];
  if (!dims_agree(k_a, k_b))
    return contraction_error(graph, node, a, b, diag);
  ir_type result = {.dtype = a->dtype, .rank = 2, .dims = {m, n}};
  ir_value *c = ir_node_input(node, 2);
  if (c) {
    ir_type broadcast;
    if (ir_expect_same_dtype(graph, node, 2, 0, diag) != 0)
      return -1;
    if (c->type.rank > 2 || ir_broadcast_shapes(&result, &c->type, &broadcast) != 0 ||
        !ir_type_equal(&broadcast, &result)) {
      char text[160];
      return ir_input_error(graph, diag, node, 2, "Gemm needs C to broadcast to %s",
                            ir_format_type(graph, &result, text, sizeof(text)));
    }
  }
  return ir_set_output_type(node, 0, result, diag);
}
