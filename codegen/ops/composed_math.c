/* Math functions composed in codegen/ops from plain IEEE operations and the builder's f32
 * math (kb_math.c): expm1 and log1p for the activations and inverse hyperbolics, and sin, cos
 * and atan computed in f64 for the trigonometric ops. No libm calls on either target. */
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
