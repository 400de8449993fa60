/* LinearAttention (opset 27): the IR op computes in f32 and always has its present_state
 * output (the kernel keeps the running state there). f16, bf16 and f64 inputs are cast to
 * f32 around it, as ONNX's reference computes in f32 and rounds the output to query's type
 * and present_state to past_state's (else query's). */
#include "onnx_internal.h"

int onnx_expand_linear_attention(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                 ir_value **inputs, int num_inputs, const char **names,
                                 int num_outputs) {
  const char *node = onnx_node_display_name(import, proto, index);
  if (num_inputs < 3 || !inputs[0] || !inputs[1] || !inputs[2])
    return onnx_node_error(import, proto, index, "needs query, key and value");
  ir_dtype dtype = inputs[0]->type.dtype;
  ir_dtype state_dtype = num_inputs > 3 && inputs[3] ? inputs[3]->type.dtype : dtype;
  const char *base = ir_arena_printf(import->graph->arena, "%s/f32", node);
  if (!base)
    return onnx_error(import, "out of memory");
  ir_value *f32[6] = {0};
  for (int i = 0; i < num_inputs && i < 6; i++) {
    if (inputs[i] && !ir_dtype_is_float(inputs[i]->type.dtype))
      return onnx_node_error(import, proto, index, "input %d must be a float tensor (got %s)", i,
                             ir_dtype_name(inputs[i]->type.dtype));
    if (inputs[i] && !(f32[i] = onnx_build_cast(import, base, inputs[i], IR_DTYPE_F32, NULL)))
      return -1;
  }
  const char *outputs[2];
  for (int k = 0; k < 2; k++) {
    ir_dtype want = k == 0 ? dtype : state_dtype;
    const char *named = k < num_outputs ? names[k] : NULL;
    outputs[k] = named && want == IR_DTYPE_F32
                     ? named
                     : ir_graph_unique_name(import->graph,
                                            ir_arena_printf(import->graph->arena, "%s.%s", node,
                                                            k ? "present_state" : "output"));
    if (!outputs[k])
      return onnx_error(import, "out of memory");
  }
  ir_node *attention = onnx_add_expansion_node(import, IR_OP_LINEAR_ATTENTION, node, f32,
                                               num_inputs < 6 ? num_inputs : 6, outputs, 2);
  if (!attention || onnx_convert_attrs(import, proto, index, attention) != 0 ||
      onnx_finish_node(import, attention) != 0)
    return -1;
  for (int k = 0; k < 2 && k < num_outputs; k++) {
    ir_dtype want = k == 0 ? dtype : state_dtype;
    if (want != IR_DTYPE_F32 &&
        !onnx_build_cast(import, base, attention->outputs[k], want, names[k]))
      return -1;
  }
  return 0;
}
