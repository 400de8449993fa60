/* Small constants made by the importer: attribute values turned into the constant
 * inputs of the latest opsets (axes, pads, split sizes, clip bounds, shapes). */
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

ir_value *onnx_ints_constant(onnx_import *import, const char *base, const int64_t *values,
                             int count) {
  const char *name = ir_graph_unique_name(import->graph, base);
  int64_t dims[1] = {count};
  int64_t empty = 0;
  ir_value *value =
      name ? ir_graph_add_constant_copy(import->graph, name, ir_type_make(IR_DTYPE_I64, 1, dims),
                                        count ? values : &empty)
           : NULL;
  if (!value)
    onnx_error(import, "out of memory");
  return value;
}

/* IEEE half precision bits of `value`, rounded to nearest even. */
static uint16_t float_to_half(float value) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  uint32_t sign = (bits >> 16) & 0x8000u;
  uint32_t exponent = (bits >> 23) & 0xffu;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xffu) /* inf or nan */
    return (uint16_t)(sign | 0x7c00u | (mantissa ? 0x200u : 0));
  int32_t half_exponent = (int32_t)exponent - 127 + 15;
  if (half_exponent >= 31)
    return (uint16_t)(sign | 0x7c00u);
  if (half_exponent <= 0) { /* subnormal or zero */
    if (half_exponent < -10)
      return (uint16_t)sign;
    mantissa |= 0x800000u;
    uint32_t shift = (uint32_t)(14 - half_exponent);
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1u)))
      half++;
    return (uint16_t)(sign | half);
  }
  uint32_t half = sign | ((uint32_t)half_exponent << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    half++; /* may carry into the exponent, which is the correct rounding */
  return (uint16_t)half;
}

static uint16_t float_to_bfloat16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  if (isnan(value))
    return (uint16_t)((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)(bits >> 16);
}

ir_value *onnx_float_scalar_constant(onnx_import *import, const char *base, ir_dtype dtype,
                                     double value) {
  unsigned char data[8] = {0};
  float single = (float)value;
  uint16_t half;
  switch (dtype) {
  case IR_DTYPE_F32:
    memcpy(data, &single, 4);
    break;
  case IR_DTYPE_F64:
    memcpy(data, &value, 8);
    break;
  case IR_DTYPE_F16:
    half = float_to_half(single);
    memcpy(data, &half, 2);
    break;
  case IR_DTYPE_BF16:
    half = float_to_bfloat16(single);
    memcpy(data, &half, 2);
    break;
  default:
    onnx_error(import, "'%s': a %s value cannot hold the float attribute it replaces", base,
               ir_dtype_name(dtype));
    return NULL;
  }
  const char *name = ir_graph_unique_name(import->graph, base);
  ir_value *constant =
      name ? ir_graph_add_constant_copy(import->graph, name, ir_type_scalar(dtype), data) : NULL;
  if (!constant)
    onnx_error(import, "out of memory");
  return constant;
}

int onnx_set_node_input(onnx_import *import, ir_node *node, int index, ir_value *value) {
  return ir_node_set_input(import->graph, node, index, value) == 0
             ? 0
             : onnx_error(import, "out of memory");
}

double onnx_scalar_as_double(ir_dtype dtype, const void *data) {
  return ir_element_get_float(dtype, data, 0);
}

int64_t onnx_scalar_as_int64(ir_dtype dtype, const void *data) {
  int64_t value = 0;
  if (dtype == IR_DTYPE_I64 || dtype == IR_DTYPE_U64) {
    memcpy(&value, data, 8); /* exact beyond 2^53, where a double would round */
    return value;
  }
  return (int64_t)onnx_scalar_as_double(dtype, data);
}

ir_value *onnx_zeros_constant(onnx_import *import, const char *base, ir_dtype dtype, int rank,
                              const int64_t *dims) {
  ir_type type = ir_type_make(dtype, rank, dims);
  int64_t count = 0;
  if (!ir_type_element_count(&type, &count) || ir_dtype_size(dtype) == 0) {
    onnx_error(import, "'%s': no zero constant of this type", base);
    return NULL;
  }
  void *data = ir_arena_alloc(import->graph->arena, (size_t)count * ir_dtype_size(dtype) + 1);
  const char *name = ir_graph_unique_name(import->graph, base);
  ir_value *value = data && name ? ir_graph_add_constant(import->graph, name, type, data) : NULL;
  if (!value)
    onnx_error(import, "out of memory");
  return value;
}
