/* The numeric ops of the ai.onnx.ml domain that are other ops in disguise, expanded at
 * import:
 * - Binarizer: Cast(x > threshold) to x's type;
 * - ArrayFeatureExtractor: Gather of the flattened indices along x's last axis (a 1-D x
 *   gives one row, [1, k], as onnxruntime and ONNX's reference do). */
#include "onnx_internal.h"

int onnx_expand_binarizer(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  (void)num_outputs;
  if (num_inputs != 1 || !inputs[0] || inputs[0]->type.dtype == IR_DTYPE_BOOL)
    return onnx_node_error(import, proto, index, "needs one numeric input");
  const Onnx__AttributeProto *threshold = onnx_find_attr(proto, "threshold");
  ir_dtype dtype = inputs[0]->type.dtype;
  const char *base = onnx_node_display_name(import, proto, index);
  ir_value *limit =
      onnx_float_scalar_constant(import, base, IR_DTYPE_F32, threshold ? threshold->f : 0.0);
  ir_value *above =
      onnx_build(import, IR_OP_GREATER, base,
                 onnx_build_cast(import, base, inputs[0], IR_DTYPE_F32, NULL), limit, NULL);
  return onnx_build_cast(import, base, above, dtype, names[0]) ? 0 : -1;
}

int onnx_expand_array_feature_extractor(onnx_import *import, const Onnx__NodeProto *proto,
                                        int index, ir_value **inputs, int num_inputs,
                                        const char **names, int num_outputs) {
  (void)num_outputs;
  if (num_inputs != 2 || !inputs[0] || !inputs[1] || inputs[0]->type.rank < 1 ||
      (inputs[1]->type.dtype != IR_DTYPE_I64 && inputs[1]->type.dtype != IR_DTYPE_I32))
    return onnx_node_error(import, proto, index, "needs a tensor and integer indices");
  const ir_type *x = &inputs[0]->type, *indices = &inputs[1]->type;
  int64_t count = 1;
  for (int d = 0; d < indices->rank; d++)
    count *= indices->dims[d];
  if (count < 0)
    return onnx_node_error(import, proto, index, "needs the indices' dims known at compile time");
  const char *base = onnx_node_display_name(import, proto, index);
  ir_value *flat = onnx_build_reshape(import, base, inputs[1], &count, 1, NULL);
  ir_value *gather_inputs[2] = {inputs[0], flat};
  bool vector = x->rank == 1;
  ir_node *gather =
      onnx_build_start(import, IR_OP_GATHER, base, gather_inputs, 2, vector ? NULL : names[0]);
  if (gather && ir_node_set_int(import->graph, gather, "axis", -1) != 0)
    return onnx_error(import, "out of memory");
  ir_value *gathered = onnx_build_finish(import, gather);
  if (!vector)
    return gathered ? 0 : -1;
  int64_t row[2] = {1, count};
  return onnx_build_reshape(import, base, gathered, row, 2, names[0]) ? 0 : -1;
}
