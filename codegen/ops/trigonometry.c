/* Emitters of the trigonometric and hyperbolic ops. Sin, Cos, Tan, Asin, Acos and Atan are
 * computed in f64 (composed_math.c) and rounded once to the output's type, so f32 results are
 * correctly rounded but for rare ties, and f64 ones are within a few ulps. Sinh, Cosh, Asinh,
 * Acosh and Atanh are built on the builder's f32 exp and log (f64 refused, F32_MATH), with
 * the forms that keep small arguments accurate. */
#include "codegen/ops/emit.h"
#include "codegen/ops/pointwise_util.h"

#include <math.h>

#include "codegen/llvm_build.h"

static LLVMValueRef real(LLVMTypeRef type, double value) { return LLVMConstReal(type, value); }

/* f(x) evaluated in f64, returned in x's type. */
static LLVMValueRef in_f64(kernel_builder *kb, LLVMValueRef x,
                           LLVMValueRef (*f)(kernel_builder *, LLVMValueRef)) {
  LLVMTypeRef f64 = LLVMDoubleTypeInContext(kb_context(kb));
  return LLVMBuildFPTrunc(B, f(kb, LLVMBuildFPExt(B, x, f64, "")), LLVMTypeOf(x), "");
}

static LLVMValueRef tan_f64(kernel_builder *kb, LLVMValueRef x) {
  return LLVMBuildFDiv(B, pw_sin_f64(kb, x), pw_cos_f64(kb, x), "");
}

/* asin x = atan(x / sqrt((1 - x)(1 + x))): +-pi/2 at +-1, NaN beyond. */
static LLVMValueRef asin_f64(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef f64 = LLVMTypeOf(x);
  LLVMValueRef rest = LLVMBuildFMul(B, LLVMBuildFSub(B, real(f64, 1), x, ""),
                                    LLVMBuildFAdd(B, real(f64, 1), x, ""), "");
  return pw_atan_f64(kb, LLVMBuildFDiv(B, x, kb_sqrt(kb, rest), ""));
}

/* acos x = 2 atan(sqrt((1 - x) / (1 + x))): no cancellation near 1; pi at -1. */
static LLVMValueRef acos_f64(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef f64 = LLVMTypeOf(x);
  LLVMValueRef ratio = LLVMBuildFDiv(B, LLVMBuildFSub(B, real(f64, 1), x, ""),
                                     LLVMBuildFAdd(B, real(f64, 1), x, ""), "");
  return LLVMBuildFMul(B, real(f64, 2), pw_atan_f64(kb, kb_sqrt(kb, ratio)), "");
}

#define F64_FUNCTION(NAME, FUNCTION)                                                               \
  static LLVMValueRef NAME##_value(kernel_builder *kb, LLVMValueRef x) {                           \
    return in_f64(kb, x, FUNCTION);                                                                \
  }                                                                                                \
  LOWER_MATH_EMITTER(NAME, NAME##_value)
F64_FUNCTION(sin, pw_sin_f64)
F64_FUNCTION(cos, pw_cos_f64)
F64_FUNCTION(tan, tan_f64)
F64_FUNCTION(asin, asin_f64)
F64_FUNCTION(acos, acos_f64)
F64_FUNCTION(atan, pw_atan_f64)
#undef F64_FUNCTION

/* sinh and cosh from h = exp(|x|/2): (h/2) h -+ (1/2h)/h stays finite up to sinh's own
 * overflow; sinh of |x| < 1 by its Taylor series (x + x^3/3! + ... + x^13/13!: below 1e-11
 * relative), where the difference would cancel. */
static LLVMValueRef hyperbolic(kernel_builder *kb, LLVMValueRef x, bool sine) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef a = pw_fabs(kb, x);
  LLVMValueRef h = kb_exp(kb, LLVMBuildFMul(B, a, real(type, 0.5), ""));
  LLVMValueRef big = LLVMBuildFMul(B, LLVMBuildFMul(B, h, real(type, 0.5), ""), h, "");
  LLVMValueRef small = LLVMBuildFDiv(B, LLVMBuildFDiv(B, real(type, 0.5), h, ""), h, "");
  if (!sine)
    return LLVMBuildFAdd(B, big, small, "");
  LLVMValueRef value = LLVMBuildFSub(B, big, small, "");
  LLVMValueRef x2 = LLVMBuildFMul(B, a, a, ""), series = real(type, 1.0 / 6227020800.0);
  for (int n = 11; n >= 1; n -= 2) /* coefficients 1/13!, 1/11!, ..., 1/1! */
    series = LLVMBuildFAdd(B, LLVMBuildFMul(B, series, x2, ""),
                           real(type, 1.0 / tgamma(n + 1)), "");
  series = LLVMBuildFMul(B, series, a, "");
  value = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, a, real(type, 1), ""), series, value, "");
  LLVMValueRef args[2] = {value, x};
  return kb_intrinsic(kb, "llvm.copysign", type, &type, 1, args, 2);
}

static LLVMValueRef sinh_value(kernel_builder *kb, LLVMValueRef x) { return hyperbolic(kb, x, true); }
static LLVMValueRef cosh_value(kernel_builder *kb, LLVMValueRef x) { return hyperbolic(kb, x, false); }
LOWER_MATH_EMITTER(sinh, sinh_value)
LOWER_MATH_EMITTER(cosh, cosh_value)

/* log(a) + log 2 for a past 2^28, where a^2 would overflow and the other term is lost. */
static LLVMValueRef log_twice(kernel_builder *kb, LLVMValueRef a) {
  return LLVMBuildFAdd(B, kb_log(kb, a), real(LLVMTypeOf(a), M_LN2), "");
}

/* asinh |x| = log1p(a + a^2 / (1 + sqrt(1 + a^2))), the sign copied. */
static LLVMValueRef asinh_value(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef a = pw_fabs(kb, x), a2 = LLVMBuildFMul(B, a, a, ""), one = real(type, 1);
  LLVMValueRef root = kb_sqrt(kb, LLVMBuildFAdd(B, one, a2, ""));
  LLVMValueRef v = LLVMBuildFAdd(B, a, LLVMBuildFDiv(B, a2, LLVMBuildFAdd(B, one, root, ""), ""), "");
  LLVMValueRef large = LLVMBuildFCmp(B, LLVMRealOGT, a, real(type, 0x1p28), "");
  LLVMValueRef value = LLVMBuildSelect(B, large, log_twice(kb, a), pw_log1p(kb, v), "");
  LLVMValueRef args[2] = {value, x};
  return kb_intrinsic(kb, "llvm.copysign", type, &type, 1, args, 2);
}
LOWER_MATH_EMITTER(asinh, asinh_value)

/* acosh x = log1p(t + sqrt(t (t + 2))) with t = x - 1 (exact near 1); NaN below 1. */
static LLVMValueRef acosh_value(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef t = LLVMBuildFSub(B, x, real(type, 1), "");
  LLVMValueRef root = kb_sqrt(kb, LLVMBuildFMul(B, t, LLVMBuildFAdd(B, t, real(type, 2), ""), ""));
  LLVMValueRef large = LLVMBuildFCmp(B, LLVMRealOGT, x, real(type, 0x1p28), "");
  return LLVMBuildSelect(B, large, log_twice(kb, x), pw_log1p(kb, LLVMBuildFAdd(B, t, root, "")), "");
}
LOWER_MATH_EMITTER(acosh, acosh_value)

/* atanh x = log1p(2a / (1 - a)) / 2, the sign copied: inf at 1, NaN beyond. */
static LLVMValueRef atanh_value(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef a = pw_fabs(kb, x);
  LLVMValueRef v = LLVMBuildFDiv(B, LLVMBuildFMul(B, real(type, 2), a, ""),
                                 LLVMBuildFSub(B, real(type, 1), a, ""), "");
  LLVMValueRef value = LLVMBuildFMul(B, real(type, 0.5), pw_log1p(kb, v), "");
  LLVMValueRef args[2] = {value, x};
  return kb_intrinsic(kb, "llvm.copysign", type, &type, 1, args, 2);
}
LOWER_MATH_EMITTER(atanh, atanh_value)
