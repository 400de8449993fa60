/* Gradient rules of MatMul and Gemm: products with the other operand transposed, batch
 * broadcasting summed back; Conv's rule is in grad_conv.c. */
#include "ir/infer.h"
#include "passes/autodiff/grad.h"

/* MatMul(a, b), batched and broadcast; a 1-D operand is a row (a) or a column (b) whose axis
 * the output drops. With a2, b2 and g2 the operands and gradient at rank >= 2:
 * da = g2 b2^T, db = a2^T g2, each summed over the batch axes its operand broadcast along. */
int grad_matmul(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *a = ad_input(ctx, 0), *b = ad_input(ctx, 1), *g = output_grads[0];
  if (!ad_require_static(ctx, a) || !ad_require_static(ctx, b) || !ad_require_static(ctx, g))
    return -1;
  int64_t row[2] = {1, a->type.dims[0]}, column[2] = {b->type.dims[0], 1};
  ir_value *a2 = a->type.rank == 1 ? ad_reshape_dims(ctx, a, row, 2) : a;
  ir_value *b2 = b->type.rank == 1 ? ad_reshape_dims(ctx, b, column, 2) : b;
  int64_t dims[IR_MAX_RANK + 2];
  int rank = g->type.rank;
  for (int d = 0; d < rank; d++)
    dims[d] = g->type.dims[d];
  if (b->type.rank == 1)
    dims[rank++] = 1;
  if (a->type.rank == 1) {
    dims[rank] = dims[rank - 1];
    dims[rank - 1] = 1;
    rank++;
  }
  ir_value *g2 = ad_reshape_dims(ctx, g, dims, rank);
  if (ad_wanted(ctx, 0))
    input_grads[0] = ad_reshape(
        ctx, ad_sum_to(ctx, ad_binary(ctx, IR_OP_MATMUL, g2, ad_swap_last(ctx, b2)), &a2->type),
        &a->type);
  if (ad_wanted(ctx, 1))
    input_grads[1] = ad_reshape(
        ctx, ad_sum_to(ctx, ad_binary(ctx, IR_OP_MATMUL, ad_swap_last(ctx, a2), g2), &b2->type),
        &b->type);
  return ad_status(ctx);
}

static ir_value *gemm(grad_context *ctx, ir_value *a, ir_value *b, double alpha, int trans_a,
                      int trans_b) {
  ir_value *inputs[2] = {a, b};
  ir_node *node = ir_build_start(&ctx->build, IR_OP_GEMM, inputs, 2);
  ir_build_set_float(&ctx->build, node, "alpha", alpha);
  ir_build_set_int(&ctx->build, node, "transA", trans_a);
  ir_build_set_int(&ctx->build, node, "transB", trans_b);
  return ir_build_finish(&ctx->build, node);
}

/* Gemm: Y = alpha A' B' + beta C with A' = transA ? A^T : A (B' alike).
 * dA' = alpha g B'^T, so dA = alpha g B'^T, or its transpose alpha B' g^T when transA;
 * dB' = alpha A'^T g, so dB = alpha A'^T g, or alpha g^T A' when transB; dC = beta g summed
 * to C's shape. */
int grad_gemm(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  int64_t trans_a = 0, trans_b = 0;
  float alpha = 1.0f, beta = 1.0f;
  if (ir_attr_int_default(ctx->node, "transA", &trans_a, ctx->build.diag) != 0 ||
      ir_attr_int_default(ctx->node, "transB", &trans_b, ctx->build.diag) != 0 ||
      ir_attr_float_default(ctx->node, "alpha", &alpha, ctx->build.diag) != 0 ||
      ir_attr_float_default(ctx->node, "beta", &beta, ctx->build.diag) != 0)
    return -1;
  ir_value *a = ad_input(ctx, 0), *b = ad_input(ctx, 1), *g = output_grads[0];
  if (ad_wanted(ctx, 0))
    input_grads[0] = trans_a ? gemm(ctx, b, g, alpha, (int)trans_b, 1)
                             : gemm(ctx, g, b, alpha, 0, trans_b ? 0 : 1);
  if (ad_wanted(ctx, 1))
    input_grads[1] = trans_b ? gemm(ctx, g, a, alpha, 1, (int)trans_a)
                             : gemm(ctx, a, g, alpha, trans_a ? 0 : 1, 0);
  if (ad_wanted(ctx, 2))
    input_grads[2] = ad_sum_to(ctx, ad_scale(ctx, g, beta), &ad_input(ctx, 2)->type);
  return ad_status(ctx);
}
