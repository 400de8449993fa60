/* Reading and writing single tensor elements of any dtype (packed ones in place), and
 * f16/bf16 conversion. */
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

uint32_t ir_element_packed_get(ir_dtype dtype, const void *data, int64_t index) {
  int bits = ir_dtype_bits(dtype), per_byte = 8 / bits;
  uint8_t byte = ((const uint8_t *)data)[index / per_byte];
  return (byte >> (index % per_byte * bits)) & ((1u << bits) - 1);
}

void ir_element_packed_set(ir_dtype dtype, void *data, int64_t index, uint32_t value) {
  int bits = ir_dtype_bits(dtype), per_byte = 8 / bits, shift = (int)(index % per_byte) * bits;
  uint8_t *byte = (uint8_t *)data + index / per_byte, mask = (uint8_t)((1u << bits) - 1);
  *byte = (uint8_t)((*byte & ~(mask << shift)) | ((value & mask) << shift));
}

/* The code of an 8- or 4-bit float element. */
static uint32_t small_float_get(ir_dtype dtype, const void *data, int64_t index) {
  return ir_dtype_is_packed(dtype) ? ir_element_packed_get(dtype, data, index)
                                   : ((const uint8_t *)data)[index];
}

void ir_element_copy(ir_dtype dtype, void *out, int64_t out_index, const void *in,
                     int64_t in_index) {
  if (ir_dtype_is_packed(dtype)) {
    ir_element_packed_set(dtype, out, out_index, ir_element_packed_get(dtype, in, in_index));
    return;
  }
  size_t size = ir_dtype_size(dtype);
  memcpy((char *)out + out_index * (int64_t)size, (const char *)in + in_index * (int64_t)size,
         size);
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
  case IR_DTYPE_U4:
  case IR_DTYPE_U2:
    return ir_element_packed_get(dtype, data, index);
  case IR_DTYPE_I4:
  case IR_DTYPE_I2: {
    int bits = ir_dtype_bits(dtype);
    int64_t value = ir_element_packed_get(dtype, data, index);
    return value >= (1 << (bits - 1)) ? value - (1 << bits) : value; /* sign-extended */
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
  case IR_DTYPE_F8E4M3FN:
  case IR_DTYPE_F8E4M3FNUZ:
  case IR_DTYPE_F8E5M2:
  case IR_DTYPE_F8E5M2FNUZ:
  case IR_DTYPE_F8E8M0:
  case IR_DTYPE_F4E2M1:
    return ir_small_float_to_f32(dtype, small_float_get(dtype, data, index));
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
  case IR_DTYPE_I4:
  case IR_DTYPE_U4:
  case IR_DTYPE_I2:
  case IR_DTYPE_U2:
    ir_element_packed_set(dtype, data, index, (uint32_t)bits); /* wraps to the low bits */
    break;
  default:
    ir_element_set_float(dtype, data, index, (double)value);
    break;
  }
}

void ir_element_set_float(ir_dtype dtype, void *data, int64_t index, double value) {
  ir_element_set_float_cast(dtype, data, index, value, true);
}

void ir_element_set_float_cast(ir_dtype dtype, void *data, int64_t index, double value,
                               bool saturate) {
  switch (dtype) {
  case IR_DTYPE_F8E4M3FN:
  case IR_DTYPE_F8E4M3FNUZ:
  case IR_DTYPE_F8E5M2:
  case IR_DTYPE_F8E5M2FNUZ:
  case IR_DTYPE_F8E8M0:
    STORE(uint8_t, ir_small_float_from_double(dtype, value, saturate));
    break;
  case IR_DTYPE_F4E2M1:
    ir_element_packed_set(dtype, data, index, ir_small_float_from_double(dtype, value, saturate));
    break;
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
