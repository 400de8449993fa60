/* Bound inputs: graph inputs whose values are fixed at compile time, so that the shapes
 * they decide are known (`dlcc compile --bind`, `dlcc run`), and finding the graph inputs a
 * shape-deciding value is computed from. */
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

#include "ir/array.h"
#include "ir/infer.h"

void dl_onnx_names_free(dl_onnx_names *names) {
  for (int i = 0; i < names->count; i++)
    free(names->names[i]);
  free(names->names);
  *names = (dl_onnx_names){0};
}

static const dl_onnx_input_value *given_value(const onnx_import *import, const char *name) {
  const dl_onnx_options *options = import->options;
  for (int i = 0; options && i < options->num_input_values; i++)
    if (strcmp(options->input_values[i].name, name) == 0)
      return &options->input_values[i];
  return NULL;
}

int onnx_bind_input(onnx_import *import, ir_value *input) {
  const dl_onnx_input_value *given = given_value(import, input->name);
  if (!given)
    return 0;
  char want[160], have[160];
  if (!ir_type_equal(&given->type, &input->type)) {
    ir_format_type(import->graph, &input->type, want, sizeof(want));
    ir_format_type(import->graph, &given->type, have, sizeof(have));
    return onnx_error(import, "graph input '%s' is %s; the value bound to it is %s", input->name,
                      want, have);
  }
  ir_graph *graph = import->graph;
  const char *name = ir_graph_unique_name(graph, ir_arena_printf(graph->arena, "%s.bound",
                                                                 input->name));
  ir_value *value = name ? ir_graph_add_constant_copy(graph, name, given->type, given->data) : NULL;
  if (!value || ir_graph_bind_input(graph, input, value) != 0)
    return onnx_error(import, "out of memory");
  return 0;
}

int onnx_check_input_values(onnx_import *import) {
  const dl_onnx_options *options = import->options;
  int status = 0;
  for (int i = 0; options && i < options->num_input_values; i++) {
    const char *name = options->input_values[i].name;
    const ir_value *value = ir_graph_find_value(import->graph, name);
    for (int j = 0; j < i; j++)
      if (strcmp(options->input_values[j].name, name) == 0)
        return onnx_error(import, "input '%s' is bound twice", name);
    if (!value || value->kind != IR_VALUE_PARAM)
      status = onnx_error(import, "cannot bind '%s': the model has no graph input of that name%s",
                          name, value ? " (it is an initializer)" : "");
  }
  return status;
}

ir_value *onnx_lookup_value(onnx_import *import, const char *name) {
  ir_value *value = ir_graph_find_value(import->graph, name);
  if (value && value->kind == IR_VALUE_PARAM && import->graph->num_bound_inputs > 0) {
    const ir_value *bound = ir_graph_bound_value(import->graph, value);
    if (bound)
      return (ir_value *)bound;
  }
  return value;
}

static int note_name(dl_onnx_names *names, const char *name) {
  for (int i = 0; i < names->count; i++)
    if (strcmp(names->names[i], name) == 0)
      return 0;
  char *copy = strdup(name);
  if (!copy || IR_ARRAY_APPEND(NULL, names->names, names->count, names->capacity, copy)) {
    free(copy);
    return -1;
  }
  return 0;
}

int onnx_note_shape_deciding(onnx_import *import, const ir_value *value) {
  const ir_graph *graph = import->graph;
  dl_onnx_names *names = import->options ? import->options->shape_deciding_inputs : NULL;
  bool *seen = calloc((size_t)graph->num_values + 1, sizeof(bool));
  const ir_value **stack = malloc(((size_t)graph->num_values + 1) * sizeof(*stack));
  int found = 0, depth = 0;
  if (!seen || !stack) {
    free(seen);
    free(stack);
    return -1;
  }
  /* Depth-first over the producers: each value once, so the walk is linear. */
  stack[depth++] = value;
  seen[value->id] = true;
  while (depth > 0 && found >= 0) {
    const ir_value *at = stack[--depth];
    if (at->kind == IR_VALUE_PARAM && at->region == &graph->body) {
      found++;
      if (names && note_name(names, at->name) != 0)
        found = -1;
      continue;
    }
    const ir_node *producer = at->kind == IR_VALUE_RESULT ? at->producer : NULL;
    for (int i = 0; producer && i < producer->num_inputs; i++) {
      const ir_value *input = producer->inputs[i];
      if (input && input->id < graph->num_values && !seen[input->id]) {
        seen[input->id] = true;
        stack[depth++] = input;
      }
    }
  }
  free(seen);
  free(stack);
  return found;
}
