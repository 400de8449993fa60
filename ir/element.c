/* Reading and writing single tensor elements of any dtype, and f16/bf16 conversion. */
#include "ir/type.h"

#include <math.h>
#include <string.h>

float ir_f16_to_f32(uint16_t bits) {
  uint32_t sign = (uint32_t)(bits >> 15) << 31, exponent = (bits >> 10) & 0x1f,
           mantissa = bits & 0x3ff, result;
  if (exponent == 0x1f) {
    result = sign | 0x7f800000u | (mantissa << 13); /* inf or nan */
  } else if (exponent == 0) {
    float magnitude = ldexpf((float)mantissa, -24); /* zero or subnormal */
    return sign ? -magnitude : magnitude;
  } else {
    result = sign | ((exponent + 112) << 23) | (mantissa << 13);
  }
  float value;
  memcpy(&value, &result, 4);
  return value;
}

uint16_t ir_f32_to_f16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
  if (isnan(value))
    return sign | 0x7e00;
  float magnitude = fabsf(value);
  if (magnitude >= 65520.0f) /* rounds to infinity */
    return sign | 0x7c00;
  if (magnitude < 6.103515625e-05f) {
    /* Subnormal: units of 2^-24, rounded to nearest even by rintf. */
    return sign | (uint16_t)rintf(magnitude * 16777216.0f);
  }
  uint32_t rest = bits & 0x7fffffffu;
  uint32_t rounded = rest + 0xfff + ((rest >> 13) & 1); /* to nearest even on 13 bits */
  return sign | (uint16_t)((rounded >> 13) - (112u << 10));
}

float ir_bf16_to_f32(uint16_t bits) {
  uint32_t wide = (uint32_t)bits << 16;
  float value;
  memcpy(&value, &wide, 4);
  return value;
}

uint16_t ir_f32_to_bf16(float value) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  if (isnan(value))
    return (uint16_t)((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return (uint16_t)(bits >> 16);
}

/* Converts a double to int64 without undefined behaviour: truncates, saturates, nan → 0. */
static int64_t double_to_int(double value) {
  if (isnan(value))
    return 0;
  if (value >= 9223372036854775807.0)
    return INT64_MAX;
  if (value <= -9223372036854775808.0)
    return INT64_MIN;
  return (int64_t)value;
}

#define LOAD(TYPE)                                                                                 \
  TYPE value;                                                                                      \
  memcpy(&value, (const char *)data + index * (int64_t)sizeof(TYPE), sizeof(TYPE))

int64_t ir_element_get_int(ir_dtype dtype, const void *data, int64_t index) {
  switch (dtype) {
  case IR_DTYPE_I8: {
    LOAD(int8_t);
    return value;
  }
  case IR_DTYPE_U8: {
    LOAD(uint8_t);
    return value;
  }
  case IR_DTYPE_BOOL: {
    LOAD(uint8_t);
    return value != 0;
  }
  case IR_DTYPE_I16: {
    LOAD(int16_t);
    return value;
  }
  case IR_DTYPE_U16: {
    LOAD(uint16_t);
    return value;
  }
  case IR_DTYPE_I32: {
    LOAD(int32_t);
    return value;
  }
  case IR_DTYPE_U32: {
    LOAD(uint32_t);
    return value;
  }
  case IR_DTYPE_I64: {
    LOAD(int64_t);
    return value;
  }
  case IR_DTYPE_U64: {
    LOAD(uint64_t);
    return (int64_t)value;
  }
  default:
    return double_to_int(ir_element_get_float(dtype, data, index));
  }
}

double ir_element_get_float(ir_dtype dtype, const void *data, int64_t index) {
  switch (dtype) {
  case IR_DTYPE_F32: {
    LOAD(float);
    return value;
  }
  case IR_DTYPE_F64: {
    LOAD(double);
    return value;
  }
  case IR_DTYPE_F16: {
    LOAD(uint16_t);
    return ir_f16_to_f32(value);
  }
  case IR_DTYPE_BF16: {
    LOAD(uint16_t);
    return ir_bf16_to_f32(value);
  }
  case IR_DTYPE_U64: {
    LOAD(uint64_t);
    return (double)value;
  }
  default:
    return (double)ir_element_get_int(dtype, data, index);
  }
}
#undef LOAD

#define STORE(TYPE, EXPRESSION)                                                                    \
  do {                                                                                             \
    TYPE stored = (TYPE)(EXPRESSION);                                                              \
    memcpy((char *)data + index * (int64_t)sizeof(TYPE), &stored, sizeof(TYPE));                   \
  } while (0)

void ir_element_set_int(ir_dtype dtype, void *data, int64_t index, int64_t value) {
  /* Narrowing goes through uint64_t so that wrapping is defined behaviour. */
  uint64_t bits = (uint64_t)value;
  switch (dtype) {
  case IR_DTYPE_I8:
    STORE(uint8_t, bits);
    break;
  case IR_DTYPE_U8:
    STORE(uint8_t, bits);
    break;
  case IR_DTYPE_BOOL:
    STORE(uint8_t, value != 0);
    break;
  case IR_DTYPE_I16:
  case IR_DTYPE_U16:
    STORE(uint16_t, bits);
    break;
  case IR_DTYPE_I32:
  case IR_DTYPE_U32:
    STORE(uint32_t, bits);
    break;
  case IR_DTYPE_I64:
  case IR_DTYPE_U64:
    STORE(uint64_t, bits);
    break;
  default:
    ir_element_set_float(dtype, data, index, (double)value);
    break;
  }
}

void ir_element_set_float(ir_dtype dtype, void *data, int64_t index, double value) {
  switch (dtype) {
  case IR_DTYPE_F32:
    STORE(float, value);
    break;
  case IR_DTYPE_F64:
    STORE(double, value);
    break;
  case IR_DTYPE_F16:
    STORE(uint16_t, ir_f32_to_f16((float)value));
    break;
  case IR_DTYPE_BF16:
    STORE(uint16_t, ir_f32_to_bf16((float)value));
    break;
  case IR_DTYPE_BOOL:
    STORE(uint8_t, value != 0);
    break;
  default:
    ir_element_set_int(dtype, data, index, double_to_int(value));
    break;
  }
}
#undef STORE
