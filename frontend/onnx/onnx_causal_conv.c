/* CausalConvWithState (opset 27) expanded at import: the carried state (past_state, else
 * k - 1 zeros) is put before the input along time, a depthwise Conv (group = channels) over
 * that gives exactly one output per input position, SiLU follows when asked, and
 * present_state is the last k - 1 positions of the padded sequence. f16 and bf16 are
 * convolved in f32 (the Conv kernels' type) and rounded back, as ONNX's reference rounds
 * the convolution before the activation. */
#include "onnx_internal.h"

#include <stdint.h>
#include <string.h>

enum { IN_X, IN_WEIGHT, IN_BIAS, IN_PAST };

static bool activation_is(const Onnx__AttributeProto *attr, const char *name) {
  size_t length = strlen(name);
  return attr->s.len == length && memcmp(attr->s.data, name, length) == 0;
}

int onnx_expand_causal_conv_with_state(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                       ir_value **inputs, int num_inputs, const char **names,
                                       int num_outputs) {
  const char *node = onnx_node_display_name(import, proto, index);
  ir_value *in[4] = {0};
  for (int i = 0; i < num_inputs && i < 4; i++)
    in[i] = inputs[i];
  if (!in[IN_X] || !in[IN_WEIGHT])
    return onnx_node_error(import, proto, index, "needs an input and a weight");
  const ir_type *x = &in[IN_X]->type, *w = &in[IN_WEIGHT]->type;
  if (x->rank != 3 || w->rank != 3 || !ir_type_is_static(x) || !ir_type_is_static(w))
    return onnx_node_error(import, proto, index,
                           "needs input (batch, channels, length) and weight (channels, 1, k) "
                           "of rank 3 with static shapes");
  int64_t batch = x->dims[0], channels = x->dims[1], length = x->dims[2], k = w->dims[2];
  if (w->dims[0] != channels || w->dims[1] != 1 || k < 1)
    return onnx_node_error(import, proto, index,
                           "weight must be (channels=%lld, 1, k >= 1) for a depthwise "
                           "convolution",
                           (long long)channels);
  bool silu = false;
  const Onnx__AttributeProto *activation = onnx_find_attr(proto, "activation");
  if (activation && (activation_is(activation, "silu") || activation_is(activation, "swish")))
    silu = true;
  else if (activation && !activation_is(activation, "none"))
    return onnx_node_error(import, proto, index,
                           "unsupported activation '%.*s' (silu, swish or none)",
                           (int)activation->s.len, (const char *)activation->s.data);
  ir_dtype dtype = x->dtype;
  if (!ir_dtype_is_float(dtype))
    return onnx_node_error(import, proto, index, "needs a float input (got %s)",
                           ir_dtype_name(dtype));
  const char *base = ir_arena_printf(import->graph->arena, "%s/causal", node);
  if (!base)
    return onnx_error(import, "out of memory");
  int64_t state_dims[3] = {batch, channels, k - 1};
  ir_value *past = in[IN_PAST];
  if (past && (past->type.rank != 3 || past->type.dims[0] != batch ||
               past->type.dims[1] != channels || past->type.dims[2] != k - 1))
    return onnx_node_error(import, proto, index, "past_state must be (%lld, %lld, %lld)",
                           (long long)batch, (long long)channels, (long long)(k - 1));
  ir_value *padded = in[IN_X];
  if (k > 1) {
    if (!past && !(past = onnx_zeros_constant(import, base, dtype, 3, state_dims)))
      return -1;
    ir_value *parts[2] = {past, in[IN_X]};
    ir_node *concat = onnx_build_start(import, IR_OP_CONCAT, base, parts, 2, NULL);
    if (!concat || ir_node_set_int(import->graph, concat, "axis", 2) != 0 ||
        !(padded = onnx_build_finish(import, concat)))
      return -1;
  }
  /* The depthwise convolution, in f32 for the narrow float types. */
  ir_dtype conv_dtype = dtype == IR_DTYPE_F16 || dtype == IR_DTYPE_BF16 ? IR_DTYPE_F32 : dtype;
  bool last = !silu && conv_dtype == dtype;
  ir_value *conv_in[3] = {onnx_build_cast(import, base, padded, conv_dtype, NULL),
                          onnx_build_cast(import, base, in[IN_WEIGHT], conv_dtype, NULL),
                          onnx_build_cast(import, base, in[IN_BIAS], conv_dtype, NULL)};
  if (!conv_in[0] || !conv_in[1] || (in[IN_BIAS] && !conv_in[2]))
    return -1;
  ir_node *conv = onnx_build_start(import, IR_OP_CONV, node, conv_in, in[IN_BIAS] ? 3 : 2,
                                   last ? names[0] : NULL);
  ir_value *y = NULL;
  if (!conv || ir_node_set_int(import->graph, conv, "group", channels) != 0 ||
      !(y = onnx_build_finish(import, conv)))
    return -1;
  if (conv_dtype != dtype && !(y = onnx_build_cast(import, base, y, dtype, silu ? NULL : names[0])))
    return -1;
  if (silu) {
    ir_value *gate = onnx_build(import, IR_OP_SIGMOID, base, y, NULL, NULL);
    if (!onnx_build(import, IR_OP_MUL, base, y, gate, names[0]))
      return -1;
  }
  if (num_outputs < 2)
    return 0;
  /* present_state: the last k - 1 positions of the padded sequence. */
  int64_t start = length, end = length + k - 1, axis = 2;
  ir_value *slice_in[4] = {padded, onnx_ints_constant(import, base, &start, 1),
                           onnx_ints_constant(import, base, &end, 1),
                           onnx_ints_constant(import, base, &axis, 1)};
  if (!slice_in[1] || !slice_in[2] || !slice_in[3])
    return -1;
  return onnx_build_finish(import,
                           onnx_build_start(import, IR_OP_SLICE, base, slice_in, 4, names[1]))
             ? 0
             : -1;
}
