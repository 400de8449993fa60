/* The 8- and 4-bit float formats and their exact conversions, by integer arithmetic on the
 * bits (codegen/ops/small_float.c builds the same steps in kernel IR). */
#include "ir/type.h"

#include <math.h>
#include <string.h>

bool ir_small_float_format(ir_dtype dtype, ir_small_float *out) {
  switch (dtype) {
  case IR_DTYPE_F8E4M3FN:
    *out = (ir_small_float){4, 3, 7, IR_SPECIALS_FN};
    return true;
  case IR_DTYPE_F8E4M3FNUZ:
    *out = (ir_small_float){4, 3, 8, IR_SPECIALS_FNUZ};
    return true;
  case IR_DTYPE_F8E5M2:
    *out = (ir_small_float){5, 2, 15, IR_SPECIALS_IEEE};
    return true;
  case IR_DTYPE_F8E5M2FNUZ:
    *out = (ir_small_float){5, 2, 16, IR_SPECIALS_FNUZ};
    return true;
  case IR_DTYPE_F4E2M1:
    *out = (ir_small_float){2, 1, 1, IR_SPECIALS_NONE};
    return true;
  case IR_DTYPE_F8E8M0:
    *out = (ir_small_float){8, 0, 127, IR_SPECIALS_E8M0};
    return true;
  default:
    return false;
  }
}

static uint32_t sign_bit(const ir_small_float *f) {
  return 1u << (f->exponent_bits + f->mantissa_bits);
}

uint32_t ir_small_float_max_code(const ir_small_float *f) {
  uint32_t all_ones = sign_bit(f) - 1;
  switch (f->specials) {
  case IR_SPECIALS_IEEE: /* the exponent below all ones, the mantissa all ones */
    return all_ones - (1u << f->mantissa_bits);
  case IR_SPECIALS_FN:
    return all_ones - 1;
  default:
    return all_ones;
  }
}

uint32_t ir_small_float_nan_code(const ir_small_float *f, uint32_t sign) {
  uint32_t all_ones = sign_bit(f) - 1;
  switch (f->specials) {
  case IR_SPECIALS_IEEE: /* a quiet NaN: the top mantissa bit */
    return sign | (all_ones - (1u << f->mantissa_bits) + 1) | (1u << (f->mantissa_bits - 1));
  case IR_SPECIALS_FN:
    return sign | all_ones;
  case IR_SPECIALS_FNUZ:
    return sign_bit(f);
  default:
    return sign ^ sign_bit(f);
  }
}

uint32_t ir_small_float_overflow_code(const ir_small_float *f, uint32_t sign, bool saturate) {
  if (saturate || f->specials == IR_SPECIALS_NONE)
    return sign | ir_small_float_max_code(f);
  if (f->specials == IR_SPECIALS_IEEE)
    return sign | (ir_small_float_max_code(f) + 1); /* infinity */
  return ir_small_float_nan_code(f, sign);
}

float ir_small_float_to_f32(ir_dtype dtype, uint32_t code) {
  ir_small_float f;
  if (!ir_small_float_format(dtype, &f))
    return NAN;
  if (f.specials == IR_SPECIALS_E8M0)
    return code == 0xff ? NAN : ldexpf(1.0f, (int)code - 127); /* 0: 2^-127, an f32 subnormal */
  uint32_t sign = code & sign_bit(&f), magnitude = code & (sign_bit(&f) - 1);
  uint32_t exponent = magnitude >> f.mantissa_bits,
           mantissa = magnitude & ((1u << f.mantissa_bits) - 1);
  bool nan =
      (f.specials == IR_SPECIALS_FNUZ && code == sign_bit(&f)) ||
      (f.specials == IR_SPECIALS_FN && magnitude == sign_bit(&f) - 1) ||
      (f.specials == IR_SPECIALS_IEEE && exponent == (1u << f.exponent_bits) - 1 && mantissa);
  float value;
  if (nan)
    value = NAN;
  else if (f.specials == IR_SPECIALS_IEEE && exponent == (1u << f.exponent_bits) - 1)
    value = INFINITY;
  else if (exponent == 0) /* zero or subnormal */
    value = ldexpf((float)mantissa, 1 - f.bias - f.mantissa_bits);
  else
    value = ldexpf((float)(mantissa | (1u << f.mantissa_bits)),
                   (int)exponent - f.bias - f.mantissa_bits);
  return sign ? -value : value;
}

/* value >> shift rounded to nearest, ties to even (1 <= shift <= 62). */
static uint64_t shift_to_nearest_even(uint64_t value, int shift) {
  uint64_t half = (uint64_t)1 << (shift - 1);
  return (value + half - 1 + ((value >> shift) & 1)) >> shift;
}

bool ir_round_mode_from_name(const char *name, ir_round_mode *out) {
  static const char *const NAMES[] = {"up", "down", "nearest"};
  for (int mode = 0; mode < 3; mode++)
    if (strcmp(name, NAMES[mode]) == 0) {
      *out = (ir_round_mode)mode;
      return true;
    }
  return false;
}

uint32_t ir_e8m0_from_f32(float value, bool saturate, ir_round_mode mode) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof(bits));
  uint32_t exponent = (bits >> 23) & 0xff, mantissa = bits & 0x7fffff;
  if (exponent == 0xff) /* infinities and NaN */
    return 0xff;
  bool up = false;
  if (mode == IR_ROUND_UP)
    up = mantissa != 0;
  else if (mode ==
           IR_ROUND_NEAREST) /* the reference's rule: guard and (round, sticky or exponent) */
    up = (bits & 0x400000) && ((bits & 0x200000) || (bits & 0x1fffff) || exponent > 0);
  if (saturate && exponent == 0xfe)
    up = false;
  return exponent + (up ? 1 : 0);
}

uint32_t ir_small_float_from_double(ir_dtype dtype, double value, bool saturate) {
  ir_small_float f;
  if (!ir_small_float_format(dtype, &f))
    return 0;
  if (f.specials == IR_SPECIALS_E8M0)
    return ir_e8m0_from_f32((float)value, saturate, IR_ROUND_UP);
  uint64_t bits;
  memcpy(&bits, &value, sizeof(bits));
  uint32_t sign = bits >> 63 ? sign_bit(&f) : 0;
  uint64_t magnitude = bits & ~((uint64_t)1 << 63), infinity = (uint64_t)0x7ff << 52;
  if (magnitude > infinity)
    return ir_small_float_nan_code(&f, sign);
  if (magnitude == infinity)
    return ir_small_float_overflow_code(&f, sign, saturate);
  /* f64: 52 mantissa bits, bias 1023. The target exponent of a normal result is
   * exponent - 1023 + bias; below 1 the result is subnormal (or zero). */
  int64_t exponent = (int64_t)(magnitude >> 52), target = exponent - 1023 + f.bias;
  uint64_t code;
  if (target >= 1) {
    /* Rebias in place: exponent and mantissa round together, a carry bumps the exponent. */
    code =
        shift_to_nearest_even(magnitude - ((uint64_t)(1023 - f.bias) << 52), 52 - f.mantissa_bits);
  } else {
    uint64_t mantissa =
        (magnitude & (((uint64_t)1 << 52) - 1)) | (exponent ? (uint64_t)1 << 52 : 0);
    int64_t shift = 52 - f.mantissa_bits + 1 - ((exponent ? exponent : 1) - 1023 + f.bias);
    code = shift_to_nearest_even(mantissa, shift > 54 ? 54 : (int)shift); /* past 54: zero */
  }
  if (code > ir_small_float_max_code(&f))
    return ir_small_float_overflow_code(&f, sign, saturate);
  if (code == 0 && f.specials == IR_SPECIALS_FNUZ)
    return 0; /* no negative zero */
  return sign | (uint32_t)code;
}
