/* powf through double precision: log and exp of |x|^y evaluated in f64 (plain IEEE operations,
 * the same on both targets), rounded once to f32, so the result is within about 0.5 ulp for
 * every exponent; C's special cases are applied on top. */
#include <math.h>

#include "codegen/kb_internal.h"

typedef struct f64_emitter {
  kernel_builder *kb;
  LLVMBuilderRef b;
} f64_emitter;

static LLVMValueRef d(f64_emitter *e, double value) { return LLVMConstReal(e->kb->f64, value); }
static LLVMValueRef add(f64_emitter *e, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFAdd(e->b, a, b, "");
}
static LLVMValueRef sub(f64_emitter *e, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFSub(e->b, a, b, "");
}
static LLVMValueRef mul(f64_emitter *e, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFMul(e->b, a, b, "");
}
static LLVMValueRef i64(f64_emitter *e, unsigned long long value) {
  return LLVMConstInt(e->kb->i64, value, 0);
}
static LLVMValueRef clamp(f64_emitter *e, LLVMValueRef x, double low, double high) {
  x = LLVMBuildSelect(e->b, LLVMBuildFCmp(e->b, LLVMRealOLT, x, d(e, high), ""), x, d(e, high), "");
  return LLVMBuildSelect(e->b, LLVMBuildFCmp(e->b, LLVMRealOGT, x, d(e, low), ""), x, d(e, low),
                         "");
}

/* ln(a) for positive finite a (from an f32, so never an f64 denormal): a = m 2^k with m in
 * [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s) = 2s(1 + s^2/3 + ... + s^14/15), s = (m-1)/(m+1);
 * |s| <= 0.1716 makes the truncation error below 2^-40. */
static LLVMValueRef log_f64(f64_emitter *e, LLVMValueRef a) {
  LLVMBuilderRef b = e->b;
  LLVMValueRef bits = LLVMBuildBitCast(b, a, e->kb->i64, "");
  LLVMValueRef k = LLVMBuildSub(b, LLVMBuildLShr(b, bits, i64(e, 52), ""), i64(e, 1023), "");
  LLVMValueRef mantissa = LLVMBuildOr(b, LLVMBuildAnd(b, bits, i64(e, 0xfffffffffffffull), ""),
                                      i64(e, 0x3ff0000000000000ull), "");
  LLVMValueRef m = LLVMBuildBitCast(b, mantissa, e->kb->f64, "");
  LLVMValueRef big = LLVMBuildFCmp(b, LLVMRealOGT, m, d(e, 1.4142135623730951), "");
  m = LLVMBuildSelect(b, big, mul(e, m, d(e, 0.5)), m, "");
  k = LLVMBuildAdd(b, k, LLVMBuildZExt(b, big, e->kb->i64, ""), "");
  LLVMValueRef s = LLVMBuildFDiv(b, sub(e, m, d(e, 1.0)), add(e, m, d(e, 1.0)), "");
  LLVMValueRef z = mul(e, s, s);
  LLVMValueRef series = d(e, 1.0 / 15);
  for (int odd = 13; odd >= 1; odd -= 2)
    series = add(e, mul(e, series, z), d(e, 1.0 / odd));
  LLVMValueRef log_m = mul(e, mul(e, d(e, 2.0), s), series);
  return add(e, mul(e, LLVMBuildSIToFP(b, k, e->kb->f64, ""), d(e, M_LN2)), log_m);
}

/* exp(t) for t clamped to the range whose results matter in f32; Taylor degree 11 on
 * |r| <= ln2/2 (error below 2^-42), 2^n built from exponent bits. */
static LLVMValueRef exp_f64(f64_emitter *e, LLVMValueRef t) {
  LLVMBuilderRef b = e->b;
  t = clamp(e, t, -110.0, 90.0);                 /* e^-110 rounds to 0 and e^90 overflows in f32 */
  LLVMValueRef magic = d(e, 6755399441055744.0); /* 1.5 * 2^52: rounds to an integer */
  LLVMValueRef n = sub(e, add(e, mul(e, t, d(e, 1.4426950408889634)), magic), magic);
  LLVMValueRef r = sub(e, t, mul(e, n, d(e, 0.6931471803691238)));
  r = sub(e, r, mul(e, n, d(e, 1.9082149292705877e-10)));
  double factorial = 39916800.0; /* 11! */
  LLVMValueRef p = d(e, 1.0 / factorial);
  for (int i = 10; i >= 0; i--) {
    factorial /= (i + 1);
    p = add(e, mul(e, p, r), d(e, 1.0 / factorial));
  }
  LLVMValueRef ni = LLVMBuildFPToSI(b, n, e->kb->i64, "");
  LLVMValueRef scale = LLVMBuildShl(b, LLVMBuildAdd(b, ni, i64(e, 1023), ""), i64(e, 52), "");
  return mul(e, p, LLVMBuildBitCast(b, scale, e->kb->f64, ""));
}

LLVMValueRef kb_math_pow_f32(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef x, LLVMValueRef y) {
  f64_emitter e = {kb, b};
  LLVMTypeRef f32 = kb->f32;
  LLVMValueRef sign_bit = LLVMConstInt(kb->i32, 0x80000000u, 0);
  LLVMValueRef x_bits = LLVMBuildBitCast(b, x, kb->i32, "");
  LLVMValueRef ax =
      LLVMBuildBitCast(b, LLVMBuildAnd(b, x_bits, LLVMConstNot(sign_bit), ""), f32, "");
  LLVMValueRef ax64 = LLVMBuildFPExt(b, ax, kb->f64, "");
  LLVMValueRef t = mul(&e, LLVMBuildFPExt(b, y, kb->f64, ""), log_f64(&e, ax64));
  LLVMValueRef result = LLVMBuildFPTrunc(b, exp_f64(&e, t), f32, "");

  /* Integral y: |y| >= 2^24 (and infinity) is even; below, compare with its i32 value. */
  LLVMValueRef ay = LLVMBuildBitCast(
      b, LLVMBuildAnd(b, LLVMBuildBitCast(b, y, kb->i32, ""), LLVMConstNot(sign_bit), ""), f32, "");
  LLVMValueRef huge = LLVMBuildFCmp(b, LLVMRealOGE, ay, LLVMConstReal(f32, 16777216.0), "");
  LLVMValueRef yc = LLVMBuildSelect(b, huge, LLVMConstReal(f32, 0), y, "");
  yc = LLVMBuildSelect(b, LLVMBuildFCmp(b, LLVMRealUNO, y, y, ""), LLVMConstReal(f32, 0.5), yc, "");
  LLVMValueRef iy = LLVMBuildFPToSI(b, yc, kb->i32, "");
  LLVMValueRef integral = LLVMBuildOr(
      b, huge, LLVMBuildFCmp(b, LLVMRealOEQ, LLVMBuildSIToFP(b, iy, f32, ""), yc, ""), "");
  LLVMValueRef odd =
      LLVMBuildAnd(b, LLVMBuildNot(b, huge, ""),
                   LLVMBuildAnd(b, integral, LLVMBuildTrunc(b, iy, kb->i1, ""), ""), "");
  /* The sign of x (also of -0) for odd integers; NaN for x < 0 and other finite y. */
  LLVMValueRef x_negative_sign =
      LLVMBuildICmp(b, LLVMIntSLT, x_bits, LLVMConstInt(kb->i32, 0, 0), "");
  result = LLVMBuildSelect(b, LLVMBuildAnd(b, x_negative_sign, odd, ""),
                           LLVMBuildFNeg(b, result, ""), result, "");
  LLVMValueRef x_below_zero = LLVMBuildFCmp(b, LLVMRealOLT, x, LLVMConstReal(f32, 0), "");
  result = LLVMBuildSelect(b, LLVMBuildAnd(b, x_below_zero, LLVMBuildNot(b, integral, ""), ""),
                           LLVMConstReal(f32, NAN), result, "");
  /* |x| = 1 with infinite y is 1; any NaN is NaN; y = 0 or x = 1 give 1 even for NaN. */
  LLVMValueRef unit_inf =
      LLVMBuildAnd(b, LLVMBuildFCmp(b, LLVMRealOEQ, ax, LLVMConstReal(f32, 1.0), ""),
                   LLVMBuildFCmp(b, LLVMRealOEQ, ay, LLVMConstReal(f32, INFINITY), ""), "");
  result = LLVMBuildSelect(b, unit_inf, LLVMConstReal(f32, 1.0), result, "");
  LLVMValueRef any_nan = LLVMBuildFCmp(b, LLVMRealUNO, x, y, "");
  result = LLVMBuildSelect(b, any_nan, LLVMConstReal(f32, NAN), result, "");
  LLVMValueRef one = LLVMBuildOr(b, LLVMBuildFCmp(b, LLVMRealOEQ, y, LLVMConstReal(f32, 0), ""),
                                 LLVMBuildFCmp(b, LLVMRealOEQ, x, LLVMConstReal(f32, 1.0), ""), "");
  return LLVMBuildSelect(b, one, LLVMConstReal(f32, 1.0), result, "");
}
