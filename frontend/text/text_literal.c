/* Literal conversion for the text IR: integers with range checks, floats read exactly
 * (binary32 with strtof, never through double, so "%.9g" spellings round-trip), f16/bf16
 * rounded to nearest even. */
#include "frontend/text/text_literal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool is_integer_spelling(const char *text) {
  const char *p = text + (*text == '-');
  if (!*p)
    return false;
  for (; *p; p++)
    if (*p < '0' || *p > '9')
      return false;
  return true;
}

static int expect_number(text_parser *parser, const text_literal *literal, const char *what) {
  if (literal->kind == TEXT_LITERAL_NUMBER)
    return 0;
  return text_error_at(parser, literal->loc, "expected %s, found '%s'", what, literal->text);
}

int text_literal_int64(text_parser *parser, const text_literal *literal, int64_t *out) {
  if (expect_number(parser, literal, "an integer") != 0)
    return -1;
  if (!is_integer_spelling(literal->text))
    return text_error_at(parser, literal->loc, "expected an integer, found '%s'", literal->text);
  errno = 0;
  long long value = strtoll(literal->text, NULL, 10);
  if (errno == ERANGE)
    return text_error_at(parser, literal->loc, "integer %s does not fit in 64 bits", literal->text);
  *out = value;
  return 0;
}

static int literal_uint64(text_parser *parser, const text_literal *literal, uint64_t *out) {
  if (expect_number(parser, literal, "an unsigned integer") != 0)
    return -1;
  if (!is_integer_spelling(literal->text) || literal->text[0] == '-')
    return text_error_at(parser, literal->loc, "expected an unsigned integer, found '%s'",
                         literal->text);
  errno = 0;
  unsigned long long value = strtoull(literal->text, NULL, 10);
  if (errno == ERANGE)
    return text_error_at(parser, literal->loc, "integer %s does not fit in 64 bits", literal->text);
  *out = value;
  return 0;
}

int text_literal_float(text_parser *parser, const text_literal *literal, float *out) {
  if (expect_number(parser, literal, "a number") != 0)
    return -1;
  errno = 0;
  char *end;
  float value = strtof(literal->text, &end);
  if (*end)
    return text_error_at(parser, literal->loc, "malformed number '%s'", literal->text);
  /* ERANGE also flags exact subnormals; only an overflow to infinity is an error. */
  if (errno == ERANGE && isinf(value))
    return text_error_at(parser, literal->loc, "%s is out of range for f32", literal->text);
  *out = value;
  return 0;
}

static int literal_double(text_parser *parser, const text_literal *literal, double *out) {
  if (expect_number(parser, literal, "a number") != 0)
    return -1;
  errno = 0;
  char *end;
  double value = strtod(literal->text, &end);
  if (*end)
    return text_error_at(parser, literal->loc, "malformed number '%s'", literal->text);
  if (errno == ERANGE && isinf(value))
    return text_error_at(parser, literal->loc, "%s is out of range for f64", literal->text);
  *out = value;
  return 0;
}

/* binary32 → binary16, round to nearest even; NaN stays a (quiet) NaN. */
static uint16_t float_to_half(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  uint32_t sign = (bits >> 16) & 0x8000u, exponent = (bits >> 23) & 0xffu;
  uint32_t mantissa = bits & 0x7fffffu;
  if (exponent == 0xff)
    return (uint16_t)(sign | 0x7c00u | (mantissa ? 0x200u : 0));
  int half_exponent = (int)exponent - 127 + 15;
  if (half_exponent >= 31)
    return (uint16_t)(sign | 0x7c00u);
  if (half_exponent <= 0) { /* subnormal half, or zero */
    if (half_exponent < -10)
      return (uint16_t)sign;
    mantissa |= 0x800000u;
    int shift = 14 - half_exponent;
    uint32_t half = mantissa >> shift, rest = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1)))
      half++; /* may carry into the smallest normal: still the right encoding */
    return (uint16_t)(sign | half);
  }
  uint32_t half = sign | ((uint32_t)half_exponent << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1)))
    half++; /* a carry into the exponent (up to infinity) is correct rounding */
  return (uint16_t)half;
}

static uint16_t float_to_bfloat(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  if (isnan(value))
    return (uint16_t)((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return (uint16_t)(bits >> 16);
}

static int store_integer(text_parser *parser, const text_literal *literal, ir_dtype dtype,
                         void *out) {
  int64_t low = 0, high = 0;
  switch (dtype) {
  case IR_DTYPE_I8:
    low = INT8_MIN, high = INT8_MAX;
    break;
  case IR_DTYPE_U8:
    high = UINT8_MAX;
    break;
  case IR_DTYPE_I16:
    low = INT16_MIN, high = INT16_MAX;
    break;
  case IR_DTYPE_U16:
    high = UINT16_MAX;
    break;
  case IR_DTYPE_I32:
    low = INT32_MIN, high = INT32_MAX;
    break;
  case IR_DTYPE_U32:
    high = UINT32_MAX;
    break;
  case IR_DTYPE_I64:
    low = INT64_MIN, high = INT64_MAX;
    break;
  default:
    break;
  }
  int64_t value = 0;
  if (text_literal_int64(parser, literal, &value) != 0)
    return -1;
  if (value < low || value > high)
    return text_error_at(parser, literal->loc, "%s is out of range for %s", literal->text,
                         ir_dtype_name(dtype));
  /* Little-endian hosts only (as the whole IR assumes): the low bytes come first. */
  memcpy(out, &value, ir_dtype_size(dtype));
  return 0;
}

/* 8- and 4-bit floats: rounded to the format; a finite value beyond its range is refused. */
static int store_small_float(text_parser *parser, const text_literal *literal, ir_dtype dtype,
                             void *data, int64_t index) {
  float value = 0;
  if (text_literal_float(parser, literal, &value) != 0)
    return -1;
  ir_element_set_float_cast(dtype, data, index, value, false);
  if (isfinite(value) && !isfinite(ir_element_get_float(dtype, data, index)))
    return text_error_at(parser, literal->loc, "%s is out of range for %s", literal->text,
                         ir_dtype_name(dtype));
  return 0;
}

/* 4- and 2-bit integers, written into their bits of the packed byte. */
static int store_packed_integer(text_parser *parser, const text_literal *literal, ir_dtype dtype,
                                void *data, int64_t index) {
  int64_t value = 0, bits = ir_dtype_bits(dtype);
  int64_t low = ir_dtype_is_signed(dtype) ? -(1 << (bits - 1)) : 0, high = low + (1 << bits) - 1;
  if (text_literal_int64(parser, literal, &value) != 0)
    return -1;
  if (value < low || value > high)
    return text_error_at(parser, literal->loc, "%s is out of range for %s", literal->text,
                         ir_dtype_name(dtype));
  ir_element_set_int(dtype, data, index, value);
  return 0;
}

int text_literal_element(text_parser *parser, const text_literal *literal, ir_dtype dtype,
                         void *data, int64_t index) {
  ir_small_float format;
  if (ir_small_float_format(dtype, &format))
    return store_small_float(parser, literal, dtype, data, index);
  if (ir_dtype_is_packed(dtype))
    return store_packed_integer(parser, literal, dtype, data, index);
  void *out = (char *)data + index * (int64_t)ir_dtype_size(dtype);
  switch (dtype) {
  case IR_DTYPE_BOOL: {
    if (literal->kind != TEXT_LITERAL_BOOL)
      return text_error_at(parser, literal->loc, "expected true or false, found '%s'",
                           literal->text);
    *(uint8_t *)out = strcmp(literal->text, "true") == 0;
    return 0;
  }
  case IR_DTYPE_U64: {
    uint64_t value = 0;
    if (literal_uint64(parser, literal, &value) != 0)
      return -1;
    memcpy(out, &value, sizeof(value));
    return 0;
  }
  case IR_DTYPE_F64: {
    double value = 0;
    if (literal_double(parser, literal, &value) != 0)
      return -1;
    memcpy(out, &value, sizeof(value));
    return 0;
  }
  case IR_DTYPE_F32:
  case IR_DTYPE_F16:
  case IR_DTYPE_BF16: {
    float value = 0;
    if (text_literal_float(parser, literal, &value) != 0)
      return -1;
    if (dtype == IR_DTYPE_F32) {
      memcpy(out, &value, sizeof(value));
      return 0;
    }
    uint16_t bits = dtype == IR_DTYPE_F16 ? float_to_half(value) : float_to_bfloat(value);
    if ((bits & 0x7fffu) == (dtype == IR_DTYPE_F16 ? 0x7c00u : 0x7f80u) && isfinite(value))
      return text_error_at(parser, literal->loc, "%s is out of range for %s", literal->text,
                           ir_dtype_name(dtype));
    memcpy(out, &bits, sizeof(bits));
    return 0;
  }
  default:
    return store_integer(parser, literal, dtype, out);
  }
}
