/* Gradient rules of the arithmetic elementwise ops (Add, Sub, Mul, Div, Neg, Pow, Max, Min),
 * Where, Clip and the ops that pass values through (Identity, Dropout, dl.copy, Cast). A
 * broadcasting input gets its gradient summed back to its own shape (ad_sum_to). */
#include "ir/infer.h"
#include "passes/autodiff/grad.h"

/* Sets the gradient of input k to g summed to its shape, if wanted. */
static void give(grad_context *ctx, ir_value **input_grads, int k, ir_value *g) {
  if (ad_wanted(ctx, k))
    input_grads[k] = ad_sum_to(ctx, g, &ad_input(ctx, k)->type);
}

/* g to input a where `condition` holds and to input b elsewhere (zeros in the other places). */
static int route(grad_context *ctx, ir_value **input_grads, ir_value *condition, ir_value *g, int a,
                 int b) {
  ir_value *zero = g ? ir_build_scalar(&ctx->build, g->type.dtype, 0.0) : NULL;
  if (ad_wanted(ctx, a))
    give(ctx, input_grads, a, ir_build_where(&ctx->build, condition, g, zero));
  if (ad_wanted(ctx, b))
    give(ctx, input_grads, b, ir_build_where(&ctx->build, condition, zero, g));
  return ad_status(ctx);
}

int grad_add(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  give(ctx, input_grads, 0, output_grads[0]);
  give(ctx, input_grads, 1, output_grads[0]);
  return ad_status(ctx);
}

int grad_sub(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  give(ctx, input_grads, 0, output_grads[0]);
  if (ad_wanted(ctx, 1))
    give(ctx, input_grads, 1, ad_unary(ctx, IR_OP_NEG, output_grads[0]));
  return ad_status(ctx);
}

int grad_mul(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *g = output_grads[0];
  if (ad_wanted(ctx, 0))
    give(ctx, input_grads, 0, ad_mul(ctx, g, ad_input(ctx, 1)));
  if (ad_wanted(ctx, 1))
    give(ctx, input_grads, 1, ad_mul(ctx, g, ad_input(ctx, 0)));
  return ad_status(ctx);
}

/* y = a / b: da = g / b, db = -g * y / b. */
int grad_div(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *g = output_grads[0], *b = ad_input(ctx, 1);
  ir_value *g_over_b = ad_div(ctx, g, b);
  give(ctx, input_grads, 0, g_over_b);
  if (ad_wanted(ctx, 1))
    give(ctx, input_grads, 1,
         ad_unary(ctx, IR_OP_NEG, ad_mul(ctx, g_over_b, ctx->node->outputs[0])));
  return ad_status(ctx);
}

int grad_neg(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ad_unary(ctx, IR_OP_NEG, output_grads[0]);
  return ad_status(ctx);
}

/* y = a ^ b: da = g * b * a ^ (b - 1), db = g * y * log(a) (a > 0 where it matters). */
int grad_pow(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *g = output_grads[0], *a = ad_input(ctx, 0), *y = ctx->node->outputs[0];
  if (ad_wanted(ctx, 0)) {
    ir_value *b = ir_build_cast(&ctx->build, ad_input(ctx, 1), a->type.dtype);
    ir_value *power = ad_binary(ctx, IR_OP_POW, a, ad_offset(ctx, b, -1.0));
    give(ctx, input_grads, 0, ad_mul(ctx, g, ad_mul(ctx, b, power)));
  }
  if (ad_wanted(ctx, 1)) {
    ir_value *log_a = ad_unary(ctx, IR_OP_LOG, a);
    ir_value *g_b = ir_build_cast(&ctx->build, ad_mul(ctx, ad_mul(ctx, g, y), log_a),
                                  ad_input(ctx, 1)->type.dtype);
    give(ctx, input_grads, 1, g_b);
  }
  return ad_status(ctx);
}

/* Max and Min of two inputs: the gradient goes to the input that was chosen (to the first on
 * a tie, so no element is counted twice); of one input it passes through. */
static int extremum(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads,
                    ir_op first_wins) {
  ir_value *g = output_grads[0];
  if (ctx->node->num_inputs == 1) {
    input_grads[0] = g;
    return 0;
  }
  if (ctx->node->num_inputs != 2)
    return ad_error(ctx, "%s of %d inputs has no rule (only of one or two)",
                    ir_op_name(ctx->node->op), ctx->node->num_inputs);
  ir_value *first = ad_binary(ctx, first_wins, ad_input(ctx, 0), ad_input(ctx, 1));
  return route(ctx, input_grads, first, g, 0, 1);
}

int grad_max(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return extremum(ctx, output_grads, input_grads, IR_OP_GREATER_OR_EQUAL);
}

int grad_min(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return extremum(ctx, output_grads, input_grads, IR_OP_LESS_OR_EQUAL);
}

/* Where(c, a, b): the condition gets none (a mask); a where c holds, b elsewhere. */
int grad_where(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  return route(ctx, input_grads, ad_input(ctx, 0), output_grads[0], 1, 2);
}

/* Clip(x, min, max): g where min <= x <= max; the bounds get none (refused if they depend on
 * a value to differentiate). */
int grad_clip(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  ir_value *x = ad_input(ctx, 0), *keep = NULL;
  for (int k = 1; k <= 2; k++) {
    ir_value *bound = ad_input(ctx, k);
    if (!bound)
      continue;
    ir_value *inside =
        ad_binary(ctx, k == 1 ? IR_OP_GREATER_OR_EQUAL : IR_OP_LESS_OR_EQUAL, x, bound);
    keep = keep ? ad_binary(ctx, IR_OP_AND, keep, inside) : inside;
  }
  input_grads[0] = keep ? ad_mask(ctx, keep, output_grads[0]) : output_grads[0];
  return ad_status(ctx);
}

/* Identity, Dropout (inference form: a view), dl.copy: the gradient passes through. */
int grad_identity(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ad_output_grad(ctx, output_grads, 0);
  return ad_status(ctx);
}

/* Cast between float types: the gradient cast back. */
int grad_cast(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  input_grads[0] = ir_build_cast(&ctx->build, output_grads[0], ad_input(ctx, 0)->type.dtype);
  return ad_status(ctx);
}
