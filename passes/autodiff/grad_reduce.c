/* Gradient rules of reductions: ReduceSum and ReduceMean spread the gradient back over the
 * reduced axes; ReduceMax/Min and the global pools give it to the elements that were the
 * extremum (shared equally on a tie). */
#include "ir/infer.h"
#include "passes/autodiff/grad.h"

/* The reduced axes of a Reduce* node (every axis when none are given), as booleans. */
static int reduced_axes(grad_context *ctx, bool *reduced) {
  const ir_node *node = ctx->node;
  int rank = ad_input(ctx, 0)->type.rank, count = 0;
  int64_t axes[IR_MAX_RANK], noop = 0;
  if (ir_node_input(node, 1) &&
      ir_node_constant_ints(node, 1, axes, IR_MAX_RANK, &count, ctx->build.diag) != 0)
    return -1;
  if (ir_attr_int_default(node, "noop_with_empty_axes", &noop, ctx->build.diag) != 0 ||
      ir_normalize_axes(node, "axes", axes, count, rank, ctx->build.diag) != 0)
    return -1;
  for (int d = 0; d < rank; d++)
    reduced[d] = count == 0 && !noop;
  for (int i = 0; i < count; i++)
    reduced[axes[i]] = true;
  return 0;
}

/* The output gradient with the reduced axes back as 1s, and the element count reduced into
 * each output element. */
static ir_value *kept_grad(grad_context *ctx, ir_value *g, const bool *reduced,
                           int64_t *out_count) {
  const ir_type *x = &ad_input(ctx, 0)->type;
  int64_t dims[IR_MAX_RANK];
  *out_count = 1;
  for (int d = 0; d < x->rank; d++) {
    dims[d] = reduced[d] ? 1 : x->dims[d];
    *out_count *= reduced[d] ? x->dims[d] : 1;
  }
  return ad_reshape_dims(ctx, g, dims, x->rank);
}

/* The gradient of an extremum y (x's dims with 1s on reduced axes) with gradient g (same dims):
 * g / ties where x == y, 0 elsewhere. */
static ir_value *to_extremum(grad_context *ctx, ir_value *x, ir_value *y, ir_value *g,
                             const bool *reduced) {
  int64_t axes[IR_MAX_RANK];
  int count = 0;
  for (int d = 0; d < x->type.rank; d++)
    if (reduced[d])
      axes[count++] = d;
  ir_value *hit = ad_binary(ctx, IR_OP_EQUAL, x, ad_expand(ctx, y, &x->type));
  ir_value *zero = ir_build_scalar(&ctx->build, x->type.dtype, 0.0),
           *one = ir_build_scalar(&ctx->build, x->type.dtype, 1.0);
  ir_value *ties =
      ad_reduce_sum(ctx, ir_build_where(&ctx->build, hit, one, zero), axes, count, true);
  return ad_mask(ctx, hit, ad_expand(ctx, ad_div(ctx, g, ties), &x->type));
}

typedef enum { SPREAD_SUM, SPREAD_MEAN, TO_EXTREMUM } reduction_grad;

/* The gradient of input 0 of a reduction over its `reduced` axes, from the output gradient
 * with those axes back as 1s: spread back over them (summed or averaged), or given to the
 * extremum. */
static int reduction(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads,
                     const bool *reduced, reduction_grad kind) {
  ir_value *x = ad_input(ctx, 0);
  int64_t count;
  ir_value *g = kept_grad(ctx, output_grads[0], reduced, &count);
  if (kind == TO_EXTREMUM)
    input_grads[0] =
        to_extremum(ctx, x, kept_grad(ctx, ctx->node->outputs[0], reduced, &count), g, reduced);
  else
    input_grads[0] =
        ad_expand(ctx, kind == SPREAD_MEAN ? ad_scale(ctx, g, 1.0 / (double)count) : g, &x->type);
  return ad_status(ctx);
}

/* A Reduce* node: over its axes. */
static int reduce(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads,
                  reduction_grad kind) {
  bool reduced[IR_MAX_RANK];
  if (!ad_require_static(ctx, ad_input(ctx, 0)) || reduced_axes(ctx, reduced) != 0)
    return -1;
  return reduction(ctx, output_grads, input_grads, reduced, kind);
}

/* A global pool: over every axis after the first two. */
static int global_pool(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads,
                       reduction_grad kind) {
  ir_value *x = ad_input(ctx, 0);
  bool reduced[IR_MAX_RANK];
  if (!ad_require_static(ctx, x))
    return -1;
  for (int d = 0; d < x->type.rank; d++)
    reduced[d] = d >= 2;
  return reduction(ctx, output_grads, input_grads, reduced, kind);
}

int grad_reduce_sum(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return reduce(ctx, output_grads, input_grads, SPREAD_SUM);
}

int grad_reduce_mean(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return reduce(ctx, output_grads, input_grads, SPREAD_MEAN);
}

int grad_reduce_extremum(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return reduce(ctx, output_grads, input_grads, TO_EXTREMUM);
}

int grad_global_average_pool(grad_context *ctx, ir_value *const *output_grads,
                             ir_value **input_grads) {
  return global_pool(ctx, output_grads, input_grads, SPREAD_MEAN);
}

int grad_global_max_pool(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return global_pool(ctx, output_grads, input_grads, TO_EXTREMUM);
}
