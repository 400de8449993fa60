/* Losses (train.h): cross-entropy as LogSoftmax over the class axis and then nll; nll as the
 * log-probability each label picks (a mask of label == class over the class axis) times the
 * label's weight, summed or averaged by the weights, in ops that have gradient rules (the
 * NegativeLogLikelihoodLoss op, which ONNX imports use, has none); mse, l1 and bce-with-logits
 * elementwise and then reduced. */
#include "passes/train/train.h"
#include "passes/train/train_internal.h"

#include <stdio.h>
#include <string.h>

#include "ir/enum_names.h"
#include "ir/infer.h"

static const char *const LOSS_NAMES[] = {"cross-entropy", "nll", "mse", "l1", "bce-with-logits"};
static const char *const REDUCTION_NAMES[] = {"mean", "sum", "none"};

const char *dl_loss_kind_name(dl_loss_kind kind) {
  return ir_enum_name(LOSS_NAMES, IR_ENUM_NAMES_COUNT(LOSS_NAMES), (int)kind);
}

bool dl_loss_kind_from_name(const char *name, dl_loss_kind *out) {
  int kind = ir_enum_from_name(LOSS_NAMES, IR_ENUM_NAMES_COUNT(LOSS_NAMES), name);
  return kind >= 0 && (*out = (dl_loss_kind)kind, true);
}

const char *dl_loss_reduction_name(dl_loss_reduction reduction) {
  return ir_enum_name(REDUCTION_NAMES, IR_ENUM_NAMES_COUNT(REDUCTION_NAMES), (int)reduction);
}

bool dl_loss_reduction_from_name(const char *name, dl_loss_reduction *out) {
  int reduction = ir_enum_from_name(REDUCTION_NAMES, IR_ENUM_NAMES_COUNT(REDUCTION_NAMES), name);
  return reduction >= 0 && (*out = (dl_loss_reduction)reduction, true);
}

void dl_loss_options_init(dl_loss_options *options, dl_loss_kind kind) {
  memset(options, 0, sizeof *options);
  options->kind = kind;
  options->reduction = DL_REDUCTION_MEAN;
  options->ignore_index = -100;
}

typedef struct loss_context {
  ir_builder b;
  const dl_loss_options *options;
  ir_value *output, *labels;
} loss_context;

/* "mse loss 'loss' of output 'y' (f32[4,3]) and labels 'labels' (i64[4]): <what>". */
static ir_value *loss_error(loss_context *c, const char *what) {
  char output[160], labels[160];
  ir_format_type(c->b.graph, &c->output->type, output, sizeof output);
  ir_format_type(c->b.graph, &c->labels->type, labels, sizeof labels);
  dl_error(c->b.diag, "%s loss '%s' of output '%s' (%s) and labels '%s' (%s): %s",
           dl_loss_kind_name(c->options->kind), c->b.base, c->output->name, output, c->labels->name,
           labels, what);
  return NULL;
}

/* A constant f32 vector of `count` numbers (reshaped to broadcast is the caller's job). */
static ir_value *vector_constant(loss_context *c, const float *values, int count) {
  int64_t dims[1] = {count};
  const char *name =
      ir_graph_unique_name(c->b.graph, ir_arena_printf(c->b.graph->arena, "%s/weights", c->b.base));
  ir_value *constant = name ? ir_graph_add_constant_copy(
                                  c->b.graph, name, ir_type_make(IR_DTYPE_F32, 1, dims), values)
                            : NULL;
  if (!constant)
    dl_error(c->b.diag, "%s: out of memory", c->b.base);
  return constant;
}

/* Cross-entropy and nll: labels [N, d...] of int64 class indices for an output [N, C, d...]. */
static ir_value *class_loss(loss_context *c) {
  const ir_type *x = &c->output->type, *y = &c->labels->type;
  if (x->rank < 2)
    return loss_error(c, "the output needs a class axis 1: rank 2 or more ([N, C, d...])");
  if (y->dtype != IR_DTYPE_I64)
    return loss_error(c, "labels must be int64 class indices");
  bool matches = y->rank == x->rank - 1 && y->dims[0] == x->dims[0];
  for (int d = 1; matches && d < y->rank; d++)
    matches = y->dims[d] == x->dims[d + 1];
  if (!matches)
    return loss_error(c, "labels need the output's shape without its class axis 1");
  const dl_loss_options *o = c->options;
  if (o->class_weights && o->num_class_weights != x->dims[1]) {
    char what[160];
    snprintf(what, sizeof what, "%d class weights for %lld classes", o->num_class_weights,
             (long long)x->dims[1]);
    return loss_error(c, what);
  }
  ir_value *log_probabilities = c->output;
  ir_builder *b = &c->b;
  if (o->kind == DL_LOSS_CROSS_ENTROPY) {
    ir_node *log_softmax = ir_build_start(b, IR_OP_LOG_SOFTMAX, &c->output, 1);
    if (log_softmax && ir_node_set_int(c->b.graph, log_softmax, "axis", 1) != 0)
      return loss_error(c, "out of memory");
    log_probabilities = ir_build_finish(b, log_softmax);
  }
  /* The label's class: a mask over the class axis, label [N, 1, d...] == class [1, C, 1...]
   * (all false for a label out of range, such as the default ignore_index -100). */
  int64_t classes = x->dims[1], class_dims[IR_MAX_RANK], axis[1] = {1};
  int64_t *class_ids = ir_arena_alloc_array(c->b.graph->arena, (size_t)classes, sizeof(int64_t));
  if (!class_ids)
    return loss_error(c, "out of memory");
  for (int64_t k = 0; k < classes; k++)
    class_ids[k] = k;
  for (int d = 0; d < x->rank; d++)
    class_dims[d] = d == 1 ? classes : 1;
  ir_value *mask = ir_build_op(
      b, IR_OP_EQUAL, ir_build_op(b, IR_OP_UNSQUEEZE, c->labels, ir_build_ints(b, axis, 1)),
      ir_build_reshape(b, ir_build_ints(b, class_ids, (int)classes), class_dims, x->rank));
  ir_value *zero = ir_build_scalar(b, x->dtype, 0.0);
  /* -log p[label] and the label's weight (1 without class weights, 0 where ignored). */
  ir_value *picked = ir_build_reduce(
      b, IR_OP_REDUCE_SUM, ir_build_where(b, mask, log_probabilities, zero), axis, 1, false);
  ir_value *class_weights =
      o->class_weights
          ? ir_build_reshape(
                b, ir_build_cast(b, vector_constant(c, o->class_weights, classes), x->dtype),
                class_dims, x->rank)
          : ir_build_scalar(b, x->dtype, 1.0);
  ir_value *weight = ir_build_reduce(b, IR_OP_REDUCE_SUM,
                                     ir_build_where(b, mask, class_weights, zero), axis, 1, false);
  if (o->ignore_index >= 0 && o->ignore_index < classes)
    weight = ir_build_where(b,
                            ir_build_op(b, IR_OP_EQUAL, c->labels,
                                        ir_build_scalar(b, IR_DTYPE_I64, (double)o->ignore_index)),
                            zero, weight);
  ir_value *per_label = ir_build_op(b, IR_OP_MUL, ir_build_op(b, IR_OP_NEG, picked, NULL), weight);
  switch (o->reduction) {
  case DL_REDUCTION_MEAN:
    return ir_build_op(b, IR_OP_DIV, ir_build_reduce_all(b, IR_OP_REDUCE_SUM, per_label),
                       ir_build_reduce_all(b, IR_OP_REDUCE_SUM, weight));
  case DL_REDUCTION_SUM:
    return ir_build_reduce_all(b, IR_OP_REDUCE_SUM, per_label);
  case DL_REDUCTION_NONE:
    break;
  }
  return per_label;
}

/* pos_weight as a constant that broadcasts over the output's last axis. */
static ir_value *positive_weight(loss_context *c) {
  const dl_loss_options *o = c->options;
  const ir_type *x = &c->output->type;
  int64_t classes = x->rank ? x->dims[x->rank - 1] : 1;
  if (o->num_pos_weight != 1 && o->num_pos_weight != classes) {
    char what[160];
    snprintf(what, sizeof what,
             "%d positive weights: give one, or one per class of the last axis (%lld)",
             o->num_pos_weight, (long long)classes);
    return loss_error(c, what);
  }
  return ir_build_cast(&c->b, vector_constant(c, o->pos_weight, o->num_pos_weight), x->dtype);
}

/* Bce-with-logits per element, in the form that never overflows exp:
 * (1 - y) x + l (log(1 + exp(-|x|)) + max(-x, 0)), l = 1 + (pos_weight - 1) y; without
 * pos_weight, max(x, 0) - x y + log(1 + exp(-|x|)). */
static ir_value *binary_cross_entropy(loss_context *c) {
  ir_builder *b = &c->b;
  ir_value *x = c->output, *y = c->labels;
  ir_dtype dtype = x->type.dtype;
  ir_value *one = ir_build_scalar(b, dtype, 1.0);
  ir_value *softplus_tail = ir_build_op(
      b, IR_OP_LOG,
      ir_build_op(b, IR_OP_ADD, one,
                  ir_build_op(b, IR_OP_EXP,
                              ir_build_op(b, IR_OP_NEG, ir_build_op(b, IR_OP_ABS, x, NULL), NULL),
                              NULL)),
      NULL);
  if (!c->options->pos_weight)
    return ir_build_op(b, IR_OP_ADD,
                       ir_build_op(b, IR_OP_SUB, ir_build_op(b, IR_OP_RELU, x, NULL),
                                   ir_build_op(b, IR_OP_MUL, x, y)),
                       softplus_tail);
  ir_value *weight = positive_weight(c);
  ir_value *log_weight = ir_build_op(
      b, IR_OP_ADD, one, ir_build_op(b, IR_OP_MUL, ir_build_op(b, IR_OP_SUB, weight, one), y));
  ir_value *negative_part =
      ir_build_op(b, IR_OP_ADD, softplus_tail,
                  ir_build_op(b, IR_OP_RELU, ir_build_op(b, IR_OP_NEG, x, NULL), NULL));
  return ir_build_op(b, IR_OP_ADD, ir_build_op(b, IR_OP_MUL, ir_build_op(b, IR_OP_SUB, one, y), x),
                     ir_build_op(b, IR_OP_MUL, log_weight, negative_part));
}

/* Mse, l1 and bce-with-logits: labels of the output's type and shape. */
static ir_value *elementwise_loss(loss_context *c) {
  const ir_type *x = &c->output->type, *y = &c->labels->type;
  if (y->dtype != x->dtype)
    return loss_error(c, "labels need the output's dtype");
  if (!ir_type_same_dims(x, y))
    return loss_error(c, "labels need the output's shape");
  ir_builder *b = &c->b;
  ir_value *per_element;
  if (c->options->kind == DL_LOSS_BCE_WITH_LOGITS) {
    per_element = binary_cross_entropy(c);
  } else {
    ir_value *difference = ir_build_op(b, IR_OP_SUB, c->output, c->labels);
    per_element = c->options->kind == DL_LOSS_MSE
                      ? ir_build_op(b, IR_OP_MUL, difference, difference)
                      : ir_build_op(b, IR_OP_ABS, difference, NULL);
  }
  switch (c->options->reduction) {
  case DL_REDUCTION_MEAN:
    return ir_build_reduce_all(b, IR_OP_REDUCE_MEAN, per_element);
  case DL_REDUCTION_SUM:
    return ir_build_reduce_all(b, IR_OP_REDUCE_SUM, per_element);
  case DL_REDUCTION_NONE:
    break;
  }
  return per_element;
}

ir_value *dl_build_loss(ir_graph *graph, const dl_loss_options *options, ir_value *output,
                        ir_value *labels, dl_diag *diag) {
  loss_context c = {dl_train_builder(graph, options->name ? options->name : "loss", diag), options,
                    output, labels};
  if (!output || !labels) {
    dl_error(diag, "loss '%s': needs an output and labels", c.b.base);
    return NULL;
  }
  if (!ir_dtype_is_float(output->type.dtype))
    return loss_error(&c, "the output must be floating-point");
  if ((unsigned)options->reduction > DL_REDUCTION_NONE)
    return loss_error(&c, "unknown reduction");
  switch (options->kind) {
  case DL_LOSS_CROSS_ENTROPY:
  case DL_LOSS_NLL:
    if (options->pos_weight)
      return loss_error(&c, "a positive weight is for bce-with-logits");
    return class_loss(&c);
  case DL_LOSS_MSE:
  case DL_LOSS_L1:
  case DL_LOSS_BCE_WITH_LOGITS:
    if (options->class_weights)
      return loss_error(&c, "class weights are for cross-entropy and nll");
    if (options->pos_weight && options->kind != DL_LOSS_BCE_WITH_LOGITS)
      return loss_error(&c, "a positive weight is for bce-with-logits");
    return elementwise_loss(&c);
  }
  return loss_error(&c, "unknown loss kind");
}
