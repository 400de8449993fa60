/* Node import: builds each ONNX node in order (Constant nodes become constants),
 * normalizes it to the latest opset, then infers its types and folds shape chains. */
#include "onnx_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/array.h"
#include "ir/fold.h"
#include "ir/infer.h"

/* Forwards the messages of a private diagnostics list, prefixed with the file name. */
static void forward_messages(onnx_import *import, const dl_diag *local) {
  for (int i = 0; i < local->count; i++) {
    const char *message = dl_diag_message(local, i);
    if (*message)
      onnx_error(import, "%s", message);
  }
}

int onnx_finish_node(onnx_import *import, ir_node *node) {
  dl_diag local;
  dl_diag_init(&local);
  int status = ir_infer_node(import->graph, node, &local);
  bool folded = false;
  if (status == 0)
    status = ir_fold_node(import->graph, node, &folded, &local);
  if (status != 0 && local.count == 0)
    dl_error(&local, "node '%s' (%s): import failed", node->name, ir_op_name(node->op));
  forward_messages(import, &local);
  dl_diag_deinit(&local);
  return status;
}

/* Inputs whose values decide an output's shape (SHAPE_INPUTS in ir/ops.def) must be
 * constants: dlcc compiles for static shapes. Every such input is reported to the caller that
 * collects them (so one retry binds them all); the first is the error. */
static int check_constant_inputs(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                 const ir_node *node) {
  int first = -1, from_inputs = 0;
  for (int i = 0; i < node->num_inputs; i++) {
    const ir_value *input = node->inputs[i];
    if (!ir_op_input_decides_shape(node->op, i) || !input || input->kind == IR_VALUE_CONSTANT)
      continue;
    int found = onnx_note_shape_deciding(import, input);
    if (found < 0)
      return onnx_error(import, "out of memory");
    if (first < 0) {
      first = i;
      from_inputs = found;
    }
  }
  if (first < 0)
    return 0;
  /* Computed from graph inputs only: binding their values is the way out; with symbolic
   * dims around, binding those is the usual one. */
  char hint[256] = "";
  if (import->graph->num_symbols > 0)
    snprintf(hint, sizeof(hint), "; give symbolic dimensions a size, e.g. --dim %s=1",
             import->graph->symbols[0]);
  else if (from_inputs > 0)
    snprintf(hint, sizeof(hint),
             "; fix the graph inputs it is computed from with --bind NAME=FILE");
  return onnx_node_error(import, proto, index,
                         "unsupported: input %d '%s' decides the output shape but is "
                         "computed at run time (dlcc needs it at compile time%s)",
                         first, node->inputs[first]->name, hint);
}

/* Constant's value attributes and the kind each must have. */
static const struct {
  const char *name;
  Onnx__AttributeProto__AttributeType type;
} CONSTANT_VALUES[] = {
    {"value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR},
    {"value_float", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT},
    {"value_int", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT},
    {"value_floats", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS},
    {"value_ints", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS},
};

static const char *attr_type_name(Onnx__AttributeProto__AttributeType type) {
  const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value(
      &onnx__attribute_proto__attribute_type__descriptor, (int)type);
  return value ? value->name : "unknown";
}

/* The value attribute must carry the kind its name promises: a value_float stored as ints
 * would otherwise read as 0.0. */
static int check_constant_kind(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               const Onnx__AttributeProto *attr) {
  const char *kind = onnx_text(attr->name);
  for (size_t i = 0; i < sizeof(CONSTANT_VALUES) / sizeof(CONSTANT_VALUES[0]); i++)
    if (strcmp(kind, CONSTANT_VALUES[i].name) == 0) {
      Onnx__AttributeProto__AttributeType type = onnx_attr_type(attr);
      if (type != CONSTANT_VALUES[i].type)
        return onnx_node_error(import, proto, index,
                               "attribute '%s' is of type %s, not %s as its name requires", kind,
                               attr_type_name(type), attr_type_name(CONSTANT_VALUES[i].type));
      if (type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR && !attr->t)
        return onnx_node_error(import, proto, index, "attribute 'value' holds no tensor");
      return 0;
    }
  return onnx_node_error(import, proto, index, "unsupported value attribute '%s'", kind);
}

static int import_constant(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  if (proto->n_output != 1 || !*onnx_text(proto->output[0]))
    return onnx_node_error(import, proto, index, "needs exactly one named output");
  if (proto->n_attribute != 1)
    return onnx_node_error(import, proto, index, "needs exactly one value attribute");
  const Onnx__AttributeProto *attr = proto->attribute[0];
  const char *name = proto->output[0];
  const char *kind = onnx_text(attr->name);
  if (check_constant_kind(import, proto, index, attr) != 0)
    return -1;
  ir_graph *graph = import->graph;
  ir_value *value = NULL;
  int64_t count[1];
  if (strcmp(kind, "value") == 0)
    return onnx_import_tensor(import, attr->t, name) ? 0 : -1;
  if (ir_graph_find_value(graph, name))
    return onnx_node_error(import, proto, index, "output '%s' is already defined", name);
  if (strcmp(kind, "value_float") == 0) {
    value = ir_graph_add_constant_copy(graph, name, ir_type_scalar(IR_DTYPE_F32), &attr->f);
  } else if (strcmp(kind, "value_int") == 0) {
    value = ir_graph_add_constant_copy(graph, name, ir_type_scalar(IR_DTYPE_I64), &attr->i);
  } else if (strcmp(kind, "value_floats") == 0) {
    count[0] = (int64_t)attr->n_floats;
    float empty = 0;
    value = ir_graph_add_constant_copy(graph, name, ir_type_make(IR_DTYPE_F32, 1, count),
                                       attr->n_floats ? attr->floats : &empty);
  } else if (strcmp(kind, "value_ints") == 0) {
    count[0] = (int64_t)attr->n_ints;
    int64_t empty = 0;
    value = ir_graph_add_constant_copy(graph, name, ir_type_make(IR_DTYPE_I64, 1, count),
                                       attr->n_ints ? attr->ints : &empty);
  } else {
    return onnx_node_error(import, proto, index, "unsupported value attribute '%s'", kind);
  }
  return value ? 0 : onnx_error(import, "out of memory");
}

/* Looks up the node's inputs; absent optional inputs ("") are NULL, trailing ones dropped
 * (the caller's array is zeroed, so they read as NULL too). */
static int resolve_inputs(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int *out_count) {
  int count = (int)proto->n_input;
  while (count > 0 && !*onnx_text(proto->input[count - 1]))
    count--;
  for (int i = 0; i < count; i++) {
    const char *name = onnx_text(proto->input[i]);
    inputs[i] = *name ? onnx_lookup_value(import, name) : NULL;
    if (*name && !inputs[i])
      return onnx_node_error(import, proto, index,
                             "input '%s' is not defined before this node (ONNX graphs must "
                             "list nodes in topological order)",
                             name);
  }
  *out_count = count;
  return 0;
}

/* Output names ("" → NULL: fresh names for unused optional outputs). */
static int output_names(onnx_import *import, const Onnx__NodeProto *proto, int index,
                        const char **names, int *out_count) {
  int count = (int)proto->n_output;
  while (count > 1 && !*onnx_text(proto->output[count - 1]))
    count--;
  /* BatchNormalization's training outputs were checked unused by the support check. */
  if (strcmp(onnx_text(proto->op_type), "BatchNormalization") == 0 && count > 1)
    count = 1;
  for (int i = 0; i < count; i++) {
    const char *name = onnx_text(proto->output[i]);
    /* Unnamed optional outputs get names after the node, which read better than "vN". */
    names[i] = *name ? name
                     : ir_graph_unique_name(
                           import->graph,
                           ir_arena_printf(import->graph->arena, "%s.output%d",
                                           onnx_node_display_name(import, proto, index), i));
    if (*name && ir_graph_find_value(import->graph, name))
      return onnx_node_error(import, proto, index, "output '%s' is already defined", name);
  }
  *out_count = count;
  return 0;
}

int onnx_import_node(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  const char *op_name = onnx_text(proto->op_type);
  if (strcmp(op_name, "Constant") == 0)
    return import_constant(import, proto, index);
  if (onnx_is_inlined_control_flow(op_name))
    return onnx_import_control_flow(import, proto, index);
  if (onnx_is_batch_norm_training(proto))
    return onnx_import_batch_norm_training(import, proto, index);
  if (proto->n_input > 1024 || proto->n_output > 1024 || proto->n_output == 0)
    return onnx_node_error(import, proto, index, "has %zu inputs and %zu outputs", proto->n_input,
                           proto->n_output);
  /* Zeroed: an expansion may read an optional input past num_inputs and must see NULL. */
  ir_value *inputs[1024] = {0};
  const char *names[1024] = {0};
  int num_inputs = 0, num_outputs = 0;
  if (onnx_check_attr_names(import, proto, index) != 0 ||
      resolve_inputs(import, proto, index, inputs, &num_inputs) != 0 ||
      output_names(import, proto, index, names, &num_outputs) != 0)
    return -1;
  int64_t legacy_axis;
  if (onnx_legacy_broadcast_axis(import, proto, inputs, num_inputs, &legacy_axis) &&
      onnx_align_legacy_broadcast(import, proto, index, inputs, num_inputs, legacy_axis) != 0)
    return -1;
  const onnx_expansion *expansion = onnx_find_expansion(import, proto, inputs, num_inputs);
  if (expansion)
    return expansion->expand(import, proto, index, inputs, num_inputs, names, num_outputs);
  ir_node *node = ir_graph_add_node(import->graph, NULL, onnx_ir_op(op_name),
                                    onnx_node_display_name(import, proto, index), inputs,
                                    onnx_kept_inputs(proto, num_inputs), names, num_outputs);
  if (!node)
    return onnx_error(import, "out of memory");
  if (onnx_convert_attrs(import, proto, index, node) != 0 ||
      onnx_normalize_node(import, proto, index, node) != 0 ||
      check_constant_inputs(import, proto, index, node) != 0)
    return -1;
  return onnx_finish_node(import, node);
}

/* Names of values that could not be built because their node (or one it depends on) is
 * unsupported; nodes reading them are skipped without a message of their own. */
typedef struct skipped_values {
  const char **names;
  size_t count, capacity;
} skipped_values;

static bool is_skipped(const skipped_values *skipped, const char *name) {
  for (size_t i = 0; i < skipped->count; i++)
    if (strcmp(skipped->names[i], name) == 0)
      return true;
  return false;
}

static bool reads_skipped(const skipped_values *skipped, const Onnx__NodeProto *proto) {
  for (size_t i = 0; skipped->count && i < proto->n_input; i++)
    if (*onnx_text(proto->input[i]) && is_skipped(skipped, proto->input[i]))
      return true;
  return false;
}

static int skip_outputs(skipped_values *skipped, const Onnx__NodeProto *proto) {
  for (size_t i = 0; i < proto->n_output; i++)
    if (IR_ARRAY_APPEND(NULL, skipped->names, skipped->count, skipped->capacity,
                        onnx_text(proto->output[i])) != 0)
      return -1;
  return 0;
}

static bool reported_unsupported(const dl_diag *diag, int first_message) {
  for (int i = first_message; i < diag->count; i++)
    if (strstr(dl_diag_message(diag, i), "unsupported"))
      return true;
  return false;
}

/* Imports the nodes in order. A node found unsupported only while building it (a shape
 * input computed at run time, say) does not stop the import at once: the nodes that do
 * not depend on it go on, so one run lists every such node. Other errors stop it. */
int onnx_import_nodes(onnx_import *import) {
  const Onnx__GraphProto *graph = import->graph_proto;
  skipped_values skipped = {0};
  int status = 0;
  for (size_t i = 0; i < graph->n_node && status == 0; i++) {
    const Onnx__NodeProto *proto = graph->node[i];
    if (reads_skipped(&skipped, proto)) {
      if (skip_outputs(&skipped, proto) != 0)
        status = onnx_error(import, "out of memory");
      continue;
    }
    int first_message = import->diag ? import->diag->count : 0;
    if (onnx_import_node(import, proto, (int)i) == 0)
      continue;
    if (!import->diag || !reported_unsupported(import->diag, first_message))
      status = -1;
    else if (skip_outputs(&skipped, proto) != 0)
      status = onnx_error(import, "out of memory");
  }
  if (status == 0 && skipped.count > 0)
    status = -1; /* every unsupported node has been reported */
  free(skipped.names);
  return status;
}
