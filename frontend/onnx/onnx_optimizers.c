/* The optimizers of the ai.onnx.preview.training domain (Adagrad, Momentum, Adam), expanded
 * at import into arithmetic on each tensor they update. Inputs: the learning rate R and step
 * count T (scalars), then n tensors X, n gradients G and n state tensors per kind of state;
 * outputs: the n new X, then the n new states of each kind, as ONNX defines them:
 *   Adagrad  r = R / (1 + T * decay_factor); g = norm_coefficient * X + G; H' = H + g*g;
 *            X' = X - r * g / (sqrt(H') + epsilon)
 *   Momentum g = norm_coefficient * X + G; V' = alpha * V + (T > 0 ? beta : 1) * g;
 *            X' = X - R * V' (standard) or X - R * (g + alpha * V') (nesterov)
 *   Adam     g = norm_coefficient * X + G; V' = alpha * V + (1 - alpha) * g;
 *            H' = beta * H + (1 - beta) * g*g;
 *            r = T > 0 ? R * sqrt(1 - beta^T) / (1 - alpha^T) : R;
 *            X' = (1 - norm_coefficient_post) * (X - r * V' / (sqrt(H') + epsilon))
 * The step-dependent factors are computed once in R's type, from T at run time. */
#include "onnx_internal.h"

#include <string.h>

typedef struct optimizer {
  onnx_import *import;
  const Onnx__NodeProto *proto;
  int index;
  const char *base;
  ir_value **inputs;
  const char **names;
  int count; /* tensors updated */
} optimizer;

static float float_attr(const optimizer *o, const char *name, float fallback) {
  const Onnx__AttributeProto *attr = onnx_find_attr(o->proto, name);
  return attr ? attr->f : fallback;
}

static ir_value *scalar(optimizer *o, ir_dtype dtype, double value) {
  return onnx_float_scalar_constant(o->import, o->base, dtype, value);
}

static ir_value *op(optimizer *o, ir_op kind, ir_value *a, ir_value *b) {
  return onnx_build(o->import, kind, o->base, a, b, NULL);
}

/* a * x + y with a a scalar constant. */
static ir_value *scaled_add(optimizer *o, double a, ir_value *x, ir_value *y) {
  return x ? op(o, IR_OP_ADD, op(o, IR_OP_MUL, scalar(o, x->type.dtype, a), x), y) : NULL;
}

static ir_value *cast(optimizer *o, ir_value *value, ir_dtype to) {
  return onnx_build_cast(o->import, o->base, value, to, NULL);
}

/* Where(T > 0, when_positive, otherwise). */
static ir_value *if_step_positive(optimizer *o, ir_value *when_positive, ir_value *otherwise) {
  ir_value *t = o->inputs[1];
  ir_value *zero = onnx_ints_constant(o->import, o->base, (const int64_t[]){0}, 1);
  ir_value *condition = op(o, IR_OP_GREATER, t, cast(o, zero, t->type.dtype));
  return onnx_build_where(o->import, o->base, condition, when_positive, otherwise, NULL);
}

static ir_value *regularized_gradient(optimizer *o, int i) {
  ir_value *x = o->inputs[2 + i], *g = o->inputs[2 + o->count + i];
  return scaled_add(o, float_attr(o, "norm_coefficient", 0), x, g);
}

/* The node's output `k` (or an unnamed value when it is not asked for). */
static const char *output(optimizer *o, int k) { return o->names[k]; }

static ir_value *named(optimizer *o, ir_op kind, ir_value *a, ir_value *b, int k) {
  return onnx_build(o->import, kind, o->base, a, b, output(o, k));
}

static int adagrad(optimizer *o) {
  ir_value *r_in = o->inputs[0];
  ir_dtype rt = r_in->type.dtype;
  ir_value *t = cast(o, o->inputs[1], rt);
  ir_value *r = op(o, IR_OP_DIV, r_in,
                   scaled_add(o, float_attr(o, "decay_factor", 0), t, scalar(o, rt, 1.0)));
  for (int i = 0; i < o->count; i++) {
    ir_value *x = o->inputs[2 + i], *h = o->inputs[2 + 2 * o->count + i];
    ir_value *g = regularized_gradient(o, i);
    ir_value *h_new = named(o, IR_OP_ADD, h, op(o, IR_OP_MUL, g, g), o->count + i);
    ir_value *denominator = op(o, IR_OP_ADD, op(o, IR_OP_SQRT, h_new, NULL),
                               scalar(o, x->type.dtype, float_attr(o, "epsilon", 1e-6f)));
    ir_value *step = op(o, IR_OP_DIV, op(o, IR_OP_MUL, cast(o, r, x->type.dtype), g), denominator);
    if (!named(o, IR_OP_SUB, x, step, i))
      return -1;
  }
  return 0;
}

static int momentum(optimizer *o) {
  const Onnx__AttributeProto *mode = onnx_find_attr(o->proto, "mode");
  char text[16] = "standard";
  if (mode) {
    size_t length = mode->s.len < sizeof text - 1 ? mode->s.len : sizeof text - 1;
    memcpy(text, mode->s.data, length);
    text[length] = '\0';
  }
  bool nesterov = strcmp(text, "nesterov") == 0;
  if (!nesterov && strcmp(text, "standard") != 0)
    return onnx_node_error(o->import, o->proto, o->index,
                           "attribute 'mode' must be \"standard\" or \"nesterov\"");
  float alpha = float_attr(o, "alpha", 0), beta = float_attr(o, "beta", 0);
  ir_dtype rt = o->inputs[0]->type.dtype;
  ir_value *beta_adjusted = if_step_positive(o, scalar(o, rt, beta), scalar(o, rt, 1.0));
  for (int i = 0; i < o->count; i++) {
    ir_value *x = o->inputs[2 + i], *v = o->inputs[2 + 2 * o->count + i];
    ir_dtype dtype = x->type.dtype;
    ir_value *g = regularized_gradient(o, i);
    ir_value *v_new =
        onnx_build(o->import, IR_OP_ADD, o->base, op(o, IR_OP_MUL, scalar(o, dtype, alpha), v),
                   op(o, IR_OP_MUL, cast(o, beta_adjusted, dtype), g), output(o, o->count + i));
    ir_value *direction = nesterov ? scaled_add(o, alpha, v_new, g) : v_new;
    ir_value *step = op(o, IR_OP_MUL, cast(o, o->inputs[0], dtype), direction);
    if (!named(o, IR_OP_SUB, x, step, i))
      return -1;
  }
  return 0;
}

static int adam(optimizer *o) {
  float alpha = float_attr(o, "alpha", 0.9f), beta = float_attr(o, "beta", 0.999f);
  float post = float_attr(o, "norm_coefficient_post", 0);
  ir_value *r_in = o->inputs[0];
  ir_dtype rt = r_in->type.dtype;
  ir_value *t = cast(o, o->inputs[1], rt);
  ir_value *beta_t = op(o, IR_OP_POW, scalar(o, rt, beta), t);
  ir_value *alpha_t = op(o, IR_OP_POW, scalar(o, rt, alpha), t);
  ir_value *correction =
      op(o, IR_OP_DIV, op(o, IR_OP_SQRT, op(o, IR_OP_SUB, scalar(o, rt, 1.0), beta_t), NULL),
         op(o, IR_OP_SUB, scalar(o, rt, 1.0), alpha_t));
  ir_value *r = if_step_positive(o, op(o, IR_OP_MUL, r_in, correction), r_in);
  int n = o->count;
  for (int i = 0; i < n; i++) {
    ir_value *x = o->inputs[2 + i], *v = o->inputs[2 + 2 * n + i], *h = o->inputs[2 + 3 * n + i];
    ir_dtype dtype = x->type.dtype;
    ir_value *g = regularized_gradient(o, i);
    ir_value *v_new =
        onnx_build(o->import, IR_OP_ADD, o->base, op(o, IR_OP_MUL, scalar(o, dtype, alpha), v),
                   op(o, IR_OP_MUL, scalar(o, dtype, 1.0 - alpha), g), output(o, n + i));
    ir_value *h_new =
        onnx_build(o->import, IR_OP_ADD, o->base, op(o, IR_OP_MUL, scalar(o, dtype, beta), h),
                   op(o, IR_OP_MUL, scalar(o, dtype, 1.0 - beta), op(o, IR_OP_MUL, g, g)),
                   output(o, 2 * n + i));
    ir_value *denominator = op(o, IR_OP_ADD, op(o, IR_OP_SQRT, h_new, NULL),
                               scalar(o, dtype, float_attr(o, "epsilon", 1e-6f)));
    ir_value *step = op(o, IR_OP_MUL, cast(o, r, dtype), op(o, IR_OP_DIV, v_new, denominator));
    ir_value *updated = op(o, IR_OP_SUB, x, step);
    if (!named(o, IR_OP_MUL, scalar(o, dtype, 1.0 - post), updated, i))
      return -1;
  }
  return 0;
}

static const struct {
  const char *op;
  int states; /* state tensors per updated tensor */
  int (*build)(optimizer *o);
} OPTIMIZERS[] = {{"Adagrad", 1, adagrad}, {"Momentum", 1, momentum}, {"Adam", 2, adam}};

int onnx_expand_optimizer(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  const char *name = onnx_text(proto->op_type);
  for (size_t k = 0; k < sizeof OPTIMIZERS / sizeof OPTIMIZERS[0]; k++) {
    if (strcmp(OPTIMIZERS[k].op, name) != 0)
      continue;
    int per_tensor = 2 + OPTIMIZERS[k].states, count = (num_inputs - 2) / per_tensor;
    if (num_inputs < 2 + per_tensor || (num_inputs - 2) % per_tensor != 0)
      return onnx_node_error(import, proto, index,
                             "needs R, T and %d inputs per updated tensor (got %d inputs)",
                             per_tensor, num_inputs);
    if (num_outputs != count * (1 + OPTIMIZERS[k].states))
      return onnx_node_error(import, proto, index, "needs %d outputs for %d tensors (got %d)",
                             count * (1 + OPTIMIZERS[k].states), count, num_outputs);
    for (int i = 0; i < num_inputs; i++)
      if (!inputs[i] || (i >= 2 && !ir_dtype_is_float(inputs[i]->type.dtype)))
        return onnx_node_error(import, proto, index, "input %d must be a float tensor", i);
    if (!ir_dtype_is_float(inputs[0]->type.dtype) || inputs[0]->type.rank != 0 ||
        ir_dtype_is_float(inputs[1]->type.dtype) || inputs[1]->type.rank != 0)
      return onnx_node_error(import, proto, index,
                             "needs a float scalar R and an integer scalar T");
    optimizer o = {import, proto, index, onnx_node_display_name(import, proto, index),
                   inputs, names, count};
    return OPTIMIZERS[k].build(&o);
  }
  return onnx_node_error(import, proto, index, "is not an optimizer");
}
