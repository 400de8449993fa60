/* Softmax and LogSoftmax before opset 13 coerced their input to 2-D at `axis` and
 * normalized over the flattened trailing dims. Where that differs from the latest semantics
 * (axis not the last one) the op is built as Flatten → op(axis=1) → Reshape back. */
#include "onnx_internal.h"

#include <stdio.h>
#include <string.h>

static int64_t legacy_axis(const Onnx__NodeProto *proto) {
  const Onnx__AttributeProto *axis = onnx_find_attr(proto, "axis");
  return axis ? axis->i : 1; /* the default before opset 13 */
}

static bool is_softmax_kind(const char *op_name) {
  return strcmp(op_name, "Softmax") == 0 || strcmp(op_name, "LogSoftmax") == 0;
}

bool onnx_softmax_needs_expansion(onnx_import *import, const Onnx__NodeProto *proto,
                                  ir_value *const *inputs, int num_inputs) {
  const ir_value *input = num_inputs ? inputs[0] : NULL;
  if (!is_softmax_kind(onnx_text(proto->op_type)) || import->opset >= 13 || !input)
    return false;
  int rank = input->type.rank;
  int64_t axis = legacy_axis(proto);
  if (axis < 0)
    axis += rank;
  /* Out-of-range axes are left to inference, which reports them. */
  return axis >= 0 && axis <= rank && axis != rank - 1;
}

static ir_node *add_node(onnx_import *import, ir_op op, const char *name, ir_value **inputs,
                         int num_inputs, const char *output_name) {
  return onnx_add_expansion_node(import, op, name, inputs, num_inputs, &output_name, 1);
}

int onnx_expand_softmax(onnx_import *import, const Onnx__NodeProto *proto, int index,
                        ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  (void)num_inputs, (void)names, (void)num_outputs; /* one input and one output, checked */
  ir_value *input = inputs[0];
  const char *name = onnx_node_display_name(import, proto, index);
  if (!ir_type_is_static(&input->type))
    return onnx_node_error(import, proto, index,
                           "unsupported: %s before opset 13 over a non-last axis of a "
                           "tensor with symbolic dimensions",
                           onnx_text(proto->op_type));
  char part[512];
  snprintf(part, sizeof(part), "%s/flatten", name);
  char value_name[512];
  snprintf(value_name, sizeof(value_name), "%s.flattened", proto->output[0]);
  ir_node *flatten = add_node(import, IR_OP_FLATTEN, part, &input, 1,
                              ir_graph_unique_name(import->graph, value_name));
  if (!flatten || ir_node_set_int(import->graph, flatten, "axis", legacy_axis(proto)) != 0 ||
      onnx_finish_node(import, flatten) != 0)
    return -1;
  snprintf(value_name, sizeof(value_name), "%s.softmax_2d", proto->output[0]);
  ir_node *softmax = add_node(import, ir_op_from_name(onnx_text(proto->op_type)), name,
                              flatten->outputs, 1, ir_graph_unique_name(import->graph, value_name));
  if (!softmax || ir_node_set_int(import->graph, softmax, "axis", 1) != 0 ||
      onnx_finish_node(import, softmax) != 0)
    return -1;
  snprintf(part, sizeof(part), "%s.shape", name);
  ir_value *shape = onnx_ints_constant(import, part, input->type.dims, input->type.rank);
  if (!shape)
    return -1;
  snprintf(part, sizeof(part), "%s/reshape", name);
  ir_value *reshape_inputs[2] = {softmax->outputs[0], shape};
  ir_node *reshape = add_node(import, IR_OP_RESHAPE, part, reshape_inputs, 2, proto->output[0]);
  return reshape ? onnx_finish_node(import, reshape) : -1;
}
