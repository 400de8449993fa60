/* The evaluation graph of `dlcc train` (train_eval.h). */
#include "tools/dlcc/train_eval.h"

#include <string.h>

#include "ir/state.h"

static ir_value *find_output(const ir_graph *graph, const char *name) {
  for (int i = 0; i < graph->body.num_results; i++)
    if (!name || strcmp(graph->body.results[i]->name, name) == 0)
      return graph->body.results[i];
  return NULL;
}

static const ir_value *find_input(const ir_graph *graph, const char *name) {
  for (int i = 0; i < graph->body.num_params; i++)
    if (strcmp(graph->body.params[i]->name, name) == 0)
      return graph->body.params[i];
  return NULL;
}

int train_build_eval(ir_graph *graph, const ir_graph *step, const dl_train_options *options,
                     dl_diag *diag) {
  for (int i = 0; i < step->num_states; i++) {
    ir_value *value = ir_graph_find_value(graph, step->states[i]->name);
    if (value && value->kind == IR_VALUE_CONSTANT && ir_value_make_state(graph, value) != 0)
      return dl_error(diag, "evaluation: cannot make '%s' a state", value->name);
  }
  const char *labels_name = options->labels ? options->labels : "labels";
  const ir_value *step_labels = find_input(step, labels_name);
  ir_value *output = find_output(graph, options->output);
  if (!step_labels || !output)
    return dl_error(diag, "evaluation: the model has no output '%s' or the step no labels",
                    options->output ? options->output : "(first)");
  ir_value *labels = ir_graph_add_input(graph, labels_name, step_labels->type);
  if (!labels)
    return dl_error(diag, "evaluation: the model already has a value named '%s'", labels_name);
  dl_loss_options loss = options->loss;
  loss.reduction = DL_REDUCTION_NONE;
  ir_value *per_element = dl_build_loss(graph, &loss, output, labels, diag);
  if (!per_element)
    return -1;
  graph->body.num_results = 0;
  if (ir_graph_add_output(graph, per_element) != 0 || ir_graph_add_output(graph, output) != 0)
    return dl_error(diag, "out of memory");
  return 0;
}
