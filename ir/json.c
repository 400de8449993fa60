/* JSON output of a graph, built with libcjson (a small, well-kept JSON library). */
#include "ir/json.h"

#include "ir/state.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* cJSON keeps numbers as doubles, exact only up to 2^53; larger integers (INT64_MAX as
 * "to the end" in Slice-like attributes) are written as raw digits so readers get them exactly. */
static cJSON *int_json(int64_t value) {
  const int64_t exact_limit = (int64_t)1 << 53;
  if (value > -exact_limit && value < exact_limit)
    return cJSON_CreateNumber((double)value);
  char digits[32];
  snprintf(digits, sizeof(digits), "%" PRId64, value);
  return cJSON_CreateRaw(digits);
}

static cJSON *shape_json(const ir_graph *graph, const ir_type *type) {
  cJSON *shape = cJSON_CreateArray();
  for (int i = 0; shape && i < type->rank && i < IR_MAX_RANK; i++) {
    int64_t dim = type->dims[i];
    int symbol = ir_dim_is_static(dim) ? -1 : ir_dim_symbol_index(dim);
    if (symbol < 0)
      cJSON_AddItemToArray(shape, int_json(dim));
    else if (symbol < graph->num_symbols)
      cJSON_AddItemToArray(shape, cJSON_CreateString(graph->symbols[symbol]));
    else
      cJSON_AddItemToArray(shape, cJSON_CreateNull());
  }
  return shape;
}

static cJSON *tensor_json(const ir_graph *graph, const ir_value *value) {
  cJSON *tensor = cJSON_CreateObject();
  cJSON_AddStringToObject(tensor, "name", value->name);
  cJSON_AddStringToObject(tensor, "dtype", ir_dtype_name(value->type.dtype));
  cJSON_AddItemToObject(tensor, "shape", shape_json(graph, &value->type));
  return tensor;
}

static cJSON *constant_json(const ir_graph *graph, const ir_value *value) {
  cJSON *constant = tensor_json(graph, value);
  int64_t bytes = 0;
  if (ir_type_byte_size(&value->type, &bytes))
    cJSON_AddItemToObject(constant, "bytes", int_json(bytes));
  else
    cJSON_AddNullToObject(constant, "bytes");
  cJSON_AddBoolToObject(constant, "elided", value->data == NULL);
  return constant;
}

static cJSON *attribute_json(const ir_attr *attr) {
  cJSON *list;
  switch (attr->kind) {
  case IR_ATTR_INT:
    return int_json(attr->as.i);
  case IR_ATTR_FLOAT:
    return cJSON_CreateNumber(attr->as.f);
  case IR_ATTR_STRING:
    return cJSON_CreateString(attr->as.s ? attr->as.s : "");
  case IR_ATTR_DTYPE:
    return cJSON_CreateString(ir_dtype_name(attr->as.dtype));
  case IR_ATTR_STRINGS:
    return cJSON_CreateStringArray(attr->as.strings, attr->count);
  case IR_ATTR_FLOATS:
    return cJSON_CreateFloatArray(attr->as.floats, attr->count);
  case IR_ATTR_INTS:
    list = cJSON_CreateArray();
    for (int i = 0; list && i < attr->count; i++)
      cJSON_AddItemToArray(list, int_json(attr->as.ints[i]));
    return list;
  }
  return cJSON_CreateNull();
}

static cJSON *names_json(ir_value *const *values, int count) {
  cJSON *names = cJSON_CreateArray();
  for (int i = 0; names && i < count; i++)
    cJSON_AddItemToArray(names,
                         values[i] ? cJSON_CreateString(values[i]->name) : cJSON_CreateNull());
  return names;
}

static cJSON *region_nodes_json(const ir_graph *graph, const ir_region *region);

static cJSON *node_json(const ir_graph *graph, const ir_node *node) {
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "op", ir_op_name(node->op));
  cJSON_AddStringToObject(json, "name", node->name);
  cJSON_AddItemToObject(json, "inputs", names_json(node->inputs, node->num_inputs));
  cJSON *outputs = cJSON_AddArrayToObject(json, "outputs");
  for (int i = 0; outputs && i < node->num_outputs; i++)
    cJSON_AddItemToArray(outputs, tensor_json(graph, node->outputs[i]));
  cJSON *attributes = cJSON_AddObjectToObject(json, "attributes");
  for (int i = 0; attributes && i < node->num_attrs; i++)
    cJSON_AddItemToObject(attributes, node->attrs[i].name, attribute_json(&node->attrs[i]));
  if (node->body) {
    cJSON *body = cJSON_AddObjectToObject(json, "body");
    cJSON *params = cJSON_AddArrayToObject(body, "params");
    for (int i = 0; params && i < node->body->num_params; i++)
      cJSON_AddItemToArray(params, tensor_json(graph, node->body->params[i]));
    cJSON_AddItemToObject(body, "nodes", region_nodes_json(graph, node->body));
    cJSON_AddItemToObject(body, "results",
                          names_json(node->body->results, node->body->num_results));
  }
  return json;
}

static cJSON *region_nodes_json(const ir_graph *graph, const ir_region *region) {
  cJSON *nodes = cJSON_CreateArray();
  for (const ir_node *node = region->first; nodes && node; node = node->next)
    cJSON_AddItemToArray(nodes, node_json(graph, node));
  return nodes;
}

static cJSON *graph_json(const ir_graph *graph) {
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "name", graph->name ? graph->name : "");
  cJSON_AddItemToObject(json, "symbols",
                        cJSON_CreateStringArray(graph->symbols, graph->num_symbols));
  cJSON *inputs = cJSON_AddArrayToObject(json, "inputs");
  for (int i = 0; inputs && i < graph->body.num_params; i++)
    cJSON_AddItemToArray(inputs, tensor_json(graph, graph->body.params[i]));
  cJSON *outputs = cJSON_AddArrayToObject(json, "outputs");
  for (int i = 0; outputs && i < graph->body.num_results; i++)
    cJSON_AddItemToArray(outputs, tensor_json(graph, graph->body.results[i]));
  cJSON *constants = cJSON_AddArrayToObject(json, "constants");
  for (int i = 0; constants && i < graph->num_constants; i++)
    cJSON_AddItemToArray(constants, constant_json(graph, graph->constants[i]));
  /* Each state as a constant (its initial value) with the value it takes after a run. */
  cJSON *states = cJSON_AddArrayToObject(json, "states");
  for (int i = 0; states && i < graph->num_states; i++) {
    cJSON *state = constant_json(graph, graph->states[i]);
    const ir_value *update = ir_graph_state_update(graph, graph->states[i]);
    if (update)
      cJSON_AddStringToObject(state, "update", update->name);
    else
      cJSON_AddNullToObject(state, "update");
    cJSON_AddItemToArray(states, state);
  }
  cJSON_AddItemToObject(json, "nodes", region_nodes_json(graph, &graph->body));
  return json;
}

int ir_json_graph(const ir_graph *graph, FILE *out, dl_diag *diag) {
  cJSON *json = graph_json(graph);
  char *text = json ? cJSON_Print(json) : NULL;
  cJSON_Delete(json);
  if (!text)
    return dl_error(diag, "out of memory while writing the graph as JSON");
  fputs(text, out);
  fputc('\n', out);
  cJSON_free(text);
  if (ferror(out))
    return dl_error(diag, "cannot write the JSON graph (disk full or closed stream?)");
  return 0;
}
