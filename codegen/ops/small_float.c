/* The 8- and 4-bit floats in kernels: decoding to f32 and rounding f32/f64 to them, the steps
 * of ir/small_float.c as integer operations in kernel IR (same bits on both targets, no
 * libcalls); the formats' constants come from ir/small_float.c itself. */
#include "codegen/ops/pointwise_util.h"

#include <math.h>

#include "codegen/llvm_build.h"
#define CTX (kb_context(kb))

static LLVMValueRef constant(LLVMTypeRef type, uint64_t value) {
  return LLVMConstInt(type, value, 0);
}

static LLVMValueRef select_code(kernel_builder *kb, LLVMValueRef negative, uint32_t if_negative,
                                uint32_t if_positive) {
  LLVMTypeRef i32 = LLVMInt32TypeInContext(CTX);
  return LLVMBuildSelect(B, negative, constant(i32, if_negative), constant(i32, if_positive), "");
}

/* f8e8m0 is 2^(code - 127): the code is f32's exponent field (0: 2^-127, f32's 0x00400000). */
static LLVMValueRef e8m0_to_f32(kernel_builder *kb, LLVMValueRef code) {
  LLVMTypeRef i32 = LLVMInt32TypeInContext(CTX);
  LLVMValueRef c = LLVMBuildZExt(B, code, i32, "");
  LLVMValueRef bits = LLVMBuildShl(B, c, constant(i32, 23), "");
  bits = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, c, constant(i32, 0), ""),
                         constant(i32, 0x00400000), bits, "");
  bits = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, c, constant(i32, 0xff), ""),
                         constant(i32, 0x7fc00000), bits, "");
  return LLVMBuildBitCast(B, bits, pw_f32_type(kb), "");
}

/* f32 to f8e8m0 as ir_e8m0_from_f32 rounds it. */
static LLVMValueRef e8m0_from_f32(kernel_builder *kb, LLVMValueRef value, bool saturate,
                                  ir_round_mode mode) {
  LLVMTypeRef i32 = LLVMInt32TypeInContext(CTX), i1 = LLVMInt1TypeInContext(CTX);
  LLVMValueRef bits = LLVMBuildBitCast(B, value, i32, "");
  LLVMValueRef exponent =
      LLVMBuildAnd(B, LLVMBuildLShr(B, bits, constant(i32, 23), ""), constant(i32, 0xff), "");
  LLVMValueRef up = LLVMConstInt(i1, 0, 0);
  if (mode == IR_ROUND_UP) {
    up = LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, bits, constant(i32, 0x7fffff), ""),
                       constant(i32, 0), "");
  } else if (mode == IR_ROUND_NEAREST) {
    LLVMValueRef guard = LLVMBuildICmp(
        B, LLVMIntNE, LLVMBuildAnd(B, bits, constant(i32, 0x400000), ""), constant(i32, 0), "");
    LLVMValueRef rest =
        LLVMBuildICmp(B, LLVMIntNE, LLVMBuildAnd(B, bits, constant(i32, 0x3fffff), ""),
                      constant(i32, 0), ""); /* round or sticky bits */
    LLVMValueRef odd = LLVMBuildICmp(B, LLVMIntNE, exponent, constant(i32, 0), "");
    up = LLVMBuildAnd(B, guard, LLVMBuildOr(B, rest, odd, ""), "");
  }
  if (saturate) /* 2^127 never rounds up into NaN */
    up = LLVMBuildAnd(B, up, LLVMBuildICmp(B, LLVMIntNE, exponent, constant(i32, 0xfe), ""), "");
  LLVMValueRef code = LLVMBuildAdd(B, exponent, LLVMBuildZExt(B, up, i32, ""), "");
  code = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, exponent, constant(i32, 0xff), ""),
                         constant(i32, 0xff), code, "");
  return LLVMBuildTrunc(B, code, LLVMInt8TypeInContext(CTX), "");
}

LLVMValueRef pw_small_float_to_f32(kernel_builder *kb, LLVMValueRef code, ir_dtype dtype) {
  ir_small_float f;
  ir_small_float_format(dtype, &f);
  if (f.specials == IR_SPECIALS_E8M0)
    return e8m0_to_f32(kb, code);
  LLVMTypeRef i32 = LLVMInt32TypeInContext(CTX);
  uint32_t sign_bit = 1u << (f.exponent_bits + f.mantissa_bits), all_ones = sign_bit - 1;
  uint32_t exponent_max = (1u << f.exponent_bits) - 1;
  LLVMValueRef c =
      LLVMBuildAnd(B, LLVMBuildZExt(B, code, i32, ""), constant(i32, 2 * sign_bit - 1), "");
  LLVMValueRef magnitude = LLVMBuildAnd(B, c, constant(i32, all_ones), "");
  LLVMValueRef exponent = LLVMBuildLShr(B, magnitude, constant(i32, f.mantissa_bits), "");
  LLVMValueRef mantissa =
      LLVMBuildAnd(B, magnitude, constant(i32, (1u << f.mantissa_bits) - 1), "");
  /* Normal: rebias the exponent to f32's 127 and move the mantissa to the top. */
  LLVMValueRef normal =
      LLVMBuildOr(B,
                  LLVMBuildShl(B, LLVMBuildAdd(B, exponent, constant(i32, 127 - f.bias), ""),
                               constant(i32, 23), ""),
                  LLVMBuildShl(B, mantissa, constant(i32, 23 - f.mantissa_bits), ""), "");
  /* Zero or subnormal: mantissa * 2^(1 - bias - M), exact in f32. */
  LLVMValueRef tiny = LLVMBuildBitCast(
      B,
      LLVMBuildFMul(B, LLVMBuildUIToFP(B, mantissa, pw_f32_type(kb), ""),
                    kb_const_f32(kb, ldexp(1.0, 1 - f.bias - f.mantissa_bits)), ""),
      i32, "");
  LLVMValueRef bits = LLVMBuildSelect(
      B, LLVMBuildICmp(B, LLVMIntEQ, exponent, constant(i32, 0), ""), tiny, normal, "");
  LLVMValueRef nan = LLVMConstInt(LLVMInt1TypeInContext(CTX), 0, 0);
  if (f.specials == IR_SPECIALS_IEEE) {
    LLVMValueRef top = LLVMBuildICmp(B, LLVMIntEQ, exponent, constant(i32, exponent_max), "");
    bits = LLVMBuildSelect(B, top, constant(i32, 0x7f800000), bits, "");
    nan = LLVMBuildAnd(B, top, LLVMBuildICmp(B, LLVMIntNE, mantissa, constant(i32, 0), ""), "");
  } else if (f.specials == IR_SPECIALS_FN) {
    nan = LLVMBuildICmp(B, LLVMIntEQ, magnitude, constant(i32, all_ones), "");
  } else if (f.specials == IR_SPECIALS_FNUZ) {
    nan = LLVMBuildICmp(B, LLVMIntEQ, c, constant(i32, sign_bit), "");
  }
  bits = LLVMBuildSelect(B, nan, constant(i32, 0x7fc00000), bits, "");
  LLVMValueRef negative = LLVMBuildICmp(B, LLVMIntUGE, c, constant(i32, sign_bit), "");
  bits = LLVMBuildOr(B, bits, select_code(kb, negative, 0x80000000u, 0), "");
  return LLVMBuildBitCast(B, bits, pw_f32_type(kb), "");
}

/* value >> shift rounded to nearest, ties to even; shift >= 1 (a value or a constant). */
static LLVMValueRef shift_to_nearest_even(kernel_builder *kb, LLVMValueRef value,
                                          LLVMValueRef shift) {
  LLVMTypeRef type = LLVMTypeOf(value);
  LLVMValueRef one = constant(type, 1);
  LLVMValueRef half_minus_one =
      LLVMBuildSub(B, LLVMBuildShl(B, one, LLVMBuildSub(B, shift, one, ""), ""), one, "");
  LLVMValueRef odd = LLVMBuildAnd(B, LLVMBuildLShr(B, value, shift, ""), one, "");
  return LLVMBuildLShr(B, LLVMBuildAdd(B, LLVMBuildAdd(B, value, half_minus_one, ""), odd, ""),
                       shift, "");
}

LLVMValueRef pw_small_float_from_real(kernel_builder *kb, LLVMValueRef value, ir_dtype dtype,
                                      bool saturate, ir_round_mode mode) {
  ir_small_float f;
  ir_small_float_format(dtype, &f);
  if (f.specials == IR_SPECIALS_E8M0) /* from f32, as ONNX's reference does */
    return e8m0_from_f32(kb, LLVMBuildFPTrunc(B, value, pw_f32_type(kb), ""), saturate, mode);
  bool wide = LLVMGetTypeKind(LLVMTypeOf(value)) == LLVMDoubleTypeKind;
  /* The source format: f64 (52 mantissa bits, bias 1023) or f32 (23, 127). */
  int source_mantissa = wide ? 52 : 23, source_bias = wide ? 1023 : 127;
  LLVMTypeRef type = wide ? LLVMInt64TypeInContext(CTX) : LLVMInt32TypeInContext(CTX);
  LLVMTypeRef i32 = LLVMInt32TypeInContext(CTX);
  uint64_t top_bit = (uint64_t)1 << (wide ? 63 : 31), implicit = (uint64_t)1 << source_mantissa;
  uint32_t sign_bit = 1u << (f.exponent_bits + f.mantissa_bits);
  LLVMValueRef bits = LLVMBuildBitCast(B, value, type, "");
  LLVMValueRef negative = LLVMBuildICmp(B, LLVMIntSLT, bits, constant(type, 0), "");
  LLVMValueRef magnitude = LLVMBuildAnd(B, bits, constant(type, top_bit - 1), "");
  LLVMValueRef exponent =
      LLVMBuildLShr(B, magnitude, constant(type, (uint64_t)source_mantissa), "");
  /* Normal results: rebias in place, so a rounding carry bumps the exponent. */
  uint64_t rebias = (uint64_t)(source_bias - f.bias) << source_mantissa;
  LLVMValueRef normal =
      shift_to_nearest_even(kb, LLVMBuildSub(B, magnitude, constant(type, rebias), ""),
                            constant(type, (uint64_t)(source_mantissa - f.mantissa_bits)));
  /* Subnormal results: the mantissa with its implicit bit, shifted by how far the exponent
   * is below the format's smallest (at most far enough to give zero). */
  LLVMValueRef is_normal_source = LLVMBuildICmp(B, LLVMIntNE, exponent, constant(type, 0), "");
  LLVMValueRef mantissa = LLVMBuildOr(
      B, LLVMBuildAnd(B, magnitude, constant(type, implicit - 1), ""),
      LLVMBuildSelect(B, is_normal_source, constant(type, implicit), constant(type, 0), ""), "");
  LLVMValueRef effective = LLVMBuildSelect(B, is_normal_source, exponent, constant(type, 1), "");
  uint64_t shift_base = (uint64_t)(source_mantissa - f.mantissa_bits + 1 + source_bias - f.bias);
  LLVMValueRef shift = LLVMBuildSub(B, constant(type, shift_base), effective, "");
  LLVMValueRef limit = constant(type, (uint64_t)source_mantissa + 2);
  shift = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntUGT, shift, limit, ""), limit, shift, "");
  shift = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, shift, constant(type, 0), ""),
                          constant(type, 1), shift, ""); /* (normal sources only: unused) */
  LLVMValueRef subnormal = shift_to_nearest_even(kb, mantissa, shift);
  LLVMValueRef is_normal = LLVMBuildICmp(B, LLVMIntUGE, exponent,
                                         constant(type, (uint64_t)(source_bias - f.bias + 1)), "");
  LLVMValueRef code = LLVMBuildSelect(B, is_normal, normal, subnormal, "");
  /* Beyond the largest finite magnitude (infinities included): saturate, infinity or NaN. */
  LLVMValueRef overflow =
      LLVMBuildICmp(B, LLVMIntUGT, code, constant(type, ir_small_float_max_code(&f)), "");
  LLVMValueRef result =
      LLVMBuildOr(B, LLVMBuildTrunc(B, code, i32, ""), select_code(kb, negative, sign_bit, 0), "");
  if (f.specials == IR_SPECIALS_FNUZ) /* no negative zero */
    result = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, code, constant(type, 0), ""),
                             constant(i32, 0), result, "");
  result = LLVMBuildSelect(B, overflow,
                           select_code(kb, negative,
                                       ir_small_float_overflow_code(&f, sign_bit, saturate),
                                       ir_small_float_overflow_code(&f, 0, saturate)),
                           result, "");
  uint64_t infinity = (top_bit - 1) & ~(implicit - 1);
  LLVMValueRef nan = LLVMBuildICmp(B, LLVMIntUGT, magnitude, constant(type, infinity), "");
  result = LLVMBuildSelect(B, nan,
                           select_code(kb, negative, ir_small_float_nan_code(&f, sign_bit),
                                       ir_small_float_nan_code(&f, 0)),
                           result, "");
  return LLVMBuildTrunc(B, result, LLVMInt8TypeInContext(CTX), "");
}
