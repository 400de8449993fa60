/* DynamicQuantizeLinear (opset 11) expanded at import, as ONNX's reference computes it: the
 * range [min(0, min x), max(0, max x)] over the whole tensor gives y_scale = range / 255 (1 /
 * 255 for an all-zero range) and the zero point round(clip(-min / y_scale, 0, 255)); y =
 * saturate(round(x / y_scale) + zero point) as u8. Rounding is half to even. */
#include "onnx_internal.h"

static ir_value *reduce_all(onnx_import *import, ir_op op, const char *base, ir_value *x) {
  ir_node *node = x ? onnx_build_start(import, op, base, &x, 1, NULL) : NULL;
  if (node && ir_node_set_int(import->graph, node, "keepdims", 0) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

static ir_value *clip(onnx_import *import, const char *base, ir_value *x, double low, double high) {
  ir_value *inputs[3] = {x, onnx_float_scalar_constant(import, base, IR_DTYPE_F32, low),
                         onnx_float_scalar_constant(import, base, IR_DTYPE_F32, high)};
  if (!x || !inputs[1] || !inputs[2])
    return NULL;
  return onnx_build_finish(import, onnx_build_start(import, IR_OP_CLIP, base, inputs, 3, NULL));
}

int onnx_expand_dynamic_quantize(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                 ir_value **inputs, int num_inputs, const char **names,
                                 int num_outputs) {
  const char *node = onnx_node_display_name(import, proto, index);
  const char *base = ir_arena_printf(import->graph->arena, "%s/dynamic", node);
  ir_value *x = num_inputs > 0 ? inputs[0] : NULL;
  if (!base || !x || x->type.dtype != IR_DTYPE_F32)
    return base ? onnx_node_error(import, proto, index, "needs an f32 input") : -1;
  ir_value *zero = onnx_float_scalar_constant(import, base, IR_DTYPE_F32, 0.0);
  ir_value *high = onnx_build(import, IR_OP_MAX, base,
                              reduce_all(import, IR_OP_REDUCE_MAX, base, x), zero, NULL);
  ir_value *low = onnx_build(import, IR_OP_MIN, base, reduce_all(import, IR_OP_REDUCE_MIN, base, x),
                             zero, NULL);
  ir_value *range = onnx_build(import, IR_OP_SUB, base, high, low, NULL);
  ir_value *flat = onnx_build(import, IR_OP_EQUAL, base, high, low, NULL);
  ir_value *span = onnx_build_where(
      import, base, flat, onnx_float_scalar_constant(import, base, IR_DTYPE_F32, 1.0), range, NULL);
  ir_value *scale = onnx_build(import, IR_OP_DIV, base, span,
                               onnx_float_scalar_constant(import, base, IR_DTYPE_F32, 255.0),
                               num_outputs > 1 ? names[1] : NULL);
  ir_value *initial = onnx_build(import, IR_OP_SUB, base, zero,
                                 onnx_build(import, IR_OP_DIV, base, low, scale, NULL), NULL);
  ir_value *zero_point =
      onnx_build(import, IR_OP_ROUND, base, clip(import, base, initial, 0, 255), NULL, NULL);
  ir_value *y =
      onnx_build(import, IR_OP_ADD, base,
                 onnx_build(import, IR_OP_ROUND, base,
                            onnx_build(import, IR_OP_DIV, base, x, scale, NULL), NULL, NULL),
                 zero_point, NULL);
  if (!onnx_build_cast(import, base, clip(import, base, y, 0, 255), IR_DTYPE_U8, names[0]))
    return -1;
  if (num_outputs > 2 && !onnx_build_cast(import, base, zero_point, IR_DTYPE_U8, names[2]))
    return -1;
  return scale ? 0 : -1;
}
