/* Gradient rules of BatchNormalization (inference form: statistics are inputs, so the
 * training form's batch statistics, imported as ReduceMean/Sub/Mul ops, get theirs through
 * its mean and var inputs) and LayerNormalization (statistics recomputed from x). */
#include "ir/infer.h"
#include "passes/autodiff/grad.h"

/* A per-channel [C] value as [C, 1, ...] to broadcast against x [N, C, ...]. */
static ir_value *per_channel(grad_context *ctx, ir_value *value, int rank) {
  int64_t dims[IR_MAX_RANK] = {value ? value->type.dims[0] : 0};
  for (int d = 1; d < rank - 1; d++)
    dims[d] = 1;
  return ad_reshape_dims(ctx, value, dims, rank - 1);
}

/* y = (x - mean) * s + bias with s = scale / sqrt(var + epsilon), per channel (axis 1):
 * dx = g s, dbias = sum g, dscale = sum(g (x - mean)) / sqrt(var + epsilon),
 * dmean = -s sum g, dvar = -scale / 2 (var + epsilon)^(-3/2) sum(g (x - mean)),
 * the sums over every axis but the channel. */
int grad_batch_normalization(grad_context *ctx, ir_value *const *output_grads,
                             ir_value **input_grads) {
  ir_value *x = ad_input(ctx, 0), *scale = ad_input(ctx, 1), *mean = ad_input(ctx, 3);
  ir_value *var = ad_input(ctx, 4), *g = output_grads[0];
  float epsilon = 1e-5f;
  int64_t training = 0;
  if (ir_attr_float_default(ctx->node, "epsilon", &epsilon, ctx->build.diag) != 0 ||
      ir_attr_int_default(ctx->node, "training_mode", &training, ctx->build.diag) != 0)
    return -1;
  if (training)
    return ad_error(ctx, "the training form has no rule (the ONNX importer expands it into "
                         "ops that have)");
  int rank = x->type.rank;
  int64_t axes[IR_MAX_RANK];
  int count = 0;
  for (int d = 0; d < rank; d++)
    if (d != 1)
      axes[count++] = d;
  ir_value *inverse =
      ad_unary(ctx, IR_OP_RECIPROCAL, ad_unary(ctx, IR_OP_SQRT, ad_offset(ctx, var, epsilon)));
  ir_value *s = ad_mul(ctx, scale, inverse);
  ir_value *g_sum = ad_reduce_sum(ctx, g, axes, count, false);
  ir_value *centered_sum = NULL;
  if (ad_wanted(ctx, 1) || ad_wanted(ctx, 4)) {
    ir_value *centered = ad_sub(ctx, x, per_channel(ctx, mean, rank));
    centered_sum = ad_reduce_sum(ctx, ad_mul(ctx, g, centered), axes, count, false);
  }
  if (ad_wanted(ctx, 0))
    input_grads[0] = ad_mul(ctx, g, per_channel(ctx, s, rank));
  if (ad_wanted(ctx, 1))
    input_grads[1] = ad_mul(ctx, centered_sum, inverse);
  if (ad_wanted(ctx, 2))
    input_grads[2] = g_sum;
  if (ad_wanted(ctx, 3))
    input_grads[3] = ad_unary(ctx, IR_OP_NEG, ad_mul(ctx, g_sum, s));
  if (ad_wanted(ctx, 4)) {
    ir_value *cubed = ad_mul(ctx, inverse, ad_mul(ctx, inverse, inverse));
    input_grads[4] = ad_mul(ctx, ad_scale(ctx, ad_mul(ctx, centered_sum, scale), -0.5), cubed);
  }
  return ad_status(ctx);
}

/* Over the normalized axes [axis, rank), with xhat = (x - mean) / sigma and h = g * scale:
 * dx = (h - mean(h) - xhat mean(h xhat)) / sigma; dscale = g xhat and dbias = g, each summed
 * back to its shape. The statistics are recomputed from x (outputs 1 and 2, Mean and
 * InvStdDev, are not differentiated: refused if the loss depends on them). */
int grad_layer_normalization(grad_context *ctx, ir_value *const *output_grads,
                             ir_value **input_grads) {
  ir_value *x = ad_input(ctx, 0), *scale = ad_input(ctx, 1), *g = output_grads[0];
  for (int j = 1; j < ctx->node->num_outputs; j++)
    if (output_grads[j])
      return ad_error(ctx, "output %d (the %s) has a gradient; only output 0 has a rule", j,
                      j == 1 ? "mean" : "inverse standard deviation");
  if (!g)
    return ad_error(ctx, "output 0 has no gradient");
  int64_t axis_attribute = -1;
  float epsilon = 1e-5f;
  int axis;
  if (ir_attr_int_default(ctx->node, "axis", &axis_attribute, ctx->build.diag) != 0 ||
      ir_attr_float_default(ctx->node, "epsilon", &epsilon, ctx->build.diag) != 0 ||
      ir_normalize_axis(axis_attribute, x->type.rank, &axis) != 0)
    return ad_error(ctx, "its axis or epsilon could not be read");
  int64_t axes[IR_MAX_RANK];
  int count = 0;
  for (int d = axis; d < x->type.rank; d++)
    axes[count++] = d;
  ir_value *mean = ad_reduce(ctx, IR_OP_REDUCE_MEAN, x, axes, count, true);
  ir_value *centered = ad_sub(ctx, x, mean);
  ir_value *var =
      ad_reduce(ctx, IR_OP_REDUCE_MEAN, ad_mul(ctx, centered, centered), axes, count, true);
  ir_value *inverse =
      ad_unary(ctx, IR_OP_RECIPROCAL, ad_unary(ctx, IR_OP_SQRT, ad_offset(ctx, var, epsilon)));
  ir_value *normalized = ad_mul(ctx, centered, inverse);
  if (ad_wanted(ctx, 0)) {
    ir_value *h = ad_mul(ctx, g, scale);
    ir_value *h_mean = ad_reduce(ctx, IR_OP_REDUCE_MEAN, h, axes, count, true);
    ir_value *h_dot =
        ad_reduce(ctx, IR_OP_REDUCE_MEAN, ad_mul(ctx, h, normalized), axes, count, true);
    ir_value *inner = ad_sub(ctx, ad_sub(ctx, h, h_mean), ad_mul(ctx, normalized, h_dot));
    input_grads[0] = ad_mul(ctx, inner, inverse);
  }
  if (ad_wanted(ctx, 1))
    input_grads[1] = ad_sum_to(ctx, ad_mul(ctx, g, normalized), &scale->type);
  if (ad_wanted(ctx, 2))
    input_grads[2] = ad_sum_to(ctx, g, &ad_input(ctx, 2)->type);
  return ad_status(ctx);
}
