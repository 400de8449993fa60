/* Gradient rules of one-input elementwise math and activations: dx = g * f'(x), with f'
 * written in existing ops, from the output y where that is cheaper (Exp, Sigmoid, Tanh). */
#include <math.h>

#include "ir/infer.h"
#include "passes/autodiff/grad.h"

static ir_value *x_of(grad_context *ctx) { return ad_input(ctx, 0); }
static ir_value *y_of(grad_context *ctx) { return ctx->node->outputs[0]; }

static float float_attribute(grad_context *ctx, const char *name) {
  float value = 0.0f;
  if (ir_attr_float_default(ctx->node, name, &value, ctx->build.diag) != 0)
    ctx->build.failed = true;
  return value;
}

/* input 0's gradient = g * derivative. */
static int chain(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads,
                 ir_value *derivative) {
  input_grads[0] = ad_mul(ctx, output_grads[0], derivative);
  return ad_status(ctx);
}

int grad_abs(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return chain(ctx, output_grads, input_grads, ad_unary(ctx, IR_OP_SIGN, x_of(ctx)));
}

int grad_exp(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return chain(ctx, output_grads, input_grads, y_of(ctx));
}

int grad_log(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ad_div(ctx, output_grads[0], x_of(ctx));
  return ad_status(ctx);
}

/* d sqrt(x) = 0.5 / y. */
int grad_sqrt(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ad_div(ctx, ad_scale(ctx, output_grads[0], 0.5), y_of(ctx));
  return ad_status(ctx);
}

/* d (1/x) = -y^2. */
int grad_reciprocal(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *y = y_of(ctx);
  input_grads[0] = ad_unary(ctx, IR_OP_NEG, ad_mul(ctx, output_grads[0], ad_mul(ctx, y, y)));
  return ad_status(ctx);
}

int grad_relu(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ad_mask(ctx, ad_compare(ctx, IR_OP_GREATER, x_of(ctx), 0.0), output_grads[0]);
  return ad_status(ctx);
}

int grad_leaky_relu(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *g = output_grads[0];
  double alpha = float_attribute(ctx, "alpha");
  input_grads[0] = ir_build_where(&ctx->build, ad_compare(ctx, IR_OP_GREATER, x_of(ctx), 0.0), g,
                                  ad_scale(ctx, g, alpha));
  return ad_status(ctx);
}

/* Elu: x > 0 ? 1 : y + alpha. */
int grad_elu(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *g = output_grads[0];
  double alpha = float_attribute(ctx, "alpha");
  input_grads[0] = ir_build_where(&ctx->build, ad_compare(ctx, IR_OP_GREATER, x_of(ctx), 0.0), g,
                                  ad_mul(ctx, g, ad_offset(ctx, y_of(ctx), alpha)));
  return ad_status(ctx);
}

/* Selu: x > 0 ? gamma : y + gamma * alpha. */
int grad_selu(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *g = output_grads[0];
  double alpha = float_attribute(ctx, "alpha"), gamma = float_attribute(ctx, "gamma");
  input_grads[0] = ir_build_where(&ctx->build, ad_compare(ctx, IR_OP_GREATER, x_of(ctx), 0.0),
                                  ad_scale(ctx, g, gamma),
                                  ad_mul(ctx, g, ad_offset(ctx, y_of(ctx), gamma * alpha)));
  return ad_status(ctx);
}

/* Sigmoid: y (1 - y). */
int grad_sigmoid(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *y = y_of(ctx);
  ir_value *one_minus = ad_sub(ctx, ir_build_scalar(&ctx->build, y->type.dtype, 1.0), y);
  return chain(ctx, output_grads, input_grads, ad_mul(ctx, y, one_minus));
}

/* Tanh: 1 - y^2. */
int grad_tanh(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *y = y_of(ctx);
  ir_value *derivative =
      ad_sub(ctx, ir_build_scalar(&ctx->build, y->type.dtype, 1.0), ad_mul(ctx, y, y));
  return chain(ctx, output_grads, input_grads, derivative);
}

/* Softplus: log(1 + e^x)' = sigmoid(x). */
int grad_softplus(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return chain(ctx, output_grads, input_grads, ad_unary(ctx, IR_OP_SIGMOID, x_of(ctx)));
}

/* HardSigmoid: alpha where the line alpha x + beta is inside (0, 1), else 0. */
int grad_hard_sigmoid(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *y = y_of(ctx);
  double alpha = float_attribute(ctx, "alpha");
  ir_value *inside = ad_binary(ctx, IR_OP_AND, ad_compare(ctx, IR_OP_GREATER, y, 0.0),
                               ad_compare(ctx, IR_OP_LESS, y, 1.0));
  input_grads[0] = ad_mask(ctx, inside, ad_scale(ctx, output_grads[0], alpha));
  return ad_status(ctx);
}

/* HardSwish: x * clamp(x / 6 + 1/2, 0, 1): 0 below -3, 1 above 3, x / 3 + 1/2 between. */
int grad_hard_swish(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *g = output_grads[0], *x = x_of(ctx);
  ir_value *middle = ad_mul(ctx, g, ad_offset(ctx, ad_scale(ctx, x, 1.0 / 3.0), 0.5));
  ir_value *upper = ir_build_where(&ctx->build, ad_compare(ctx, IR_OP_GREATER, x, 3.0), g, middle);
  input_grads[0] = ad_mask(ctx, ad_compare(ctx, IR_OP_GREATER_OR_EQUAL, x, -3.0), upper);
  return ad_status(ctx);
}

/* Erf: 2 / sqrt(pi) * exp(-x^2). */
int grad_erf(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *x = x_of(ctx);
  ir_value *bell = ad_unary(ctx, IR_OP_EXP, ad_unary(ctx, IR_OP_NEG, ad_mul(ctx, x, x)));
  return chain(ctx, output_grads, input_grads, ad_scale(ctx, bell, 2.0 / sqrt(M_PI)));
}

/* Gelu, exact: Phi(x) + x phi(x) = 0.5 (1 + erf(x / sqrt 2)) + x exp(-x^2 / 2) / sqrt(2 pi).
 * Tanh form: with u = sqrt(2/pi) (x + 0.044715 x^3), t = tanh(u):
 * 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2). */
int grad_gelu(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  const char *approximate = "none";
  if (ir_attr_string_default(ctx->node, "approximate", &approximate, ctx->build.diag) != 0)
    return -1;
  ir_value *x = x_of(ctx), *square = ad_mul(ctx, x, x), *derivative;
  if (approximate[0] == 't') {
    double k = sqrt(2.0 / M_PI), c = 0.044715;
    ir_value *u = ad_scale(ctx, ad_mul(ctx, x, ad_offset(ctx, ad_scale(ctx, square, c), 1.0)), k);
    ir_value *t = ad_unary(ctx, IR_OP_TANH, u);
    ir_value *half_one_plus_t = ad_scale(ctx, ad_offset(ctx, t, 1.0), 0.5);
    ir_value *sech2 =
        ad_sub(ctx, ir_build_scalar(&ctx->build, x->type.dtype, 1.0), ad_mul(ctx, t, t));
    ir_value *du = ad_scale(ctx, ad_offset(ctx, ad_scale(ctx, square, 3.0 * c), 1.0), k);
    derivative =
        ad_add(ctx, half_one_plus_t, ad_mul(ctx, ad_scale(ctx, x, 0.5), ad_mul(ctx, sech2, du)));
  } else {
    ir_value *cdf = ad_scale(
        ctx, ad_offset(ctx, ad_unary(ctx, IR_OP_ERF, ad_scale(ctx, x, 1.0 / sqrt(2.0))), 1.0), 0.5);
    ir_value *pdf = ad_scale(ctx, ad_unary(ctx, IR_OP_EXP, ad_scale(ctx, square, -0.5)),
                             1.0 / sqrt(2.0 * M_PI));
    derivative = ad_add(ctx, cdf, ad_mul(ctx, x, pdf));
  }
  return chain(ctx, output_grads, input_grads, derivative);
}
