/* Building blocks of expansions: one IR node at a time, named after an ONNX output or given a
 * fresh name from a base, with inference and folding run on it at once. Every builder takes
 * NULL inputs as an earlier failure and returns NULL, so an expansion chains them and checks
 * the last result only. */
#include "onnx_internal.h"

ir_node *onnx_build_start(onnx_import *import, ir_op op, const char *base, ir_value **inputs,
                          int num_inputs, const char *output) {
  for (int i = 0; i < num_inputs; i++)
    if (!inputs[i])
      return NULL;
  const char *name = output && *output ? output : ir_graph_unique_name(import->graph, base);
  if (!name) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_add_expansion_node(import, op, name, inputs, num_inputs, &name, 1);
}

ir_value *onnx_build_finish(onnx_import *import, ir_node *node) {
  return node && onnx_finish_node(import, node) == 0 ? node->outputs[0] : NULL;
}

ir_value *onnx_build(onnx_import *import, ir_op op, const char *base, ir_value *a, ir_value *b,
                     const char *output) {
  ir_value *inputs[2] = {a, b};
  if (!a)
    return NULL;
  return onnx_build_finish(import, onnx_build_start(import, op, base, inputs, b ? 2 : 1, output));
}

ir_value *onnx_build_where(onnx_import *import, const char *base, ir_value *condition, ir_value *a,
                           ir_value *b, const char *output) {
  ir_value *inputs[3] = {condition, a, b};
  return onnx_build_finish(import, onnx_build_start(import, IR_OP_WHERE, base, inputs, 3, output));
}

ir_value *onnx_build_reshape(onnx_import *import, const char *base, ir_value *x,
                             const int64_t *dims, int rank, const char *output) {
  if (!x)
    return NULL;
  return onnx_build(import, IR_OP_RESHAPE, base, x, onnx_ints_constant(import, base, dims, rank),
                    output);
}

ir_value *onnx_build_reduce_mean(onnx_import *import, const char *base, ir_value *x,
                                 const int64_t *axes, int count) {
  ir_value *inputs[2] = {x, x ? onnx_ints_constant(import, base, axes, count) : NULL};
  ir_node *node = onnx_build_start(import, IR_OP_REDUCE_MEAN, base, inputs, 2, NULL);
  if (node && ir_node_set_int(import->graph, node, "keepdims", 1) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

ir_value *onnx_build_per_channel(onnx_import *import, const char *base, ir_value *v, int rank) {
  if (!v || v->type.rank != 1)
    return v;
  int64_t dims[IR_MAX_RANK];
  dims[0] = v->type.dims[0];
  for (int d = 1; d + 1 < rank; d++)
    dims[d] = 1;
  return onnx_build_reshape(import, base, v, dims, rank - 1, NULL);
}

ir_value *onnx_build_cast(onnx_import *import, const char *base, ir_value *x, ir_dtype to,
                          const char *output) {
  if (!x || (x->type.dtype == to && !output))
    return x;
  ir_node *node = onnx_build_start(import, IR_OP_CAST, base, &x, 1, output);
  if (node && ir_node_set_dtype(import->graph, node, "to", to) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

int onnx_need_constant(onnx_import *import, const Onnx__NodeProto *proto, int index,
                       const ir_value *value, const char *what) {
  if (value->kind == IR_VALUE_CONSTANT && value->data)
    return 0;
  int from_inputs = onnx_note_shape_deciding(import, value);
  return onnx_node_error(import, proto, index,
                         "unsupported: %s '%s' is computed at run time (dlcc needs it at compile "
                         "time%s)",
                         what, value->name,
                         from_inputs > 0 ? "; fix the graph inputs it is computed from with "
                                           "--bind NAME=FILE"
                                         : "");
}

int onnx_constant_scalar(onnx_import *import, const Onnx__NodeProto *proto, int index,
                         const ir_value *value, const char *what, double *out) {
  int64_t count = 0;
  if (onnx_need_constant(import, proto, index, value, what) != 0)
    return -1;
  if (!ir_type_element_count(&value->type, &count) || count != 1)
    return onnx_node_error(import, proto, index, "%s must hold one value", what);
  *out = ir_element_get_float(value->type.dtype, value->data, 0);
  return 0;
}
