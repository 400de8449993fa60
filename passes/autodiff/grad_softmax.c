/* Gradient rules of Softmax and LogSoftmax along one axis (opset 13: the axis alone):
 * Softmax:    dx = y (g - sum(g y))
 * LogSoftmax: dx = g - exp(y) sum(g)
 * with the sums over the axis, kept as a size-1 axis. */
#include "ir/infer.h"
#include "passes/autodiff/grad.h"

static int softmax_axis(grad_context *ctx, int64_t *out_axis) {
  int axis;
  if (ir_attr_int_default(ctx->node, "axis", out_axis, ctx->build.diag) != 0 ||
      ir_normalize_axis(*out_axis, ad_input(ctx, 0)->type.rank, &axis) != 0)
    return ad_error(ctx, "axis is out of range");
  *out_axis = axis;
  return 0;
}

int grad_softmax(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  int64_t axis;
  if (softmax_axis(ctx, &axis) != 0)
    return -1;
  ir_value *g = output_grads[0], *y = ctx->node->outputs[0];
  ir_value *dot = ad_reduce_sum(ctx, ad_mul(ctx, g, y), &axis, 1, true);
  input_grads[0] = ad_mul(ctx, y, ad_sub(ctx, g, dot));
  return ad_status(ctx);
}

int grad_log_softmax(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  int64_t axis;
  if (softmax_axis(ctx, &axis) != 0)
    return -1;
  ir_value *g = output_grads[0], *y = ctx->node->outputs[0];
  ir_value *total = ad_reduce_sum(ctx, g, &axis, 1, true);
  input_grads[0] = ad_sub(ctx, g, ad_mul(ctx, ad_unary(ctx, IR_OP_EXP, y), total));
  return ad_status(ctx);
}
