/* Rounding of f32/f64 values to integers without libm (generic x86-64 would call floorf,
 * truncf or rintf for LLVM's rounding intrinsics): through an i64 conversion, which is exact
 * below 2^52; larger magnitudes, infinities and NaN are already integral. Floor, Ceil, Round
 * and Mod use them. */
#include "codegen/ops/pointwise_util.h"

#include "codegen/llvm_build.h"

static LLVMValueRef real(LLVMTypeRef type, double value) { return LLVMConstReal(type, value); }

LLVMValueRef pw_fabs(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  return kb_intrinsic(kb, "llvm.fabs", type, &type, 1, &x, 1);
}

/* Whether x is integral by magnitude alone: |x| >= 2^(mantissa bits) (2^23 for f32, 2^52 for
 * f64), infinite or NaN. */
static LLVMValueRef integral_by_magnitude(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  double integral_from = type == pw_f32_type(kb) ? 0x1p23 : 0x1p52;
  return LLVMBuildFCmp(B, LLVMRealUGE, pw_fabs(kb, x), real(type, integral_from), "");
}

static LLVMValueRef copy_sign(kernel_builder *kb, LLVMValueRef magnitude, LLVMValueRef sign) {
  LLVMTypeRef type = LLVMTypeOf(magnitude);
  LLVMValueRef args[2] = {magnitude, sign};
  return kb_intrinsic(kb, "llvm.copysign", type, &type, 1, args, 2);
}

LLVMValueRef pw_trunc(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef truncated = LLVMBuildSIToFP(
      B, LLVMBuildFPToSI(B, x, LLVMInt64TypeInContext(kb_context(kb)), ""), type, "");
  /* (the conversion of a non-integral-by-magnitude x is never poison; the select drops the
   * others) */
  return LLVMBuildSelect(B, integral_by_magnitude(kb, x), x, copy_sign(kb, truncated, x), "");
}

/* Truncation stepped down (floor) or up (ceil) where it went the other way; the sign is
 * copied back so floor(-0.0) is -0.0. */
LLVMValueRef pw_floor(kernel_builder *kb, LLVMValueRef x, bool ceil) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef truncated = pw_trunc(kb, x);
  LLVMValueRef overshoot = ceil ? LLVMBuildFCmp(B, LLVMRealOLT, truncated, x, "")
                                : LLVMBuildFCmp(B, LLVMRealOGT, truncated, x, "");
  LLVMValueRef step = real(type, ceil ? 1.0 : -1.0);
  LLVMValueRef rounded =
      LLVMBuildSelect(B, overshoot, LLVMBuildFAdd(B, truncated, step, ""), truncated, "");
  return LLVMBuildSelect(B, integral_by_magnitude(kb, x), x, copy_sign(kb, rounded, x), "");
}

/* Round half to even (numpy.round, ONNX Round): floor, then up when the rest is above a half
 * or exactly a half with an odd floor. */
LLVMValueRef pw_round_half_even(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x), i1 = LLVMInt1TypeInContext(kb_context(kb));
  LLVMValueRef floor = pw_floor(kb, x, false);
  LLVMValueRef rest = LLVMBuildFSub(B, x, floor, "");
  LLVMValueRef half = LLVMBuildFCmp(B, LLVMRealOEQ, rest, real(type, 0.5), "");
  /* the i64 of a floor past 2^52 is poison, but then rest is 0 and the select skips it */
  LLVMValueRef odd = LLVMBuildTrunc(
      B, LLVMBuildFPToSI(B, floor, LLVMInt64TypeInContext(kb_context(kb)), ""), i1, "");
  LLVMValueRef up = LLVMBuildOr(B, LLVMBuildFCmp(B, LLVMRealOGT, rest, real(type, 0.5), ""),
                                LLVMBuildSelect(B, half, odd, LLVMConstNull(i1), ""), "");
  LLVMValueRef rounded =
      LLVMBuildSelect(B, up, LLVMBuildFAdd(B, floor, real(type, 1.0), ""), floor, "");
  return copy_sign(kb, rounded, x); /* -0.4 rounds to -0.0 */
}
