/* QuantizeLinear and DequantizeLinear, built from the ops they are made of as ONNX's reference
 * computes them (fusion makes each one kernel again):
 *   DequantizeLinear: y = (Cast<f32>(x) - Cast<f32>(zero_point)) * Cast<f32>(scale), then a
 *     Cast to output_dtype (default: the scale's type); 8- and 4-bit float x ignore the zero
 *     point, as the reference does.
 *   QuantizeLinear: q = x / scale; integers: Cast(Clip(Round(q) + zero_point, lo, hi));
 *     8-bit floats: Cast(q) with `saturate`; f4e2m1: Cast(q + zero_point).
 * The target is the zero point's type, else output_dtype, else u8. Scale and zero point are
 * a scalar (one element), per axis ([D] along `axis`: reshaped to broadcast) or blocked
 * (`block_size` B: x's shape with ceil(D / B) along `axis`, each repeated B times). */
#include "onnx_internal.h"

#include <stdio.h>
#include <string.h>

#include "ir/infer.h"

typedef struct quantize {
  onnx_import *import;
  const Onnx__NodeProto *proto;
  int index;
  const char *name; /* the node's display name, prefix of the parts' names */
  const ir_value *x;
  int axis;
  int64_t block;
  int parts;
} quantize;

static int64_t int_attr(const Onnx__NodeProto *proto, const char *name, int64_t fallback) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, name);
  return attr ? attr->i : fallback;
}

/* Adds node `op` over `inputs`; its output gets a fresh name, or `output` when given. */
static ir_value *part(quantize *q, ir_op op, ir_value **inputs, int count, const char *output) {
  char name[512], value_name[512];
  snprintf(name, sizeof name, "%s/%s%d", q->name, ir_op_name(op), q->parts++);
  snprintf(value_name, sizeof value_name, "%s.%d", onnx_text(q->proto->output[0]), q->parts);
  const char *out = output ? output : ir_graph_unique_name(q->import->graph, value_name);
  ir_node *node = ir_graph_add_node(q->import->graph, NULL, op, name, inputs, count, &out, 1);
  if (!node) {
    onnx_error(q->import, "out of memory");
    return NULL;
  }
  return node->outputs[0];
}

static int finish(quantize *q, ir_value *value) {
  return value ? onnx_finish_node(q->import, value->producer) : -1;
}

static ir_value *cast(quantize *q, ir_value *value, ir_dtype to, int saturate, const char *output) {
  if (value->type.dtype == to && !output)
    return value;
  ir_value *out = part(q, IR_OP_CAST, &value, 1, output);
  if (!out || ir_node_set_dtype(q->import->graph, out->producer, "to", to) != 0 ||
      (saturate >= 0 &&
       ir_node_set_int(q->import->graph, out->producer, "saturate", saturate) != 0))
    return NULL;
  return finish(q, out) == 0 ? out : NULL;
}

static ir_value *binary(quantize *q, ir_op op, ir_value *a, ir_value *b, const char *output) {
  ir_value *inputs[2] = {a, b};
  ir_value *out = part(q, op, inputs, 2, output);
  return out && finish(q, out) == 0 ? out : NULL;
}

static ir_value *with_shape(quantize *q, ir_op op, ir_value *value, const int64_t *dims, int rank) {
  char base[512];
  snprintf(base, sizeof base, "%s.shape%d", q->name, q->parts);
  ir_value *inputs[2] = {value, onnx_ints_constant(q->import, base, dims, rank)};
  if (!inputs[1])
    return NULL;
  ir_value *out = part(q, op, inputs, 2, NULL);
  return out && finish(q, out) == 0 ? out : NULL;
}

/* A scale or zero point made to broadcast against x. */
static ir_value *broadcastable(quantize *q, ir_value *value) {
  const ir_type *x = &q->x->type, *type = &value->type;
  int64_t count = 0;
  if (!ir_type_element_count(type, &count) || count == 1)
    return value; /* a scalar broadcasts as it is */
  if (q->axis < 0) {
    onnx_node_error(q->import, q->proto, q->index, "axis %lld is out of range for rank %d",
                    (long long)int_attr(q->proto, "axis", 1), x->rank);
    return NULL;
  }
  if (!q->block) {
    if (type->rank != 1 || type->dims[0] != x->dims[q->axis]) {
      onnx_node_error(q->import, q->proto, q->index,
                      "a per-axis scale or zero point must be 1-D with x's dim %d (%lld)", q->axis,
                      (long long)x->dims[q->axis]);
      return NULL;
    }
    int64_t dims[IR_MAX_RANK];
    for (int d = 0; d < x->rank; d++)
      dims[d] = d == q->axis ? type->dims[0] : 1;
    return with_shape(q, IR_OP_RESHAPE, value, dims, x->rank);
  }
  /* Blocked: [.., D/B, ..] → [.., D/B, 1, ..] → [.., D/B, B, ..] → [.., D, ..]. */
  if (type->rank != x->rank || type->dims[q->axis] * q->block != x->dims[q->axis]) {
    onnx_node_error(q->import, q->proto, q->index,
                    "unsupported: a blocked scale or zero point whose blocks do not tile "
                    "x's dim %d exactly",
                    q->axis);
    return NULL;
  }
  int64_t dims[IR_MAX_RANK + 1];
  for (int d = 0, k = 0; d < x->rank; d++) {
    dims[k++] = type->dims[d];
    if (d == q->axis)
      dims[k++] = 1;
  }
  ir_value *split = with_shape(q, IR_OP_RESHAPE, value, dims, x->rank + 1);
  dims[q->axis + 1] = q->block;
  ir_value *repeated = split ? with_shape(q, IR_OP_EXPAND, split, dims, x->rank + 1) : NULL;
  return repeated ? with_shape(q, IR_OP_RESHAPE, repeated, x->dims, x->rank) : NULL;
}

static bool is_small_float(ir_dtype dtype) {
  ir_small_float format;
  return ir_small_float_format(dtype, &format);
}

static int dequantize(quantize *q, ir_value *scale, ir_value *zero_point) {
  ir_dtype out_dtype = ir_dtype_from_onnx((int)int_attr(q->proto, "output_dtype", 0));
  if (out_dtype == IR_DTYPE_INVALID)
    out_dtype = scale->type.dtype;
  ir_value *value = cast(q, (ir_value *)q->x, IR_DTYPE_F32, -1, NULL);
  if (value && zero_point && !is_small_float(q->x->type.dtype)) {
    ir_value *zero = cast(q, zero_point, IR_DTYPE_F32, -1, NULL);
    zero = zero ? broadcastable(q, zero) : NULL;
    value = zero ? binary(q, IR_OP_SUB, value, zero, NULL) : NULL;
  }
  ir_value *factor = cast(q, scale, IR_DTYPE_F32, -1, NULL);
  factor = factor ? broadcastable(q, factor) : NULL;
  bool last = out_dtype == IR_DTYPE_F32;
  const char *output = onnx_text(q->proto->output[0]);
  value = value && factor ? binary(q, IR_OP_MUL, value, factor, last ? output : NULL) : NULL;
  if (value && !last)
    value = cast(q, value, out_dtype, -1, output);
  return value ? 0 : -1;
}

static int quantize_to(quantize *q, ir_value *scale, ir_value *zero_point) {
  ir_dtype target = zero_point ? zero_point->type.dtype
                               : ir_dtype_from_onnx((int)int_attr(q->proto, "output_dtype", 0));
  if (target == IR_DTYPE_INVALID)
    target = IR_DTYPE_U8;
  ir_dtype real = q->x->type.dtype;
  ir_value *divisor = cast(q, scale, real, -1, NULL);
  divisor = divisor ? broadcastable(q, divisor) : NULL;
  ir_value *value = divisor ? binary(q, IR_OP_DIV, (ir_value *)q->x, divisor, NULL) : NULL;
  const char *output = onnx_text(q->proto->output[0]);
  if (value && is_small_float(target) && target != IR_DTYPE_F4E2M1)
    return cast(q, value, target, (int)int_attr(q->proto, "saturate", 1), output) ? 0 : -1;
  if (value && target != IR_DTYPE_F4E2M1) { /* to nearest, ties to even, as numpy.rint */
    value = part(q, IR_OP_ROUND, &value, 1, NULL);
    value = value && finish(q, value) == 0 ? value : NULL;
  }
  if (value && zero_point) {
    ir_value *zero = cast(q, zero_point, real, -1, NULL);
    zero = zero ? broadcastable(q, zero) : NULL;
    value = zero ? binary(q, IR_OP_ADD, value, zero, NULL) : NULL;
  }
  if (value && ir_dtype_is_integer(target)) {
    int bits = ir_dtype_bits(target);
    double low = ir_dtype_is_signed(target) ? -(double)((int64_t)1 << (bits - 1)) : 0;
    double high = ir_dtype_is_signed(target) ? (double)(((int64_t)1 << (bits - 1)) - 1)
                                             : (double)(((int64_t)1 << bits) - 1);
    char base[512];
    snprintf(base, sizeof base, "%s.range", q->name);
    ir_value *inputs[3] = {value, onnx_float_scalar_constant(q->import, base, real, low),
                           onnx_float_scalar_constant(q->import, base, real, high)};
    value = inputs[1] && inputs[2] ? part(q, IR_OP_CLIP, inputs, 3, NULL) : NULL;
    value = value && finish(q, value) == 0 ? value : NULL;
  }
  return value && cast(q, value, target, -1, output) ? 0 : -1;
}

int onnx_expand_quantize(onnx_import *import, const Onnx__NodeProto *proto, int index,
                         ir_value **inputs, int num_inputs) {
  quantize q = {import,
                proto,
                index,
                onnx_node_display_name(import, proto, index),
                num_inputs ? inputs[0] : NULL,
                0,
                int_attr(proto, "block_size", 0),
                0};
  if (num_inputs < 2 || !inputs[0] || !inputs[1] || proto->n_output != 1)
    return onnx_node_error(import, proto, index, "needs x and a scale, and one output");
  if (int_attr(proto, "precision", 0) != 0)
    return onnx_node_error(import, proto, index, "unsupported: attribute 'precision'");
  if (!ir_type_is_static(&q.x->type) || q.block < 0)
    return onnx_node_error(import, proto, index,
                           "unsupported: x with symbolic dims, or a negative block_size");
  /* The axis matters only to a scale that is not a scalar (broadcastable checks it). */
  if (ir_normalize_axis(int_attr(proto, "axis", 1), q.x->type.rank, &q.axis) != 0)
    q.axis = -1;
  ir_value *zero_point = num_inputs > 2 ? inputs[2] : NULL;
  bool decode = strcmp(onnx_text(proto->op_type), "DequantizeLinear") == 0;
  return decode ? dequantize(&q, inputs[1], zero_point) : quantize_to(&q, inputs[1], zero_point);
}
