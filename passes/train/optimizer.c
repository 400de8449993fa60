/* Optimizer updates (train.h) as arithmetic on one weight, its gradient and its slots, with
 * torch.optim's semantics:
 *   SGD    g = grad + wd w; b' = step == 0 ? g : momentum b + (1 - dampening) g;
 *          w' = w - lr (nesterov ? g + momentum b' : b')            (g alone without momentum)
 *   Adam   g = grad + wd w; m' = m + (1 - beta1)(g - m); v' = beta2 v + (1 - beta2) g g;
 *          t = step + 1; w' = w - lr / (1 - beta1^t) m' / (sqrt(v') / sqrt(1 - beta2^t) + eps)
 *   AdamW  Adam's update of w (1 - lr wd), the gradient without decay.
 * The step-dependent scalars are computed in f32 from `step` at run time; Adam's bias
 * corrections 1 - beta^t as -expm1(t ln beta), since 1 - beta2^t with beta2 rounded to f32
 * loses digits for small t (0.999 in f32 makes 1 - beta2 wrong by 1.3e-5 of itself). */
#include "passes/train/train.h"
#include "passes/train/train_internal.h"

#include <math.h>
#include <string.h>

#include "ir/enum_names.h"
#include "ir/infer.h"

static const char *const OPTIMIZER_NAMES[] = {"sgd", "adam", "adamw"};

const char *dl_optimizer_kind_name(dl_optimizer_kind kind) {
  return ir_enum_name(OPTIMIZER_NAMES, IR_ENUM_NAMES_COUNT(OPTIMIZER_NAMES), (int)kind);
}

bool dl_optimizer_kind_from_name(const char *name, dl_optimizer_kind *out) {
  int kind = ir_enum_from_name(OPTIMIZER_NAMES, IR_ENUM_NAMES_COUNT(OPTIMIZER_NAMES), name);
  return kind >= 0 && (*out = (dl_optimizer_kind)kind, true);
}

void dl_optimizer_options_init(dl_optimizer_options *options, dl_optimizer_kind kind) {
  memset(options, 0, sizeof *options);
  options->kind = kind;
  options->beta1 = 0.9;
  options->beta2 = 0.999;
  options->epsilon = 1e-8;
  options->weight_decay = kind == DL_OPTIMIZER_ADAMW ? 1e-2 : 0.0;
}

int dl_optimizer_slot_count(const dl_optimizer_options *options) {
  if (options->kind == DL_OPTIMIZER_SGD)
    return options->momentum != 0.0 ? 1 : 0;
  return 2;
}

const char *dl_optimizer_slot_name(const dl_optimizer_options *options, int index) {
  if (options->kind == DL_OPTIMIZER_SGD)
    return index == 0 ? "velocity" : NULL;
  return index == 0 ? "m" : index == 1 ? "v" : NULL;
}

typedef struct update {
  ir_builder b;
  const dl_optimizer_options *options;
  ir_value *lr, *step; /* lr in the weight's dtype, step as f32 */
  ir_value *weight, *grad;
} update;

/* The gradient with L2 weight decay added (SGD, Adam). */
static ir_value *decayed_gradient(update *u) {
  double decay = u->options->weight_decay;
  return decay != 0.0 ? ir_build_scaled_add(&u->b, decay, u->weight, u->grad) : u->grad;
}

static ir_value *sgd(update *u, ir_value *const *slots, ir_value **out_slots) {
  ir_builder *b = &u->b;
  const dl_optimizer_options *o = u->options;
  ir_value *g = decayed_gradient(u);
  if (o->momentum != 0.0) {
    ir_value *velocity = ir_build_scaled_add(b, o->momentum, slots[0],
                                             ir_build_scaled_add(b, 1.0 - o->dampening, g, NULL));
    if (o->dampening != 0.0) /* the first step seeds the velocity with g undamped */
      velocity = ir_build_where(
          b, ir_build_op(b, IR_OP_EQUAL, u->step, ir_build_scalar(b, IR_DTYPE_F32, 0.0)), g,
          velocity);
    out_slots[0] = velocity;
    g = o->nesterov ? ir_build_scaled_add(b, o->momentum, velocity, g) : velocity;
  }
  return ir_build_op(b, IR_OP_SUB, u->weight, ir_build_op(b, IR_OP_MUL, u->lr, g));
}

/* 1 - beta^t for the f32 scalar t, as -expm1(z), z = t ln(beta), with Kahan's expm1 from exp
 * and log: (e - 1) z / log(e) for e = exp(z) near 1 (z itself where e rounds to 1); below 1/2
 * e - 1 has no cancellation to correct, and Kahan's form would divide by log(0) = -inf once
 * beta^t underflows (Adam's beta1 = 0.9 at step 990: the correction became 0, the step inf). */
static ir_value *bias_correction(update *u, double beta, ir_value *t) {
  ir_builder *b = &u->b;
  if (beta == 0.0)
    return ir_build_scalar(b, IR_DTYPE_F32, 1.0);
  ir_value *z = ir_build_scaled_add(b, log(beta), t, NULL);
  ir_value *e = ir_build_op(b, IR_OP_EXP, z, NULL);
  ir_value *one = ir_build_scalar(b, IR_DTYPE_F32, 1.0);
  ir_value *e_minus_one = ir_build_op(b, IR_OP_SUB, e, one);
  ir_value *kahan =
      ir_build_where(b, ir_build_op(b, IR_OP_EQUAL, e, one), z,
                     ir_build_op(b, IR_OP_MUL, e_minus_one,
                                 ir_build_op(b, IR_OP_DIV, z, ir_build_op(b, IR_OP_LOG, e, NULL))));
  ir_value *expm1 = ir_build_where(
      b, ir_build_op(b, IR_OP_LESS, e, ir_build_scalar(b, IR_DTYPE_F32, 0.5)), e_minus_one, kahan);
  return ir_build_op(b, IR_OP_NEG, expm1, NULL);
}

static ir_value *adam(update *u, ir_value *const *slots, ir_value **out_slots) {
  ir_builder *b = &u->b;
  const dl_optimizer_options *o = u->options;
  ir_dtype dtype = u->weight->type.dtype;
  bool decoupled = o->kind == DL_OPTIMIZER_ADAMW;
  ir_value *weight = u->weight;
  if (decoupled && o->weight_decay != 0.0) /* w (1 - lr wd) */
    weight = ir_build_op(b, IR_OP_MUL, weight,
                         ir_build_op(b, IR_OP_SUB, ir_build_scalar(b, dtype, 1.0),
                                     ir_build_scaled_add(b, o->weight_decay, u->lr, NULL)));
  ir_value *g = decoupled ? u->grad : decayed_gradient(u);
  ir_value *m =
      ir_build_scaled_add(b, 1.0 - o->beta1, ir_build_op(b, IR_OP_SUB, g, slots[0]), slots[0]);
  ir_value *v = ir_build_scaled_add(
      b, o->beta2, slots[1],
      ir_build_scaled_add(b, 1.0 - o->beta2, ir_build_op(b, IR_OP_MUL, g, g), NULL));
  out_slots[0] = m;
  out_slots[1] = v;
  ir_value *t = ir_build_op(b, IR_OP_ADD, u->step, ir_build_scalar(b, IR_DTYPE_F32, 1.0));
  ir_value *step_size =
      ir_build_cast(b,
                    ir_build_op(b, IR_OP_DIV, ir_build_cast(b, u->lr, IR_DTYPE_F32),
                                bias_correction(u, o->beta1, t)),
                    dtype);
  ir_value *second_correction =
      ir_build_cast(b, ir_build_op(b, IR_OP_SQRT, bias_correction(u, o->beta2, t), NULL), dtype);
  ir_value *denominator =
      ir_build_op(b, IR_OP_ADD,
                  ir_build_op(b, IR_OP_DIV, ir_build_op(b, IR_OP_SQRT, v, NULL), second_correction),
                  ir_build_scalar(b, dtype, o->epsilon));
  return ir_build_op(
      b, IR_OP_SUB, weight,
      ir_build_op(b, IR_OP_MUL, step_size, ir_build_op(b, IR_OP_DIV, m, denominator)));
}

static int update_error(ir_builder *b, const char *what, const ir_value *value) {
  if (!value)
    return dl_error(b->diag, "optimizer update '%s': %s", b->base, what);
  char type[160];
  ir_format_type(b->graph, &value->type, type, sizeof type);
  return dl_error(b->diag, "optimizer update '%s': %s ('%s' is %s)", b->base, what, value->name,
                  type);
}

static int check(update *u, ir_value *const *slots) {
  const dl_optimizer_options *o = u->options;
  ir_builder *b = &u->b;
  if (!u->weight || !u->grad || !u->lr || !u->step)
    return dl_error(b->diag, "optimizer update '%s': needs a weight, gradient, lr and step",
                    b->base);
  if (!ir_dtype_is_float(u->weight->type.dtype))
    return update_error(b, "the weight must be floating-point", u->weight);
  if (!ir_type_equal(&u->grad->type, &u->weight->type))
    return update_error(b, "the gradient needs the weight's type", u->grad);
  if (u->lr->type.dtype != IR_DTYPE_F32 || !dl_type_is_scalar(&u->lr->type))
    return update_error(b, "lr must be an f32 scalar", u->lr);
  if (!dl_type_is_scalar(&u->step->type) ||
      (u->step->type.dtype != IR_DTYPE_F32 && !ir_dtype_is_integer(u->step->type.dtype)))
    return update_error(b, "step must be an f32 or integer scalar", u->step);
  for (int i = 0; i < dl_optimizer_slot_count(o); i++)
    if (!slots || !slots[i] || !ir_type_equal(&slots[i]->type, &u->weight->type))
      return update_error(b, "each slot needs the weight's type", slots ? slots[i] : NULL);
  if (o->kind == DL_OPTIMIZER_SGD && o->nesterov && (o->momentum <= 0 || o->dampening != 0))
    return update_error(b, "nesterov momentum needs momentum > 0 and dampening 0", NULL);
  if (o->kind != DL_OPTIMIZER_SGD &&
      (o->beta1 < 0 || o->beta1 >= 1 || o->beta2 < 0 || o->beta2 >= 1))
    return update_error(b, "betas must be in [0, 1)", NULL);
  return 0;
}

int dl_build_optimizer_update(ir_graph *graph, const dl_optimizer_options *options, ir_value *lr,
                              ir_value *step, ir_value *weight, ir_value *grad,
                              ir_value *const *slots, ir_value **out_weight, ir_value **out_slots,
                              dl_diag *diag) {
  const char *base = weight ? ir_arena_printf(graph->arena, "%s/%s", weight->name,
                                              dl_optimizer_kind_name(options->kind))
                            : "optimizer";
  update u = {dl_train_builder(graph, base, diag), options, lr, step, weight, grad};
  if (check(&u, slots) != 0)
    return -1;
  u.step = ir_build_cast(&u.b, step, IR_DTYPE_F32);
  u.lr = ir_build_cast(&u.b, lr, weight->type.dtype);
  ir_value *new_weight =
      options->kind == DL_OPTIMIZER_SGD ? sgd(&u, slots, out_slots) : adam(&u, slots, out_slots);
  if (!new_weight)
    return -1;
  *out_weight = new_weight;
  return 0;
}
