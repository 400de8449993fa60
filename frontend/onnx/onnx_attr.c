/* Attributes: AttributeProto → IR node attributes (ints, floats, strings and their
 * lists). Tensor attributes are handled by the ops that have them (Constant,
 * ConstantOfShape); graph attributes (control flow) are rejected by the support check. */
#include "onnx_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

Onnx__AttributeProto__AttributeType onnx_attr_type(const Onnx__AttributeProto *attr) {
  if (attr->has_type)
    return attr->type;
  /* Writers before IR version 2 left `type` out: deduce it from the filled field. */
  if (attr->has_f)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
  if (attr->has_i)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
  if (attr->has_s)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
  if (attr->t)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
  if (attr->g)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
  if (attr->n_floats)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
  if (attr->n_ints)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
  if (attr->n_strings)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
  if (attr->n_tensors)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS;
  if (attr->n_graphs)
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS;
  return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

const Onnx__AttributeProto *onnx_find_attr(const Onnx__NodeProto *node, const char *name) {
  for (size_t i = 0; i < node->n_attribute; i++)
    if (strcmp(onnx_text(node->attribute[i]->name), name) == 0)
      return node->attribute[i];
  return NULL;
}

/* A bytes field as a NUL-terminated arena string ("" when absent). */
static const char *bytes_text(onnx_import *import, ProtobufCBinaryData bytes) {
  if (!bytes.data || bytes.len == 0)
    return ir_arena_strdup(import->graph->arena, "");
  return ir_arena_strndup(import->graph->arena, (const char *)bytes.data, bytes.len);
}

static int convert_strings(onnx_import *import, ir_node *node, const Onnx__AttributeProto *attr) {
  ir_arena *arena = import->graph->arena;
  const char **strings = ir_arena_alloc_array(arena, attr->n_strings + 1, sizeof(char *));
  if (!strings)
    return -1;
  for (size_t i = 0; i < attr->n_strings; i++) {
    strings[i] = bytes_text(import, attr->strings[i]);
    if (!strings[i])
      return -1;
  }
  return ir_node_set_strings(import->graph, node, attr->name, strings, (int)attr->n_strings);
}

/* Converts one attribute; -1 (without a message) when memory ran out, -2 for a kind
 * that has no IR form. */
static int convert_attr(onnx_import *import, ir_node *node, const Onnx__AttributeProto *attr) {
  ir_graph *graph = import->graph;
  const char *name = attr->name;
  switch (onnx_attr_type(attr)) {
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
    return ir_node_set_int(graph, node, name, attr->i);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
    return ir_node_set_float(graph, node, name, attr->f);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING: {
    const char *text = bytes_text(import, attr->s);
    return text ? ir_node_set_string(graph, node, name, text) : -1;
  }
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
    return ir_node_set_ints(graph, node, name, attr->ints, (int)attr->n_ints);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
    return ir_node_set_floats(graph, node, name, attr->floats, (int)attr->n_floats);
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
    return convert_strings(import, node, attr);
  default:
    return -2;
  }
}

static int compare_attr_names(const void *a, const void *b) {
  return strcmp(onnx_text((*(const Onnx__AttributeProto *const *)a)->name),
                onnx_text((*(const Onnx__AttributeProto *const *)b)->name));
}

int onnx_check_attr_names(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  if (proto->n_attribute < 2)
    return 0;
  /* Sorted, so that a node with many attributes costs n log n, not n^2. */
  const Onnx__AttributeProto **sorted =
      ir_arena_alloc_array(import->graph->arena, proto->n_attribute, sizeof(*sorted));
  if (!sorted)
    return onnx_error(import, "out of memory");
  memcpy(sorted, proto->attribute, proto->n_attribute * sizeof(*sorted));
  qsort(sorted, proto->n_attribute, sizeof(*sorted), compare_attr_names);
  for (size_t i = 1; i < proto->n_attribute; i++)
    if (compare_attr_names(&sorted[i - 1], &sorted[i]) == 0)
      return onnx_node_error(import, proto, index,
                             "attribute '%s' is given twice (ONNX allows each name once)",
                             onnx_text(sorted[i]->name));
  return 0;
}

int onnx_convert_attrs(onnx_import *import, const Onnx__NodeProto *proto, int index,
                       ir_node *node) {
  for (size_t i = 0; i < proto->n_attribute; i++) {
    const Onnx__AttributeProto *attr = proto->attribute[i];
    if (!attr->name || !*attr->name)
      return onnx_node_error(import, proto, index, "attribute %zu has no name", i);
    if (onnx_attr_is_normalized(import, proto, attr->name))
      continue;
    if (attr->n_ints > INT_MAX || attr->n_floats > INT_MAX || attr->n_strings > INT_MAX)
      return onnx_node_error(import, proto, index, "attribute '%s' has too many values",
                             attr->name);
    int status = convert_attr(import, node, attr);
    if (status == -2)
      return onnx_node_error(import, proto, index,
                             "unsupported attribute '%s' (kind %d has no dlcc form)", attr->name,
                             (int)onnx_attr_type(attr));
    if (status != 0)
      return onnx_node_error(import, proto, index, "out of memory");
  }
  return 0;
}
