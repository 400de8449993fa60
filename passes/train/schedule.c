/* Learning-rate schedules (train.h): the f32 learning rate of a step computed from the step
 * counter at run time, with torch.optim.lr_scheduler's closed forms (StepLR,
 * CosineAnnealingLR held at min_lr past its end, LinearLR warmup followed by the schedule as
 * SequentialLR runs it). */
#include "passes/train/train.h"
#include "passes/train/train_internal.h"

#include <math.h>
#include <string.h>

#include "ir/enum_names.h"

static const char *const SCHEDULE_NAMES[] = {"constant", "step", "cosine"};

const char *dl_schedule_kind_name(dl_schedule_kind kind) {
  return ir_enum_name(SCHEDULE_NAMES, IR_ENUM_NAMES_COUNT(SCHEDULE_NAMES), (int)kind);
}

bool dl_schedule_kind_from_name(const char *name, dl_schedule_kind *out) {
  int kind = ir_enum_from_name(SCHEDULE_NAMES, IR_ENUM_NAMES_COUNT(SCHEDULE_NAMES), name);
  return kind >= 0 && (*out = (dl_schedule_kind)kind, true);
}

void dl_schedule_options_init(dl_schedule_options *options, dl_schedule_kind kind) {
  memset(options, 0, sizeof *options);
  options->kind = kind;
  options->learning_rate = 1e-3;
  options->gamma = 0.1;
  options->warmup_start_factor = 1.0 / 3.0;
}

static ir_value *number(ir_builder *b, double value) {
  return ir_build_scalar(b, IR_DTYPE_F32, value);
}

/* The schedule without warmup at the f32 step t. */
static ir_value *base_schedule(ir_builder *b, const dl_schedule_options *s, ir_value *t) {
  switch (s->kind) {
  case DL_SCHEDULE_CONSTANT:
    return number(b, s->learning_rate);
  case DL_SCHEDULE_STEP: {
    ir_value *decays = ir_build_op(
        b, IR_OP_FLOOR, ir_build_op(b, IR_OP_DIV, t, number(b, (double)s->step_size)), NULL);
    return ir_build_op(b, IR_OP_MUL, number(b, s->learning_rate),
                       ir_build_op(b, IR_OP_POW, number(b, s->gamma), decays));
  }
  case DL_SCHEDULE_COSINE: {
    ir_value *held = ir_build_op(b, IR_OP_MIN, t, number(b, (double)s->total_steps));
    ir_value *cosine = ir_build_op(
        b, IR_OP_COS, ir_build_scaled_add(b, M_PI / (double)s->total_steps, held, NULL), NULL);
    /* min_lr + (lr - min_lr) / 2 * (1 + cos) */
    return ir_build_scaled_add(b, (s->learning_rate - s->min_learning_rate) / 2.0,
                               ir_build_op(b, IR_OP_ADD, number(b, 1.0), cosine),
                               number(b, s->min_learning_rate));
  }
  }
  return NULL;
}

static ir_value *schedule_error(dl_diag *diag, const char *what) {
  dl_error(diag, "learning-rate schedule: %s", what);
  return NULL;
}

ir_value *dl_build_learning_rate(ir_graph *graph, const dl_schedule_options *options,
                                 ir_value *step, dl_diag *diag) {
  const dl_schedule_options *s = options;
  if (!step || !dl_type_is_scalar(&step->type) ||
      (step->type.dtype != IR_DTYPE_F32 && !ir_dtype_is_integer(step->type.dtype)))
    return schedule_error(diag, "the step must be an f32 or integer scalar");
  if ((unsigned)s->kind > DL_SCHEDULE_COSINE)
    return schedule_error(diag, "unknown kind");
  if (!(s->learning_rate >= 0))
    return schedule_error(diag, "the learning rate must be >= 0");
  if (s->kind == DL_SCHEDULE_STEP && s->step_size <= 0)
    return schedule_error(diag, "the step schedule needs step_size > 0");
  if (s->kind == DL_SCHEDULE_COSINE && s->total_steps <= 0)
    return schedule_error(diag, "the cosine schedule needs total_steps > 0");
  if (s->warmup_steps < 0 ||
      (s->warmup_steps > 0 && !(s->warmup_start_factor > 0 && s->warmup_start_factor <= 1)))
    return schedule_error(diag, "warmup needs warmup_steps >= 0 and a start factor in (0, 1]");
  ir_builder b = dl_train_builder(graph, "lr", diag);
  ir_value *t = ir_build_cast(&b, step, IR_DTYPE_F32);
  if (s->warmup_steps == 0)
    return base_schedule(&b, s, t);
  /* lr (start + (1 - start) t / warmup) while t < warmup, then the schedule at t - warmup. */
  double warmup = (double)s->warmup_steps, start = s->warmup_start_factor;
  ir_value *warming = ir_build_scaled_add(
      &b, s->learning_rate, ir_build_scaled_add(&b, (1.0 - start) / warmup, t, number(&b, start)),
      NULL);
  ir_value *after = base_schedule(
      &b, s, ir_build_op(&b, IR_OP_RELU, ir_build_op(&b, IR_OP_SUB, t, number(&b, warmup)), NULL));
  return ir_build_where(&b, ir_build_op(&b, IR_OP_LESS, t, number(&b, warmup)), warming, after);
}
