/* Gradient rule of NegativeLogLikelihoodLoss (input [N, C, d...] of log-probabilities, target
 * [N, d...], weight [C]?): loss_e = -w_e input[n, t_e, d] with w_e = weight[t_e] (1 without
 * weights; 0 where t_e is ignore_index), so
 *   d input = -coef * G,  coef = OneHot(t, C, axis 1) * weight * (t != ignore_index)
 * with G the loss gradient per target (reduction none), the scalar gradient (sum), or the
 * scalar gradient over sum(w_e) (mean). The target gets none; a weight that depends on a value
 * to differentiate is refused. */
#include "ir/infer.h"
#include "passes/autodiff/grad.h"

#include <string.h>

/* [N, d...] → [N, 1, d...] */
static ir_value *with_class_axis(grad_context *ctx, ir_value *value) {
  if (!value)
    return NULL;
  int64_t dims[IR_MAX_RANK] = {value->type.dims[0], 1};
  for (int d = 1; d < value->type.rank; d++)
    dims[d + 1] = value->type.dims[d];
  return ad_reshape_dims(ctx, value, dims, value->type.rank + 1);
}

int grad_negative_log_likelihood_loss(grad_context *ctx, ir_value *const *output_grads,
                                      ir_value **input_grads) {
  ir_value *input = ad_input(ctx, 0), *target = ad_input(ctx, 1), *weight = ad_input(ctx, 2);
  ir_value *g = output_grads[0];
  const char *reduction = "mean";
  if (!ad_require_static(ctx, input) ||
      ir_attr_string_default(ctx->node, "reduction", &reduction, ctx->build.diag) != 0)
    return -1;
  ir_dtype dtype = input->type.dtype;
  int64_t classes = input->type.dims[1], one_hot_axis = 1;
  const ir_attr *ignore = ir_node_attr(ctx->node, "ignore_index");
  ir_value *kept = NULL, *safe_target = target;
  if (ignore) {
    unsigned char data[8] = {0};
    ir_element_set_int(target->type.dtype, data, 0, ignore->as.i);
    ir_value *ignored =
        ad_binary(ctx, IR_OP_EQUAL, target,
                  ir_build_constant(&ctx->build, ir_type_scalar(target->type.dtype), data));
    kept = ir_build_where(&ctx->build, ignored, ir_build_scalar(&ctx->build, dtype, 0.0),
                          ir_build_scalar(&ctx->build, dtype, 1.0));
    /* an ignored target may be any number: class 0 stands in, and `kept` zeroes it */
    memset(data, 0, sizeof data);
    safe_target = ir_build_where(
        &ctx->build, ignored,
        ir_build_constant(&ctx->build, ir_type_scalar(target->type.dtype), data), target);
  }
  unsigned char off_on[16] = {0};
  ir_element_set_float(dtype, off_on, 1, 1.0);
  int64_t two = 2;
  ir_value *one_hot_inputs[3] = {
      safe_target, ir_build_ints(&ctx->build, &classes, 1),
      ir_build_constant(&ctx->build, ir_type_make(dtype, 1, &two), off_on)};
  ir_node *one_hot = ir_build_start(&ctx->build, IR_OP_ONE_HOT, one_hot_inputs, 3);
  ir_build_set_int(&ctx->build, one_hot, "axis", one_hot_axis);
  ir_value *coef = ir_build_finish(&ctx->build, one_hot); /* [N, C, d...] */
  if (weight) {
    int64_t dims[IR_MAX_RANK] = {1, classes};
    for (int d = 2; d < input->type.rank; d++)
      dims[d] = 1;
    coef = ad_mul(ctx, coef, ad_reshape_dims(ctx, weight, dims, input->type.rank));
  }
  if (kept)
    coef = ad_mul(ctx, coef, with_class_axis(ctx, kept));
  ir_value *per_target;
  if (strcmp(reduction, "none") == 0) {
    per_target = with_class_axis(ctx, g);
  } else if (strcmp(reduction, "sum") == 0) {
    per_target = g;
  } else {
    int64_t axes[IR_MAX_RANK];
    for (int d = 0; d < input->type.rank; d++)
      axes[d] = d;
    per_target = ad_div(ctx, g, ad_reduce_sum(ctx, coef, axes, input->type.rank, false));
  }
  input_grads[0] = ad_unary(ctx, IR_OP_NEG, ad_mul(ctx, coef, per_target));
  return ad_status(ctx);
}
