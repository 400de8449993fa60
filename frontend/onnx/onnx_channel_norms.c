/* The normalizations over groups of channels, expanded at import:
 * - InstanceNormalization: LayerNormalization over the spatial axes (axis 2), then the
 *   per-channel scale and B;
 * - GroupNormalization: x viewed as [N, G, rest], LayerNormalization over axis 2, the view
 *   undone, then the per-channel scale and bias (opset 21; opset 18's deprecated per-group
 *   ones are refused);
 * - MeanVarianceNormalization: (x - mean) / (sqrt(variance) + 1e-9) over `axes`, the
 *   constant ONNX's definition adds to the deviation. */
#include "onnx_internal.h"

#include <string.h>

static float float_attr(const Onnx__NodeProto *proto, const char *name, float fallback) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, name);
  return attr ? attr->f : fallback;
}

/* LayerNormalization of x from `axis` on with a scale of 1 and no bias. */
static ir_value *normalize_from(onnx_import *import, const char *base, ir_value *x, int axis,
                                float epsilon) {
  ir_value *inputs[2] = {x,
                         x ? onnx_float_scalar_constant(import, base, x->type.dtype, 1.0) : NULL};
  ir_node *node = onnx_build_start(import, IR_OP_LAYER_NORMALIZATION, base, inputs, 2, NULL);
  if (node && (ir_node_set_int(import->graph, node, "axis", axis) != 0 ||
               ir_node_set_float(import->graph, node, "epsilon", epsilon) != 0)) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

/* y = normalized * scale + bias, scale and bias [C] broadcast over axis 1. */
static int affine(onnx_import *import, const char *base, ir_value *normalized, ir_value *scale,
                  ir_value *bias, const char *output) {
  int rank = normalized ? normalized->type.rank : 0;
  ir_value *scaled = onnx_build(import, IR_OP_MUL, base, normalized,
                                onnx_build_per_channel(import, base, scale, rank), NULL);
  return onnx_build(import, IR_OP_ADD, base, scaled,
                    onnx_build_per_channel(import, base, bias, rank), output)
             ? 0
             : -1;
}

static int check_input(onnx_import *import, const Onnx__NodeProto *proto, int index,
                       ir_value **inputs, int num_inputs, int needed) {
  if (num_inputs < needed)
    return onnx_node_error(import, proto, index, "needs %d inputs", needed);
  for (int i = 0; i < needed; i++)
    if (!inputs[i])
      return onnx_node_error(import, proto, index, "input %d is missing", i);
  const ir_type *x = &inputs[0]->type;
  if (x->rank < 2 || !ir_dtype_is_float(x->dtype))
    return onnx_node_error(import, proto, index, "needs a float input of rank 2 or more");
  for (int d = 0; d < x->rank; d++)
    if (x->dims[d] < 0)
      return onnx_node_error(import, proto, index, "needs the input's dims known at compile time");
  for (int i = 1; i < needed; i++)
    if (inputs[i]->type.rank != 1)
      return onnx_node_error(import, proto, index, "input %d must be a vector", i);
  return 0;
}

int onnx_expand_instance_normalization(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                       ir_value **inputs, int num_inputs, const char **names,
                                       int num_outputs) {
  (void)num_outputs;
  if (check_input(import, proto, index, inputs, num_inputs, 3) != 0)
    return -1;
  const char *base = onnx_node_display_name(import, proto, index);
  ir_value *normalized =
      normalize_from(import, base, inputs[0], 2, float_attr(proto, "epsilon", 1e-5f));
  return affine(import, base, normalized, inputs[1], inputs[2], names[0]);
}

int onnx_expand_group_normalization(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                    ir_value **inputs, int num_inputs, const char **names,
                                    int num_outputs) {
  (void)num_outputs;
  if (check_input(import, proto, index, inputs, num_inputs, 3) != 0)
    return -1;
  const Onnx__AttributeProto *groups_attr = onnx_find_attr(proto, "num_groups");
  const ir_type *x = &inputs[0]->type;
  int64_t channels = x->dims[1], groups = groups_attr ? groups_attr->i : 0;
  if (groups <= 0 || channels % groups != 0)
    return onnx_node_error(import, proto, index,
                           "num_groups %lld must be positive and divide the %lld channels",
                           (long long)groups, (long long)channels);
  if (import->opset < 21)
    return onnx_node_error(import, proto, index,
                           "unsupported: opset %lld's per-group scale and bias (deprecated; "
                           "opset 21 gives one per channel)",
                           (long long)import->opset);
  for (int i = 1; i < 3; i++)
    if (inputs[i]->type.dims[0] != channels)
      return onnx_node_error(import, proto, index,
                             "input %d must have one value per channel (%lld)", i,
                             (long long)channels);
  const char *base = onnx_node_display_name(import, proto, index);
  int64_t view[3] = {x->dims[0], groups, 1};
  for (int d = 1; d < x->rank; d++)
    view[2] *= x->dims[d];
  view[2] /= groups;
  ir_value *grouped = onnx_build_reshape(import, base, inputs[0], view, 3, NULL);
  ir_value *normalized =
      normalize_from(import, base, grouped, 2, float_attr(proto, "epsilon", 1e-5f));
  ir_value *restored = onnx_build_reshape(import, base, normalized, x->dims, x->rank, NULL);
  return affine(import, base, restored, inputs[1], inputs[2], names[0]);
}

int onnx_expand_mean_variance_normalization(onnx_import *import, const Onnx__NodeProto *proto,
                                            int index, ir_value **inputs, int num_inputs,
                                            const char **names, int num_outputs) {
  (void)num_outputs;
  if (num_inputs < 1 || !inputs[0])
    return onnx_node_error(import, proto, index, "needs its input");
  const ir_type *x = &inputs[0]->type;
  if (!ir_dtype_is_float(x->dtype))
    return onnx_node_error(import, proto, index, "needs a float input");
  int64_t axes[IR_MAX_RANK] = {0, 2, 3};
  int count = 3;
  const Onnx__AttributeProto *axes_attr = onnx_find_attr(proto, "axes");
  if (axes_attr) {
    if (axes_attr->n_ints > IR_MAX_RANK)
      return onnx_node_error(import, proto, index, "has more axes than the input's rank");
    count = (int)axes_attr->n_ints;
    memcpy(axes, axes_attr->ints, sizeof(int64_t) * (size_t)count);
  }
  const char *base = onnx_node_display_name(import, proto, index);
  ir_value *mean = onnx_build_reduce_mean(import, base, inputs[0], axes, count);
  ir_value *centered = onnx_build(import, IR_OP_SUB, base, inputs[0], mean, NULL);
  ir_value *squares = onnx_build(import, IR_OP_MUL, base, centered, centered, NULL);
  ir_value *variance = onnx_build_reduce_mean(import, base, squares, axes, count);
  ir_value *deviation = onnx_build(import, IR_OP_SQRT, base, variance, NULL, NULL);
  ir_value *guarded = onnx_build(import, IR_OP_ADD, base, deviation,
                                 onnx_float_scalar_constant(import, base, x->dtype, 1e-9), NULL);
  return onnx_build(import, IR_OP_DIV, base, centered, guarded, names[0]) ? 0 : -1;
}
