/* ONNX export of a graph (see onnx_export.h). Every message is built in one arena and
 * packed once; nothing points into the graph after dl_onnx_export returns. */
#include "frontend/onnx/onnx_export.h"

#include <stdlib.h>
#include <string.h>

#include "ir/arena.h"
#include "onnx/onnx.pb-c.h"

/* The default domain's opset of the IR's op forms; ops introduced later raise it. */
enum { EXPORT_BASE_OPSET = 21 };
static const struct {
  ir_op op;
  int opset;
} INTRODUCED_AFTER_BASE[] = {
    {IR_OP_ATTENTION, 23},     {IR_OP_RMS_NORMALIZATION, 23}, {IR_OP_ROTARY_EMBEDDING, 23},
    {IR_OP_SWISH, 24},         {IR_OP_TENSOR_SCATTER, 24},    {IR_OP_CUM_PROD, 26},
    {IR_OP_BIT_CAST, 26},      {IR_OP_LINEAR_ATTENTION, 27},
};

typedef struct exporter {
  ir_arena *arena;
  const ir_graph *graph;
  dl_diag *diag;
  int opset;
  Onnx__FunctionProto **functions;
  int function_count;
  int *constant_stamp; /* by value id: 1 + the function that last got it as a Constant */
  int failed;
} exporter;

static void *alloc(exporter *e, size_t size) {
  void *memory = ir_arena_alloc(e->arena, size);
  if (!memory)
    e->failed = 1;
  else
    memset(memory, 0, size);
  return memory;
}

static void *copy_of(exporter *e, const void *initial, size_t size) {
  void *memory = alloc(e, size);
  if (memory)
    memcpy(memory, initial, size);
  return memory;
}

/* A new message of `type`, initialized by protobuf-c's INIT macro. */
#define NEW(e, type, init) ((type *)copy_of(e, &(type)init, sizeof(type)))

static char *text(exporter *e, const char *value) {
  char *copy = ir_arena_strdup(e->arena, value ? value : "");
  if (!copy)
    e->failed = 1;
  return copy;
}

static Onnx__TypeProto *type_proto(exporter *e, const ir_type *type) {
  Onnx__TypeProto *proto = NEW(e, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
  Onnx__TypeProto__Tensor *tensor = NEW(e, Onnx__TypeProto__Tensor, ONNX__TYPE_PROTO__TENSOR__INIT);
  Onnx__TensorShapeProto *shape = NEW(e, Onnx__TensorShapeProto, ONNX__TENSOR_SHAPE_PROTO__INIT);
  Onnx__TensorShapeProto__Dimension **dims = alloc(e, sizeof(*dims) * (size_t)(type->rank + 1));
  if (!proto || !tensor || !shape || !dims)
    return NULL;
  for (int d = 0; d < type->rank; d++) {
    Onnx__TensorShapeProto__Dimension *dim =
        NEW(e, Onnx__TensorShapeProto__Dimension, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT);
    if (!dim)
      return NULL;
    if (ir_dim_is_static(type->dims[d])) {
      dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      dim->dim_value = type->dims[d];
    } else {
      int symbol = ir_dim_symbol_index(type->dims[d]);
      dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      dim->dim_param = text(e, symbol < e->graph->num_symbols ? e->graph->symbols[symbol] : "?");
    }
    dims[d] = dim;
  }
  shape->n_dim = (size_t)type->rank;
  shape->dim = dims;
  tensor->has_elem_type = 1;
  tensor->elem_type = ir_dtype_to_onnx(type->dtype);
  tensor->shape = shape;
  proto->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  proto->tensor_type = tensor;
  return proto;
}

static Onnx__ValueInfoProto *value_info(exporter *e, const ir_value *value) {
  Onnx__ValueInfoProto *info = NEW(e, Onnx__ValueInfoProto, ONNX__VALUE_INFO_PROTO__INIT);
  if (info) {
    info->name = text(e, value->name);
    info->type = type_proto(e, &value->type);
  }
  return info;
}

static Onnx__TensorProto *tensor_proto(exporter *e, const ir_value *constant) {
  int64_t bytes = 0;
  if (!constant->data || !ir_type_byte_size(&constant->type, &bytes)) {
    dl_error(e->diag, "constant '%s' has no data (elided from a text dump): cannot export it",
             constant->name);
    e->failed = 1;
    return NULL;
  }
  Onnx__TensorProto *tensor = NEW(e, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
  int64_t *dims = alloc(e, sizeof(int64_t) * (size_t)(constant->type.rank + 1));
  if (!tensor || !dims)
    return NULL;
  memcpy(dims, constant->type.dims, sizeof(int64_t) * (size_t)constant->type.rank);
  tensor->name = text(e, constant->name);
  tensor->n_dims = (size_t)constant->type.rank;
  tensor->dims = dims;
  tensor->has_data_type = 1;
  tensor->data_type = ir_dtype_to_onnx(constant->type.dtype);
  tensor->has_raw_data = 1;
  tensor->raw_data.len = (size_t)bytes;
  tensor->raw_data.data = (uint8_t *)constant->data; /* packed as is: only read */
  return tensor;
}

static Onnx__AttributeProto *attribute_proto(exporter *e, const ir_attr *attr) {
  Onnx__AttributeProto *proto = NEW(e, Onnx__AttributeProto, ONNX__ATTRIBUTE_PROTO__INIT);
  if (!proto)
    return NULL;
  proto->name = text(e, attr->name);
  proto->has_type = 1;
  size_t count = (size_t)attr->count;
  switch (attr->kind) {
  case IR_ATTR_INT:
  case IR_ATTR_DTYPE:
    proto->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    proto->has_i = 1;
    proto->i = attr->kind == IR_ATTR_INT ? attr->as.i : ir_dtype_to_onnx(attr->as.dtype);
    break;
  case IR_ATTR_FLOAT:
    proto->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    proto->has_f = 1;
    proto->f = attr->as.f;
    break;
  case IR_ATTR_STRING:
    proto->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    proto->has_s = 1;
    proto->s.data = (uint8_t *)text(e, attr->as.s);
    proto->s.len = strlen(attr->as.s);
    break;
  case IR_ATTR_INTS:
    proto->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    proto->n_ints = count;
    proto->ints = (int64_t *)attr->as.ints;
    break;
  case IR_ATTR_FLOATS:
    proto->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    proto->n_floats = count;
    proto->floats = (float *)attr->as.floats;
    break;
  case IR_ATTR_STRINGS:
    proto->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
    proto->n_strings = count;
    proto->strings = alloc(e, sizeof(ProtobufCBinaryData) * (count + 1));
    for (size_t i = 0; proto->strings && i < count; i++) {
      proto->strings[i].data = (uint8_t *)text(e, attr->as.strings[i]);
      proto->strings[i].len = strlen(attr->as.strings[i]);
    }
    break;
  }
  return proto;
}

static char **value_names(exporter *e, ir_value *const *values, int count) {
  char **names = alloc(e, sizeof(char *) * (size_t)(count + 1));
  for (int i = 0; names && i < count; i++)
    names[i] = text(e, values[i] ? values[i]->name : "");
  return names;
}

/* A Constant node holding `constant`: a function body cannot read the graph's
 * initializers. */
static Onnx__NodeProto *constant_node(exporter *e, const ir_value *constant) {
  Onnx__NodeProto *node = NEW(e, Onnx__NodeProto, ONNX__NODE_PROTO__INIT);
  Onnx__AttributeProto *value = NEW(e, Onnx__AttributeProto, ONNX__ATTRIBUTE_PROTO__INIT);
  Onnx__AttributeProto **attributes = alloc(e, sizeof(*attributes));
  if (!node || !value || !attributes)
    return NULL;
  value->name = text(e, "value");
  value->has_type = 1;
  value->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  value->t = tensor_proto(e, constant);
  attributes[0] = value;
  node->op_type = text(e, "Constant");
  node->domain = text(e, "");
  node->n_output = 1;
  node->output = value_names(e, (ir_value *const *)&constant, 1);
  node->n_attribute = 1;
  node->attribute = attributes;
  return node;
}

typedef struct node_list {
  Onnx__NodeProto **nodes;
  size_t count, capacity;
} node_list;

static void append(exporter *e, node_list *list, Onnx__NodeProto *node) {
  if (!node) {
    e->failed = 1;
    return;
  }
  if (list->count == list->capacity) {
    size_t capacity = list->capacity ? 2 * list->capacity : 16;
    Onnx__NodeProto **grown = alloc(e, sizeof(*grown) * capacity);
    if (!grown)
      return;
    if (list->count)
      memcpy(grown, list->nodes, sizeof(*grown) * list->count);
    list->nodes = grown;
    list->capacity = capacity;
  }
  list->nodes[list->count++] = node;
}

static Onnx__NodeProto *node_proto(exporter *e, const ir_node *node);

/* The function a dl.group's node calls: its body, with the constants it reads as Constant
 * nodes. Named after the group (unique: the node's output names are). */
static const char *group_function(exporter *e, const ir_node *group) {
  Onnx__FunctionProto *function = NEW(e, Onnx__FunctionProto, ONNX__FUNCTION_PROTO__INIT);
  Onnx__OperatorSetIdProto *opset = NEW(e, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT);
  Onnx__OperatorSetIdProto **opsets = alloc(e, sizeof(*opsets));
  Onnx__FunctionProto **functions =
      alloc(e, sizeof(*functions) * (size_t)(e->function_count + 1));
  if (!function || !opset || !opsets || !functions)
    return NULL;
  const ir_region *body = group->body;
  node_list nodes = {0};
  for (const ir_node *inner = body->first; inner; inner = inner->next)
    for (int k = 0; k < inner->num_inputs; k++) {
      const ir_value *input = inner->inputs[k];
      if (!input || input->kind != IR_VALUE_CONSTANT ||
          e->constant_stamp[input->id] == e->function_count + 1)
        continue; /* one Constant per constant and body */
      e->constant_stamp[input->id] = e->function_count + 1;
      append(e, &nodes, constant_node(e, input));
    }
  for (const ir_node *inner = body->first; inner; inner = inner->next)
    append(e, &nodes, node_proto(e, inner));
  const char *name = ir_arena_printf(e->arena, "group_%s", group->outputs[0]->name);
  function->name = text(e, name);
  function->domain = text(e, "dlcc");
  function->n_input = (size_t)body->num_params;
  function->input = value_names(e, body->params, body->num_params);
  function->n_output = (size_t)body->num_results;
  function->output = value_names(e, body->results, body->num_results);
  function->n_node = nodes.count;
  function->node = nodes.nodes;
  opset->domain = text(e, "");
  opset->has_version = 1;
  opset->version = e->opset;
  opsets[0] = opset;
  function->n_opset_import = 1;
  function->opset_import = opsets;
  if (e->function_count)
    memcpy(functions, e->functions, sizeof(*functions) * (size_t)e->function_count);
  functions[e->function_count++] = function;
  e->functions = functions;
  return function->name;
}

static Onnx__NodeProto *node_proto(exporter *e, const ir_node *node) {
  Onnx__NodeProto *proto = NEW(e, Onnx__NodeProto, ONNX__NODE_PROTO__INIT);
  Onnx__AttributeProto **attributes = alloc(e, sizeof(*attributes) * (size_t)(node->num_attrs + 1));
  if (!proto || !attributes)
    return NULL;
  proto->name = text(e, node->name);
  if (node->op == IR_OP_GROUP) {
    proto->op_type = (char *)group_function(e, node);
    proto->domain = text(e, "dlcc");
  } else if (node->op == IR_OP_COPY) {
    proto->op_type = text(e, "Identity"); /* a copy into a buffer of its own */
    proto->domain = text(e, "");
  } else if (node->body) {
    dl_error(e->diag, "node '%s' (%s) has a body that ONNX export does not write", node->name,
             ir_op_name(node->op));
    e->failed = 1;
    return NULL;
  } else {
    proto->op_type = text(e, ir_op_name(node->op));
    proto->domain = text(e, "");
  }
  proto->n_input = (size_t)node->num_inputs;
  proto->input = value_names(e, node->inputs, node->num_inputs);
  proto->n_output = (size_t)node->num_outputs;
  proto->output = value_names(e, node->outputs, node->num_outputs);
  if (node->op != IR_OP_GROUP)
    for (int i = 0; i < node->num_attrs; i++)
      attributes[proto->n_attribute++] = attribute_proto(e, &node->attrs[i]);
  proto->attribute = attributes;
  return proto;
}

static int opset_of(const ir_graph *graph) {
  int opset = EXPORT_BASE_OPSET;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node; node = ir_graph_next_node(graph, node))
    for (size_t i = 0; i < sizeof(INTRODUCED_AFTER_BASE) / sizeof(INTRODUCED_AFTER_BASE[0]); i++)
      if (node->op == INTRODUCED_AFTER_BASE[i].op && INTRODUCED_AFTER_BASE[i].opset > opset)
        opset = INTRODUCED_AFTER_BASE[i].opset;
  return opset;
}

static Onnx__GraphProto *graph_proto(exporter *e) {
  const ir_graph *graph = e->graph;
  Onnx__GraphProto *proto = NEW(e, Onnx__GraphProto, ONNX__GRAPH_PROTO__INIT);
  if (!proto)
    return NULL;
  proto->name = text(e, graph->name ? graph->name : "main");
  node_list nodes = {0};
  int value_count = 0;
  for (const ir_node *node = graph->body.first; node; node = node->next) {
    append(e, &nodes, node_proto(e, node));
    value_count += node->num_outputs;
  }
  proto->n_node = nodes.count;
  proto->node = nodes.nodes;
  const ir_region *body = &graph->body;
  proto->input = alloc(e, sizeof(*proto->input) * (size_t)(body->num_params + 1));
  for (int i = 0; proto->input && i < body->num_params; i++)
    proto->input[proto->n_input++] = value_info(e, body->params[i]);
  proto->output = alloc(e, sizeof(*proto->output) * (size_t)(body->num_results + 1));
  for (int i = 0; proto->output && i < body->num_results; i++)
    proto->output[proto->n_output++] = value_info(e, body->results[i]);
  /* Types of the intermediate values: Netron shows them on the edges. */
  proto->value_info = alloc(e, sizeof(*proto->value_info) * (size_t)(value_count + 1));
  for (const ir_node *node = graph->body.first; proto->value_info && node; node = node->next)
    for (int j = 0; j < node->num_outputs; j++)
      proto->value_info[proto->n_value_info++] = value_info(e, node->outputs[j]);
  /* Initializers: the constants the top level reads or yields (a group's body gets its own
   * as Constant nodes). */
  bool *read = calloc((size_t)graph->num_values + 1, sizeof(bool));
  if (!read) {
    e->failed = 1;
    return NULL;
  }
  for (const ir_node *node = graph->body.first; node; node = node->next)
    for (int k = 0; k < node->num_inputs; k++)
      if (node->inputs[k])
        read[node->inputs[k]->id] = true;
  for (int i = 0; i < body->num_results; i++)
    read[body->results[i]->id] = true;
  proto->initializer = alloc(e, sizeof(*proto->initializer) * (size_t)(graph->num_constants + 1));
  for (int i = 0; proto->initializer && i < graph->num_constants; i++)
    if (read[graph->constants[i]->id])
      proto->initializer[proto->n_initializer++] = tensor_proto(e, graph->constants[i]);
  free(read);
  return proto;
}

int dl_onnx_export(const ir_graph *graph, uint8_t **out_bytes, size_t *out_size, dl_diag *diag) {
  *out_bytes = NULL;
  *out_size = 0;
  exporter e = {.arena = ir_arena_create(), .graph = graph, .diag = diag, .opset = opset_of(graph)};
  if (!e.arena)
    return dl_error(diag, "ONNX export: out of memory");
  e.constant_stamp = alloc(&e, sizeof(int) * ((size_t)graph->num_values + 1));
  Onnx__ModelProto *model = NEW(&e, Onnx__ModelProto, ONNX__MODEL_PROTO__INIT);
  Onnx__OperatorSetIdProto *opsets[2] = {
      NEW(&e, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT),
      NEW(&e, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT)};
  if (model && opsets[0] && opsets[1] && e.constant_stamp) {
    opsets[0]->domain = text(&e, "");
    opsets[0]->has_version = 1;
    opsets[0]->version = e.opset;
    opsets[1]->domain = text(&e, "dlcc");
    opsets[1]->has_version = 1;
    opsets[1]->version = 1;
    model->has_ir_version = 1;
    model->ir_version = 10; /* model-local functions and opset 21 */
    model->producer_name = text(&e, "dlcc");
    model->n_opset_import = 2;
    model->opset_import = opsets;
    model->graph = graph_proto(&e);
    model->n_functions = (size_t)e.function_count;
    model->functions = e.functions;
  }
  int status = 0;
  if (e.failed || !model || !model->graph) {
    status = diag->count ? -1 : dl_error(diag, "ONNX export: out of memory");
  } else {
    size_t size = onnx__model_proto__get_packed_size(model);
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes) {
      status = dl_error(diag, "ONNX export: out of memory (%zu bytes)", size);
    } else {
      onnx__model_proto__pack(model, bytes);
      *out_bytes = bytes;
      *out_size = size;
    }
  }
  ir_arena_destroy(e.arena);
  return status;
}
