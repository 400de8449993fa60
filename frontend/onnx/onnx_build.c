/* Building blocks of expansions: ir/build.h's builder named after an ONNX output or given a
 * fresh name from a base, with inference and folding run on each node at once. Every builder
 * takes NULL inputs as an earlier failure and returns NULL, so an expansion chains them and
 * checks the last result only. */
#include "onnx_internal.h"

static void report(ir_builder *b, const char *message) { onnx_error(b->owner, "%s", message); }

static int finish(ir_builder *b, ir_node *node) { return onnx_finish_node(b->owner, node); }

ir_builder onnx_builder(onnx_import *import, const char *base, const char *output) {
  return (ir_builder){.graph = import->graph,
                      .base = base,
                      .diag = import->diag,
                      .output = output,
                      .report = report,
                      .finish = finish,
                      .owner = import};
}

ir_node *onnx_build_start(onnx_import *import, ir_op op, const char *base, ir_value **inputs,
                          int num_inputs, const char *output) {
  ir_builder b = onnx_builder(import, base, output);
  return ir_build_start(&b, op, inputs, num_inputs);
}

ir_value *onnx_build_finish(onnx_import *import, ir_node *node) {
  ir_builder b = onnx_builder(import, NULL, NULL);
  return ir_build_finish(&b, node);
}

ir_value *onnx_build(onnx_import *import, ir_op op, const char *base, ir_value *a, ir_value *b,
                     const char *output) {
  ir_builder builder = onnx_builder(import, base, output);
  return ir_build_op(&builder, op, a, b);
}

ir_value *onnx_build_where(onnx_import *import, const char *base, ir_value *condition, ir_value *a,
                           ir_value *b, const char *output) {
  ir_builder builder = onnx_builder(import, base, output);
  return ir_build_where(&builder, condition, a, b);
}

ir_value *onnx_build_reshape(onnx_import *import, const char *base, ir_value *x,
                             const int64_t *dims, int rank, const char *output) {
  ir_builder b = onnx_builder(import, base, output);
  return ir_build_reshape(&b, x, dims, rank);
}

ir_value *onnx_build_reduce_mean(onnx_import *import, const char *base, ir_value *x,
                                 const int64_t *axes, int count) {
  ir_builder b = onnx_builder(import, base, NULL);
  return ir_build_reduce(&b, IR_OP_REDUCE_MEAN, x, axes, count, true);
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
  ir_builder b = onnx_builder(import, base, output);
  return ir_build_cast(&b, x, to);
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
