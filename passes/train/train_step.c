/* dl_build_train_step (train.h): an inference graph becomes one training step. The steps, in
 * order: BatchNormalization in training form, the labels input and the loss, the trainable
 * weights (constants the loss depends on) made states, their gradients, clipping, the step
 * state (the counter of every random draw, and the learning rate's input), each weight's
 * optimizer update and slots, the step's increment, and the outputs (loss, model output). */
#include "passes/train/train.h"
#include "passes/train/train_internal.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "ir/infer.h"
#include "ir/state.h"
#include "passes/autodiff/autodiff.h"

void dl_train_options_init(dl_train_options *options) {
  memset(options, 0, sizeof *options);
  dl_loss_options_init(&options->loss, DL_LOSS_CROSS_ENTROPY);
  dl_optimizer_options_init(&options->optimizer, DL_OPTIMIZER_SGD);
  dl_schedule_options_init(&options->schedule, DL_SCHEDULE_CONSTANT);
}

typedef struct train_step {
  ir_graph *graph;
  const dl_train_options *options;
  dl_diag *diag;
  ir_value *step; /* the int64 step counter state */
  ir_value **weights;
  int num_weights;
} train_step;

/* Index into the graph outputs of the model output the loss reads. */
static int find_output(const train_step *t) {
  const ir_region *body = &t->graph->body;
  if (body->num_results == 0)
    return dl_error(t->diag, "training step: the graph has no outputs");
  if (!t->options->output)
    return 0;
  for (int i = 0; i < body->num_results; i++)
    if (strcmp(body->results[i]->name, t->options->output) == 0)
      return i;
  return dl_error(t->diag, "training step: '%s' is not an output of the graph (output 0 is '%s')",
                  t->options->output, body->results[0]->name);
}

static ir_value *add_labels(train_step *t, const ir_value *output) {
  const char *name = t->options->labels ? t->options->labels : "labels";
  if (ir_graph_find_value(t->graph, name)) {
    dl_error(t->diag,
             "training step: the graph already has a value named '%s'; name the labels "
             "input otherwise",
             name);
    return NULL;
  }
  ir_type type = output->type;
  dl_loss_kind kind = t->options->loss.kind;
  if ((kind == DL_LOSS_CROSS_ENTROPY || kind == DL_LOSS_NLL) && type.rank >= 2) {
    type.dtype = IR_DTYPE_I64; /* [N, d...]: the class axis 1 removed */
    for (int d = 1; d + 1 < type.rank; d++)
      type.dims[d] = type.dims[d + 1];
    type.rank--;
  }
  ir_value *labels = ir_graph_add_input(t->graph, name, type);
  if (!labels)
    dl_error(t->diag, "training step: out of memory");
  return labels;
}

static bool matches_any(const char *name, const char *const *patterns, int count) {
  for (int i = 0; i < count; i++)
    if (fnmatch(patterns[i], name, 0) == 0)
      return true;
  return false;
}

/* Marks (by value id) the values the loss depends on through node inputs that carry values:
 * not through inputs that only decide shapes, nor ops that read only dims or compute shapes. */
static bool *loss_dependencies(const ir_graph *graph, const ir_value *loss) {
  bool *needed = calloc((size_t)graph->num_values, sizeof(bool));
  if (!needed)
    return NULL;
  needed[loss->id] = true;
  for (ir_node *node = graph->body.last; node; node = node->prev) {
    bool any = false;
    for (int j = 0; j < node->num_outputs; j++)
      any = any || needed[node->outputs[j]->id];
    if (!any || ir_op_has_flag(node->op, IR_OP_FLAG_READS_DIMS) ||
        ir_op_category_of(node->op) == IR_OP_CATEGORY_SHAPE)
      continue;
    for (int k = 0; k < node->num_inputs; k++)
      if (node->inputs[k] && !ir_op_input_decides_shape(node->op, k))
        needed[node->inputs[k]->id] = true;
  }
  return needed;
}

/* The trainable weights, made states in place (names and readers kept). */
static int make_weights_states(train_step *t, const ir_value *loss) {
  const dl_train_options *o = t->options;
  bool *needed = loss_dependencies(t->graph, loss);
  t->weights = ir_arena_alloc_array(t->graph->arena, (size_t)t->graph->num_constants + 1,
                                    sizeof(ir_value *));
  if (!needed || !t->weights) {
    free(needed);
    return dl_error(t->diag, "training step: out of memory");
  }
  for (int i = 0; i < t->graph->num_constants; i++) {
    ir_value *c = t->graph->constants[i];
    bool chosen = o->num_trainable > 0 ? matches_any(c->name, o->trainable, o->num_trainable)
                                       : c->type.rank >= 1;
    if (chosen && needed[c->id] && ir_dtype_is_float(c->type.dtype) && c->data &&
        !matches_any(c->name, o->frozen, o->num_frozen))
      t->weights[t->num_weights++] = c;
  }
  free(needed);
  if (t->num_weights == 0)
    return dl_error(t->diag, "training step: no weight to train (no float constant the loss "
                             "depends on matches the trainable patterns)");
  for (int i = 0; i < t->num_weights; i++)
    if (ir_value_make_state(t->graph, t->weights[i]) != 0)
      return dl_error(t->diag, "training step: out of memory");
  return 0;
}

static ir_value *zero_state(train_step *t, const char *name, ir_type type) {
  int64_t bytes = 0;
  void *zeros = NULL;
  if (ir_type_byte_size(&type, &bytes) && (zeros = ir_arena_alloc(t->graph->arena, (size_t)bytes)))
    memset(zeros, 0, (size_t)bytes);
  const char *unique = ir_graph_unique_name(t->graph, name);
  ir_value *state = zeros && unique ? ir_graph_add_state(t->graph, unique, type, zeros) : NULL;
  if (!state)
    dl_error(t->diag, "training step: out of memory making state '%s'", name);
  return state;
}

/* Each weight's update and its slots' (new states). */
static int update_weights(train_step *t, ir_value *const *grads, ir_value *lr) {
  const dl_optimizer_options *o = &t->options->optimizer;
  int slot_count = dl_optimizer_slot_count(o);
  for (int i = 0; i < t->num_weights; i++) {
    ir_value *weight = t->weights[i], *slots[2] = {0}, *new_slots[2] = {0}, *new_weight = NULL;
    for (int s = 0; s < slot_count; s++) {
      const char *name =
          ir_arena_printf(t->graph->arena, "%s.%s", weight->name, dl_optimizer_slot_name(o, s));
      if (!(slots[s] = zero_state(t, name, weight->type)))
        return -1;
    }
    if (dl_build_optimizer_update(t->graph, o, lr, t->step, weight, grads[i], slots, &new_weight,
                                  new_slots, t->diag) != 0)
      return -1;
    if (ir_graph_set_state_update(t->graph, weight, new_weight) != 0)
      return dl_error(t->diag, "training step: out of memory");
    for (int s = 0; s < slot_count; s++)
      if (ir_graph_set_state_update(t->graph, slots[s], new_slots[s]) != 0)
        return dl_error(t->diag, "training step: out of memory");
  }
  return 0;
}

static int set_outputs(train_step *t, ir_value *loss, ir_value *output) {
  t->graph->body.num_results = 0;
  if (ir_graph_add_output(t->graph, loss) != 0 || ir_graph_add_output(t->graph, output) != 0)
    return dl_error(t->diag, "training step: out of memory");
  return 0;
}

/* Random draws (Dropout exported in training mode, Bernoulli, RandomUniformLike) read the step
 * counter as their counter input (codegen/ops/random.c mixes it into the seed): step k draws
 * a fresh mask, and a run resumed from a checkpoint (which holds the counter) draws what one
 * that never stopped would. Refused: a draw inside a nested region, or one that has a counter
 * already, which would not change from step to step as the training expects. */
static int feed_random_counters(ir_graph *graph, ir_value *step, dl_diag *diag) {
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    if (!ir_op_has_flag(node->op, IR_OP_FLAG_RANDOM))
      continue;
    const char *problem = node->parent != &graph->body          ? "it lies in a nested region"
                          : node->num_inputs > 1                ? "it has a counter already"
                          : ir_op_get(node->op)->max_inputs < 2 ? "the op takes no counter"
                                                                : NULL;
    if (problem)
      return dl_error(diag,
                      "node '%s' (%s): training step: %s, so the step cannot be its counter and "
                      "every step would draw the same numbers",
                      node->name, ir_op_name(node->op), problem);
    if (ir_node_set_input(graph, node, 1, step) != 0)
      return dl_error(diag, "training step: out of memory");
  }
  return 0;
}

int dl_build_train_step(ir_graph *graph, const dl_train_options *options, dl_diag *diag) {
  train_step t = {graph, options, diag, NULL, NULL, 0};
  if (options->loss.reduction == DL_REDUCTION_NONE)
    return dl_error(diag, "training step: the loss needs reduction mean or sum (none gives a loss "
                          "per element)");
  int output_index = find_output(&t);
  if (output_index < 0 || dl_train_batch_norms(graph, diag) != 0)
    return -1;
  ir_value *output = graph->body.results[output_index]; /* after BatchNormalization's rewrite */
  ir_value *labels = add_labels(&t, output);
  dl_loss_options loss_options = options->loss;
  ir_value *loss = labels ? dl_build_loss(graph, &loss_options, output, labels, diag) : NULL;
  if (!loss || make_weights_states(&t, loss) != 0)
    return -1;
  ir_value **grads = ir_arena_alloc_array(graph->arena, (size_t)t.num_weights, sizeof(ir_value *));
  if (!grads)
    return dl_error(diag, "training step: out of memory");
  if (dl_autodiff(graph, loss, t.weights, t.num_weights, grads, diag) != 0)
    return -1;
  if (options->clip_norm > 0 && dl_build_clip_by_global_norm(graph, grads, t.num_weights,
                                                             options->clip_norm, grads, diag) != 0)
    return -1;
  if (!(t.step = zero_state(&t, DL_TRAIN_STEP_STATE, ir_type_scalar(IR_DTYPE_I64))))
    return -1;
  if (feed_random_counters(graph, t.step, diag) != 0)
    return -1;
  ir_value *lr = dl_build_learning_rate(graph, &options->schedule, t.step, diag);
  if (!lr || update_weights(&t, grads, lr) != 0)
    return -1;
  ir_builder b = dl_train_builder(graph, DL_TRAIN_STEP_STATE, diag);
  ir_value *next_step = ir_build_op(&b, IR_OP_ADD, t.step, ir_build_scalar(&b, IR_DTYPE_I64, 1));
  if (!next_step || ir_graph_set_state_update(graph, t.step, next_step) != 0)
    return -1;
  return set_outputs(&t, loss, output);
}
