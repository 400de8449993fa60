/* Math functions composed in codegen/ops from plain IEEE operations and the builder's f32
 * math (kb_math.c): expm1 and log1p for the activations and inverse hyperbolics, sin, cos and
 * atan computed in f64 for the trigonometric ops, and exp and log of f64 values (Exp, Log and
 * the reductions on f64). No libm calls on either target. */
#include "codegen/ops/pointwise_util.h"

#include <math.h>

#include "codegen/llvm_build.h"

static LLVMValueRef real(LLVMTypeRef type, double value) { return LLVMConstReal(type, value); }

/* For |x| < 0.5, (u - 1) * x / log(u) with u = exp(x) (the rounding of u cancels: Kahan), or x
 * itself where u rounds to 1; else u - 1. */
LLVMValueRef pw_expm1(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef u = kb_exp(kb, x), one = real(type, 1);
  LLVMValueRef u_minus_1 = LLVMBuildFSub(B, u, one, "");
  LLVMValueRef corrected = LLVMBuildFDiv(B, LLVMBuildFMul(B, u_minus_1, x, ""), kb_log(kb, u), "");
  corrected = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, u, one, ""), x, corrected, "");
  LLVMValueRef small = LLVMBuildFCmp(B, LLVMRealOLT, pw_fabs(kb, x), real(type, 0.5), "");
  return LLVMBuildSelect(B, small, corrected, u_minus_1, "");
}

/* w = 1 + v; log(w) * v / (w - 1) (Kahan), or v where w rounds to 1. */
LLVMValueRef pw_log1p(kernel_builder *kb, LLVMValueRef v) {
  LLVMTypeRef type = LLVMTypeOf(v);
  LLVMValueRef w = LLVMBuildFAdd(B, real(type, 1), v, "");
  LLVMValueRef w_minus_1 = LLVMBuildFSub(B, w, real(type, 1), "");
  LLVMValueRef corrected = LLVMBuildFDiv(B, LLVMBuildFMul(B, kb_log(kb, w), v, ""), w_minus_1, "");
  corrected = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, w_minus_1, real(type, 0), ""), v,
                              corrected, "");
  /* log1p(inf) = inf, where the correction would divide inf by inf */
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, v, real(type, INFINITY), ""), v,
                         corrected, "");
}

/* sum_k c_k y^k by Horner, c_k = sign^k / (first + 2k)! style coefficients given explicitly. */
static LLVMValueRef horner(kernel_builder *kb, LLVMValueRef y, const double *c, int count) {
  LLVMTypeRef type = LLVMTypeOf(y);
  LLVMValueRef sum = real(type, c[count - 1]);
  for (int k = count - 2; k >= 0; k--)
    sum = LLVMBuildFAdd(B, LLVMBuildFMul(B, sum, y, ""), real(type, c[k]), "");
  return sum;
}

/* Taylor coefficients in r^2 of sin(r)/r (odd = 1) or cos(r) (odd = 0): (-1)^k / (2k+odd)!. */
static void taylor(double *c, int count, int odd) {
  double factorial = 1;
  for (int k = 0, n = 1; k < count; k++) {
    for (; n <= 2 * k + odd; n++)
      factorial *= n;
    c[k] = (k % 2 ? -1.0 : 1.0) / factorial;
  }
}

enum { SIN_TERMS = 9, COS_TERMS = 10 }; /* |r| <= pi/4: the next terms are below 1e-18 */

/* x = n pi/2 + r with |r| <= pi/4: n rounded to nearest (even), r by Cody-Waite with pi/2 in
 * two parts (fdlibm's pio2_1 holds 33 bits, so n * pio2_1 is exact for |n| < 2^20). Returns
 * sin(r) or cos(r) per the quadrant n mod 4 for sin (shift 0) or cos (shift 1). */
static LLVMValueRef sin_cos(kernel_builder *kb, LLVMValueRef x, int shift) {
  LLVMTypeRef f64 = LLVMTypeOf(x), i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef n = pw_round_half_even(kb, LLVMBuildFMul(B, x, real(f64, 2 / M_PI), ""));
  LLVMValueRef r = LLVMBuildFSub(B, x, LLVMBuildFMul(B, n, real(f64, 1.57079632673412561417e+00), ""), "");
  r = LLVMBuildFSub(B, r, LLVMBuildFMul(B, n, real(f64, 6.07710050650619224932e-11), ""), "");
  LLVMValueRef r2 = LLVMBuildFMul(B, r, r, "");
  double cs[SIN_TERMS], cc[COS_TERMS];
  taylor(cs, SIN_TERMS, 1), taylor(cc, COS_TERMS, 0);
  LLVMValueRef sine = LLVMBuildFMul(B, r, horner(kb, r2, cs, SIN_TERMS), "");
  LLVMValueRef cosine = horner(kb, r2, cc, COS_TERMS);
  /* n past 2^52 (or inf, NaN) makes its i64 poison; then r is NaN or meaningless anyway */
  LLVMValueRef integral = LLVMBuildFCmp(B, LLVMRealOLT, pw_fabs(kb, n), real(f64, 0x1p52), "");
  LLVMValueRef quadrant = LLVMBuildAnd(
      B, LLVMBuildAdd(B, LLVMBuildFPToSI(B, LLVMBuildSelect(B, integral, n, real(f64, 0), ""), i64, ""),
                      LLVMConstInt(i64, (unsigned long long)shift, 0), ""),
      LLVMConstInt(i64, 3, 0), "");
  LLVMValueRef odd = LLVMBuildTrunc(B, quadrant, LLVMInt1TypeInContext(kb_context(kb)), "");
  LLVMValueRef negate = LLVMBuildICmp(B, LLVMIntUGE, quadrant, LLVMConstInt(i64, 2, 0), "");
  LLVMValueRef value = LLVMBuildSelect(B, odd, cosine, sine, "");
  value = LLVMBuildSelect(B, negate, LLVMBuildFNeg(B, value, ""), value, "");
  /* beyond the reduction's range (and for inf/NaN) the result is NaN, never a wrong number */
  LLVMValueRef in_range = LLVMBuildFCmp(B, LLVMRealOLT, pw_fabs(kb, x), real(f64, 0x1p20 * M_PI_2), "");
  return LLVMBuildSelect(B, in_range, value, real(f64, NAN), "");
}

LLVMValueRef pw_sin_f64(kernel_builder *kb, LLVMValueRef x) { return sin_cos(kb, x, 0); }
LLVMValueRef pw_cos_f64(kernel_builder *kb, LLVMValueRef x) { return sin_cos(kb, x, 1); }

enum { ATAN_TERMS = 22 }; /* |u| <= tan(pi/8): u^45 / 45 < 1e-19 */

/* atan |x| = pi/2 - atan(1/|x|) above 1; atan t = pi/4 + atan((t - 1)/(t + 1)) above
 * tan(pi/8); Taylor series u - u^3/3 + ... below; the sign copied back. */
LLVMValueRef pw_atan_f64(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef f64 = LLVMTypeOf(x);
  LLVMValueRef a = pw_fabs(kb, x);
  LLVMValueRef inverted = LLVMBuildFCmp(B, LLVMRealOGT, a, real(f64, 1), "");
  LLVMValueRef t = LLVMBuildSelect(B, inverted, LLVMBuildFDiv(B, real(f64, 1), a, ""), a, "");
  LLVMValueRef shifted = LLVMBuildFCmp(B, LLVMRealOGT, t, real(f64, 0.41421356237309503), "");
  LLVMValueRef u = LLVMBuildSelect(
      B, shifted,
      LLVMBuildFDiv(B, LLVMBuildFSub(B, t, real(f64, 1), ""), LLVMBuildFAdd(B, t, real(f64, 1), ""), ""),
      t, "");
  double c[ATAN_TERMS];
  for (int k = 0; k < ATAN_TERMS; k++)
    c[k] = (k % 2 ? -1.0 : 1.0) / (2 * k + 1);
  LLVMValueRef series = LLVMBuildFMul(B, u, horner(kb, LLVMBuildFMul(B, u, u, ""), c, ATAN_TERMS), "");
  LLVMValueRef angle = LLVMBuildSelect(B, shifted, LLVMBuildFAdd(B, real(f64, M_PI_4), series, ""), series, "");
  angle = LLVMBuildSelect(B, inverted, LLVMBuildFSub(B, real(f64, M_PI_2), angle, ""), angle, "");
  LLVMValueRef args[2] = {angle, x};
  return kb_intrinsic(kb, "llvm.copysign", f64, &f64, 1, args, 2);
}

enum { EXP_TERMS = 14, LOG_TERMS = 12 }; /* exp: |r| <= ln2/2, r^14/14! < 5e-18; log below */

/* 2^n for an i64 n in [-1100, 1100] as two f64 factors (each a normal number), so results
 * down into the subnormals and up to overflow come out of one rounding each. */
static LLVMValueRef scale_by_power_of_two(kernel_builder *kb, LLVMValueRef value, LLVMValueRef n) {
  LLVMTypeRef f64 = LLVMTypeOf(value), i64 = LLVMTypeOf(n);
  LLVMValueRef half = LLVMBuildAShr(B, n, LLVMConstInt(i64, 1, 0), "");
  LLVMValueRef parts[2] = {half, LLVMBuildSub(B, n, half, "")};
  for (int k = 0; k < 2; k++) {
    LLVMValueRef bits = LLVMBuildShl(B, LLVMBuildAdd(B, parts[k], LLVMConstInt(i64, 1023, 0), ""),
                                     LLVMConstInt(i64, 52, 0), "");
    value = LLVMBuildFMul(B, value, LLVMBuildBitCast(B, bits, f64, ""), "");
  }
  return value;
}

/* exp x = 2^n e^r with n = round(x / ln2) and r = x - n ln2 (ln2 in two parts, fdlibm's:
 * n ln2_hi is exact), e^r by its Taylor polynomial; x clamped to [-746, 710] first, where the
 * result has already underflowed to 0 or overflowed to inf. */
LLVMValueRef pw_exp_f64(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef f64 = LLVMTypeOf(x), i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef nan = LLVMBuildFCmp(B, LLVMRealUNO, x, x, "");
  LLVMValueRef clamped = LLVMBuildSelect(B, nan, real(f64, 0), x, "");
  clamped = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, clamped, real(f64, -746), ""),
                            real(f64, -746), clamped, "");
  clamped = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, clamped, real(f64, 710), ""),
                            real(f64, 710), clamped, "");
  LLVMValueRef n = pw_round_half_even(kb, LLVMBuildFMul(B, clamped, real(f64, 1 / M_LN2), ""));
  LLVMValueRef r = LLVMBuildFSub(B, clamped, LLVMBuildFMul(B, n, real(f64, 6.93147180369123816490e-01), ""), "");
  r = LLVMBuildFSub(B, r, LLVMBuildFMul(B, n, real(f64, 1.90821492927058770002e-10), ""), "");
  double c[EXP_TERMS];
  c[0] = 1;
  for (int k = 1; k < EXP_TERMS; k++)
    c[k] = c[k - 1] / k;
  LLVMValueRef value = scale_by_power_of_two(kb, horner(kb, r, c, EXP_TERMS),
                                             LLVMBuildFPToSI(B, n, i64, ""));
  return LLVMBuildSelect(B, nan, x, value, "");
}

/* log x = k ln2 + log m with x = m 2^k, m in [sqrt(1/2), sqrt 2) (subnormals pre-scaled by
 * 2^54), log m = 2 atanh s = 2 (s + s^3/3 + ...) with s = (m - 1)/(m + 1), |s| < 0.172; 0 gives
 * -inf, negatives NaN, inf and NaN themselves. */
LLVMValueRef pw_log_f64(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef f64 = LLVMTypeOf(x), i64 = LLVMInt64TypeInContext(kb_context(kb));
  LLVMValueRef tiny = LLVMBuildFCmp(B, LLVMRealOLT, x, real(f64, 0x1p-1022), "");
  LLVMValueRef scaled = LLVMBuildSelect(B, tiny, LLVMBuildFMul(B, x, real(f64, 0x1p54), ""), x, "");
  LLVMValueRef bits = LLVMBuildBitCast(B, scaled, i64, "");
  LLVMValueRef exponent = LLVMBuildAnd(B, LLVMBuildLShr(B, bits, LLVMConstInt(i64, 52, 0), ""),
                                       LLVMConstInt(i64, 0x7ff, 0), "");
  LLVMValueRef mantissa_bits = LLVMBuildOr(
      B, LLVMBuildAnd(B, bits, LLVMConstInt(i64, (1ull << 52) - 1, 0), ""),
      LLVMConstInt(i64, 1023ull << 52, 0), "");
  LLVMValueRef m = LLVMBuildBitCast(B, mantissa_bits, f64, ""); /* [1, 2) */
  LLVMValueRef high = LLVMBuildFCmp(B, LLVMRealOGT, m, real(f64, M_SQRT2), "");
  m = LLVMBuildSelect(B, high, LLVMBuildFMul(B, m, real(f64, 0.5), ""), m, "");
  LLVMValueRef k = LLVMBuildSub(B, exponent, LLVMConstInt(i64, 1023, 0), "");
  k = LLVMBuildAdd(B, k, LLVMBuildZExt(B, high, i64, ""), "");
  k = LLVMBuildSub(B, k, LLVMBuildSelect(B, tiny, LLVMConstInt(i64, 54, 0), LLVMConstNull(i64), ""), "");
  LLVMValueRef s = LLVMBuildFDiv(B, LLVMBuildFSub(B, m, real(f64, 1), ""),
                                 LLVMBuildFAdd(B, m, real(f64, 1), ""), "");
  double c[LOG_TERMS];
  for (int j = 0; j < LOG_TERMS; j++)
    c[j] = 2.0 / (2 * j + 1);
  LLVMValueRef log_m = LLVMBuildFMul(B, s, horner(kb, LLVMBuildFMul(B, s, s, ""), c, LOG_TERMS), "");
  LLVMValueRef kf = LLVMBuildSIToFP(B, k, f64, "");
  LLVMValueRef value = LLVMBuildFAdd(
      B, LLVMBuildFMul(B, kf, real(f64, 6.93147180369123816490e-01), ""),
      LLVMBuildFAdd(B, log_m, LLVMBuildFMul(B, kf, real(f64, 1.90821492927058770002e-10), ""), ""), "");
  value = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, x, real(f64, 0), ""), real(f64, -INFINITY), value, "");
  value = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, real(f64, 0), ""), real(f64, NAN), value, "");
  /* inf and NaN are their own log */
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealUGE, x, real(f64, INFINITY), ""), x, value, "");
}

LLVMValueRef pw_exp(kernel_builder *kb, LLVMValueRef x) {
  return LLVMGetTypeKind(LLVMTypeOf(x)) == LLVMDoubleTypeKind ? pw_exp_f64(kb, x) : kb_exp(kb, x);
}

LLVMValueRef pw_log(kernel_builder *kb, LLVMValueRef x) {
  return LLVMGetTypeKind(LLVMTypeOf(x)) == LLVMDoubleTypeKind ? pw_log_f64(kb, x) : kb_log(kb, x);
}
