/* Support check: finds every node dlcc cannot import (unknown op or domain, control
 * flow, attribute kinds without an IR form, legacy semantics) and reports them all
 * at once, before any node is built. */
#include "onnx_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *onnx_node_display_name(onnx_import *import, const Onnx__NodeProto *node, int index) {
  if (node->name && *node->name)
    return node->name;
  const char *name =
      ir_arena_printf(import->graph->arena, "%s_%d", onnx_text(node->op_type), index);
  return name ? name : "?";
}

int onnx_node_error(onnx_import *import, const Onnx__NodeProto *node, int index, const char *format,
                    ...) {
  char message[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  return onnx_error(import, "node '%s' (%s, opset %lld): %s",
                    onnx_node_display_name(import, node, index), onnx_text(node->op_type),
                    (long long)import->opset, message);
}

bool onnx_is_default_domain(const char *domain) {
  return !domain || strcmp(domain, "") == 0 || strcmp(domain, "ai.onnx") == 0;
}

bool onnx_op_has_inlined_bodies(const char *op) {
  return onnx_is_inlined_control_flow(op) || strcmp(op, "FlexAttention") == 0;
}

/* Every name the graph reads (node inputs and graph outputs), sorted, so a lookup costs
 * log n; built on the first question. ONNX names are assigned once and read after, so "read
 * anywhere" is "read after the node that makes it". */
typedef struct read_names {
  const char **names;
  size_t count;
  bool built;
} read_names;

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool build_read_names(onnx_import *import, read_names *read) {
  const Onnx__GraphProto *graph = import->graph_proto;
  size_t count = graph->n_output;
  for (size_t n = 0; n < graph->n_node; n++)
    count += graph->node[n]->n_input;
  read->names = ir_arena_alloc_array(import->graph->arena, count + 1, sizeof(char *));
  if (!read->names)
    return false;
  for (size_t n = 0; n < graph->n_node; n++)
    for (size_t i = 0; i < graph->node[n]->n_input; i++)
      read->names[read->count++] = onnx_text(graph->node[n]->input[i]);
  for (size_t i = 0; i < graph->n_output; i++)
    read->names[read->count++] = onnx_text(graph->output[i]->name);
  qsort(read->names, read->count, sizeof(char *), compare_names);
  read->built = true;
  return true;
}

/* True if `name` is read by a node or is a graph output (also when memory ran out, which
 * refuses the node rather than guessing). */
static bool is_read(onnx_import *import, read_names *read, const char *name) {
  if (!read->built && !build_read_names(import, read))
    return true;
  return bsearch(&name, read->names, read->count, sizeof(char *), compare_names) != NULL;
}

static int64_t int_attr(const Onnx__NodeProto *node, const char *name, int64_t fallback) {
  const Onnx__AttributeProto *attr = onnx_find_attr(node, name);
  return attr ? attr->i : fallback;
}

/* The reason `attr` of `node` cannot be imported, or NULL. */
static const char *attr_problem(const Onnx__NodeProto *node, const Onnx__AttributeProto *attr) {
  if (attr->ref_attr_name && *attr->ref_attr_name)
    return "attribute references (function bodies) are unsupported";
  const char *op = onnx_text(node->op_type);
  switch (onnx_attr_type(attr)) {
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
    return "unsupported: control flow (graph attribute)";
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
    if ((strcmp(op, "Constant") == 0 || strcmp(op, "ConstantOfShape") == 0) && attr->t &&
        ir_dtype_from_onnx(attr->t->data_type) == IR_DTYPE_INVALID)
      return "unsupported element type of the tensor attribute";
    if (strcmp(op, "Constant") == 0 || strcmp(op, "ConstantOfShape") == 0 ||
        onnx_op_is_expanded_always(op, node->domain))
      return NULL; /* an expansion reads its own tensor attributes */
    return "unsupported tensor attribute";
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR:
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS:
    return "unsupported: sparse tensor attribute";
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS:
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO:
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS:
    return "unsupported attribute kind";
  default:
    if (strcmp(op, "Constant") == 0 &&
        (strcmp(onnx_text(attr->name), "value_string") == 0 ||
         strcmp(onnx_text(attr->name), "value_strings") == 0))
      return "unsupported: string constants";
    return NULL;
  }
}

/* The reason the semantics of `node` at this opset cannot be imported, or NULL. */
static const char *semantic_problem(onnx_import *import, const Onnx__NodeProto *node,
                                    read_names *read) {
  const char *op = onnx_text(node->op_type);
  if (strcmp(op, "BatchNormalization") == 0) {
    if (int_attr(node, "training_mode", 0) != 0)
      return import->opset >= 14 ? NULL : "unsupported: training mode before opset 14";
    if (import->opset < 9 && int_attr(node, "spatial", 1) == 0)
      return "unsupported: non-spatial batch normalization (spatial=0)";
    for (size_t i = 1; i < node->n_output; i++)
      if (*onnx_text(node->output[i]) && is_read(import, read, node->output[i]))
        return "unsupported: training-mode outputs (running mean/variance) are used";
  }
  if (strcmp(op, "Constant") == 0 && onnx_find_attr(node, "sparse_value"))
    return "unsupported: sparse constant";
  return NULL;
}

static const char *node_problem(onnx_import *import, const Onnx__NodeProto *node,
                                read_names *read, char *buffer, size_t size) {
  if (!node)
    return "empty node";
  const char *op = onnx_text(node->op_type);
  if (!onnx_is_default_domain(node->domain) && !onnx_op_is_expanded_always(op, node->domain)) {
    snprintf(buffer, size, "unsupported op domain '%s'", node->domain);
    return buffer;
  }
  bool inlined = onnx_op_has_inlined_bodies(op);
  if (strcmp(op, "Constant") != 0 && !inlined && !onnx_op_is_expanded_always(op, node->domain) &&
      onnx_ir_op(op) == IR_OP_INVALID)
    return "unsupported op";
  for (size_t i = 0; i < node->n_attribute; i++) {
    const Onnx__AttributeProto *attr = node->attribute[i];
    if (inlined && onnx_attr_type(attr) == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH) {
      /* The body is imported like the graph: each of its nodes must be supported. */
      for (size_t n = 0; attr->g && n < attr->g->n_node; n++) {
        const char *problem = node_problem(import, attr->g->node[n], read, buffer, size);
        if (problem)
          return problem;
      }
      continue;
    }
    const char *problem = attr_problem(node, node->attribute[i]);
    if (problem) {
      snprintf(buffer, size, "%s ('%s')", problem, onnx_text(node->attribute[i]->name));
      return buffer;
    }
  }
  return semantic_problem(import, node, read);
}

int onnx_check_support(onnx_import *import) {
  const Onnx__GraphProto *graph = import->graph_proto;
  int unsupported = 0;
  read_names read = {0};
  for (size_t i = 0; i < graph->n_node; i++) {
    char buffer[256];
    const char *problem = node_problem(import, graph->node[i], &read, buffer, sizeof(buffer));
    if (problem) {
      onnx_node_error(import, graph->node[i], (int)i, "%s", problem);
      unsupported++;
    }
  }
  if (unsupported)
    onnx_error(import, "%d node%s cannot be imported (unsupported)", unsupported,
               unsupported == 1 ? "" : "s");
  return unsupported;
}
