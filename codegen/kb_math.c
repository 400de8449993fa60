/* Transcendentals as dlcc's own IR (f32): the same instructions on both targets, no libm
 * and no fused multiply-adds, so host and GPU results match bit for bit. Polynomial
 * coefficients come from codegen/fit_math_coefficients.py; errors are in docs/kernels.md. */
#include <math.h>
#include <string.h>

#include "codegen/kb_internal.h"

typedef struct math_emitter {
  kernel_builder *kb;
  LLVMBuilderRef b;
} math_emitter;

static LLVMValueRef c(math_emitter *m, double value) { return kb_const_f32(m->kb, value); }
static LLVMValueRef bits_f32(math_emitter *m, unsigned bits) {
  LLVMValueRef integer = LLVMConstInt(m->kb->i32, bits, 0);
  return LLVMBuildBitCast(m->b, integer, m->kb->f32, "");
}
static LLVMValueRef add(math_emitter *m, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFAdd(m->b, a, b, "");
}
static LLVMValueRef sub(math_emitter *m, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFSub(m->b, a, b, "");
}
static LLVMValueRef mul(math_emitter *m, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFMul(m->b, a, b, "");
}
static LLVMValueRef fdiv(math_emitter *m, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFDiv(m->b, a, b, "");
}
static LLVMValueRef cmp(math_emitter *m, LLVMRealPredicate predicate, LLVMValueRef a,
                        LLVMValueRef b) {
  return LLVMBuildFCmp(m->b, predicate, a, b, "");
}
static LLVMValueRef pick(math_emitter *m, LLVMValueRef condition, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildSelect(m->b, condition, a, b, "");
}
static LLVMValueRef as_int(math_emitter *m, LLVMValueRef x) {
  return LLVMBuildBitCast(m->b, x, m->kb->i32, "");
}
static LLVMValueRef as_float(math_emitter *m, LLVMValueRef x) {
  return LLVMBuildBitCast(m->b, x, m->kb->f32, "");
}
static LLVMValueRef int_const(math_emitter *m, unsigned value) {
  return LLVMConstInt(m->kb->i32, value, 0);
}
static LLVMValueRef absolute(math_emitter *m, LLVMValueRef x) {
  return as_float(m, LLVMBuildAnd(m->b, as_int(m, x), int_const(m, 0x7fffffffu), ""));
}
/* |magnitude| with the sign of `sign`. */
static LLVMValueRef with_sign(math_emitter *m, LLVMValueRef magnitude, LLVMValueRef sign) {
  LLVMValueRef bit = LLVMBuildAnd(m->b, as_int(m, sign), int_const(m, 0x80000000u), "");
  return as_float(m, LLVMBuildOr(m->b, as_int(m, magnitude), bit, ""));
}
/* coefficients[0] + x*(coefficients[1] + x*(...)) */
static LLVMValueRef horner(math_emitter *m, const double *coefficients, int count, LLVMValueRef x) {
  LLVMValueRef result = c(m, coefficients[count - 1]);
  for (int i = count - 2; i >= 0; i--)
    result = add(m, mul(m, result, x), c(m, coefficients[i]));
  return result;
}
static LLVMValueRef is_nan(math_emitter *m, LLVMValueRef x) { return cmp(m, LLVMRealUNO, x, x); }

typedef LLVMValueRef (*math_body)(math_emitter *m, LLVMValueRef *args);

static LLVMValueRef call_math(kernel_builder *kb, LLVMBuilderRef b, const char *name,
                              math_body body, LLVMValueRef *args, unsigned arg_count);

static LLVMValueRef exp_body(math_emitter *m, LLVMValueRef *args) {
  static const double taylor[] = {1.0,      1.0,       1.0 / 2,   1.0 / 6,
                                  1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040};
  LLVMValueRef x = args[0];
  /* Clamp first so the integer conversions below always see finite values. */
  LLVMValueRef xc = pick(m, cmp(m, LLVMRealOLT, x, c(m, 88.8)), x, c(m, 88.8));
  xc = pick(m, cmp(m, LLVMRealOGT, xc, c(m, -104.0)), xc, c(m, -104.0));
  /* n = round(x / ln 2) by the 1.5*2^23 trick (no rint: it could become a libm call). */
  LLVMValueRef magic = c(m, 12582912.0);
  LLVMValueRef n = sub(m, add(m, mul(m, xc, c(m, 1.44269504088896341)), magic), magic);
  LLVMValueRef r = sub(m, xc, mul(m, n, bits_f32(m, 0x3f317200u))); /* ln2 high bits: exact */
  r = sub(m, r, mul(m, n, c(m, 1.42860682030941723e-06)));
  LLVMValueRef p = horner(m, taylor, 8, r);
  /* 2^n as two factors so that n down to -150 stays in the normal range. */
  LLVMValueRef ni = LLVMBuildFPToSI(m->b, n, m->kb->i32, "");
  LLVMValueRef n1 = LLVMBuildAShr(m->b, ni, int_const(m, 1), "");
  LLVMValueRef n2 = LLVMBuildSub(m->b, ni, n1, "");
  LLVMValueRef s1 = as_float(
      m, LLVMBuildShl(m->b, LLVMBuildAdd(m->b, n1, int_const(m, 127), ""), int_const(m, 23), ""));
  LLVMValueRef s2 = as_float(
      m, LLVMBuildShl(m->b, LLVMBuildAdd(m->b, n2, int_const(m, 127), ""), int_const(m, 23), ""));
  LLVMValueRef result = mul(m, mul(m, p, s1), s2);
  result = pick(m, cmp(m, LLVMRealOGT, x, c(m, 88.7228394)), c(m, INFINITY), result);
  result = pick(m, cmp(m, LLVMRealOLT, x, c(m, -103.972084)), c(m, 0.0), result);
  return pick(m, is_nan(m, x), x, result);
}

/* log(1+f) = f - hfsq + s*(hfsq+R), s = f/(2+f) (the classic fdlibm reduction). */
static LLVMValueRef log_body(math_emitter *m, LLVMValueRef *args) {
  LLVMValueRef x = args[0];
  LLVMBuilderRef b = m->b;
  LLVMValueRef tiny = cmp(m, LLVMRealOLT, x, c(m, 1.17549435e-38));
  LLVMValueRef xs = pick(m, tiny, mul(m, x, c(m, 8388608.0)), x);
  LLVMValueRef adjust =
      LLVMBuildSelect(b, tiny, LLVMConstInt(m->kb->i32, (unsigned)-23, 1), int_const(m, 0), "");
  LLVMValueRef ix = as_int(m, xs);
  LLVMValueRef k =
      LLVMBuildSub(b, LLVMBuildLShr(b, ix, int_const(m, 23), ""), int_const(m, 127), "");
  k = LLVMBuildAdd(b, k, adjust, "");
  LLVMValueRef mant = as_float(m, LLVMBuildOr(b, LLVMBuildAnd(b, ix, int_const(m, 0x7fffffu), ""),
                                              int_const(m, 0x3f800000u), ""));
  LLVMValueRef big = cmp(m, LLVMRealOGT, mant, c(m, 1.41421356));
  mant = pick(m, big, mul(m, mant, c(m, 0.5)), mant);
  k = LLVMBuildAdd(b, k, LLVMBuildZExt(b, big, m->kb->i32, ""), "");
  LLVMValueRef f = sub(m, mant, c(m, 1.0));
  LLVMValueRef s = fdiv(m, f, add(m, c(m, 2.0), f));
  LLVMValueRef z = mul(m, s, s);
  LLVMValueRef w = mul(m, z, z);
  LLVMValueRef t1 =
      mul(m, w, add(m, c(m, 13422099.0 / 33554432.0), mul(m, w, c(m, 16293414.0 / 67108864.0))));
  LLVMValueRef t2 =
      mul(m, z, add(m, c(m, 11184810.0 / 16777216.0), mul(m, w, c(m, 9562606.0 / 33554432.0))));
  LLVMValueRef big_r = add(m, t2, t1);
  LLVMValueRef hfsq = mul(m, mul(m, c(m, 0.5), f), f);
  LLVMValueRef dk = LLVMBuildSIToFP(b, k, m->kb->f32, "");
  LLVMValueRef inner = add(m, mul(m, s, add(m, hfsq, big_r)), mul(m, dk, bits_f32(m, 0x3717f7d1u)));
  LLVMValueRef result =
      sub(m, mul(m, dk, bits_f32(m, 0x3f317180u)), sub(m, sub(m, hfsq, inner), f));
  result = pick(m, cmp(m, LLVMRealOEQ, x, c(m, INFINITY)), x, result);
  result = pick(m, cmp(m, LLVMRealOLT, x, c(m, 0.0)), c(m, NAN), result);
  result = pick(m, cmp(m, LLVMRealOEQ, x, c(m, 0.0)), c(m, -INFINITY), result);
  return pick(m, is_nan(m, x), x, result);
}

static LLVMValueRef tanh_body(math_emitter *m, LLVMValueRef *args) {
  /* tanh(x) = x + x^3 P(x^2) below 0.625, else 1 - 2/(exp(2|x|)+1). */
  static const double small[] = {
      -0.3333333432674408,   0.13333332538604736,   -0.05396765097975731,  0.02185998111963272,
      -0.008791286498308182, 0.0033066892065107822, -0.0008624765323475003};
  LLVMValueRef x = args[0];
  LLVMValueRef a = absolute(m, x);
  LLVMValueRef u = mul(m, a, a);
  LLVMValueRef near_zero = add(m, a, mul(m, mul(m, a, u), horner(m, small, 7, u)));
  LLVMValueRef twice = add(m, a, a);
  LLVMValueRef e = call_math(m->kb, m->b, "dlcc.math.exp", exp_body, &twice, 1);
  LLVMValueRef far = sub(m, c(m, 1.0), fdiv(m, c(m, 2.0), add(m, e, c(m, 1.0))));
  LLVMValueRef result = pick(m, cmp(m, LLVMRealOLT, a, c(m, 0.625)), near_zero, far);
  return with_sign(m, result, x);
}

/* e = exp(-|x|) never overflows: 1/(1+e) for x >= 0, e/(1+e) below (keeps tiny results). */
static LLVMValueRef sigmoid_body(math_emitter *m, LLVMValueRef *args) {
  LLVMValueRef x = args[0];
  LLVMValueRef minus = LLVMBuildFNeg(m->b, absolute(m, x), "");
  LLVMValueRef e = call_math(m->kb, m->b, "dlcc.math.exp", exp_body, &minus, 1);
  LLVMValueRef numerator = pick(m, cmp(m, LLVMRealOLT, x, c(m, 0.0)), e, c(m, 1.0));
  return fdiv(m, numerator, add(m, c(m, 1.0), e));
}

static LLVMValueRef erf_body(math_emitter *m, LLVMValueRef *args) {
  /* |x| < 0.875: x + x Q(x^2); below 3.92: 1 - exp(-x^2) R(s), s = (|x|-2.3975)/1.5225. */
  static const double small[] = {0.12837916612625122,  -0.37612634897232056, 0.11283735930919647,
                                 -0.02686174027621746, 0.005207134410738945, -0.0008215559646487236,
                                 8.694667485542595e-05};
  static const double large[] = {
      0.21869786083698273,     -0.12137812376022339,   0.06389015167951584,
      -0.03209685534238815,    0.015459167771041393,   -0.007179273292422295,
      0.0032526294235140085,   -0.0013994633918628097, 0.000523125461768359,
      -0.00022847624495625496, 0.00015223619993776083, -5.4190171795198694e-05};
  LLVMValueRef x = args[0];
  LLVMValueRef a = absolute(m, x);
  LLVMValueRef u = mul(m, a, a);
  LLVMValueRef near_zero = add(m, a, mul(m, a, horner(m, small, 7, u)));
  LLVMValueRef s = mul(m, sub(m, a, c(m, 2.3975)), c(m, 1.0 / 1.5225));
  LLVMValueRef minus_u = LLVMBuildFNeg(m->b, u, "");
  LLVMValueRef e = call_math(m->kb, m->b, "dlcc.math.exp", exp_body, &minus_u, 1);
  LLVMValueRef middle = sub(m, c(m, 1.0), mul(m, e, horner(m, large, 12, s)));
  LLVMValueRef result = pick(m, cmp(m, LLVMRealOLT, a, c(m, 3.92)), middle, c(m, 1.0));
  result = pick(m, cmp(m, LLVMRealOLT, a, c(m, 0.875)), near_zero, result);
  return pick(m, is_nan(m, x), x, with_sign(m, result, x));
}

static LLVMValueRef pow_body(math_emitter *m, LLVMValueRef *args) {
  return kb_math_pow_f32(m->kb, m->b, args[0], args[1]); /* kb_math_pow.c */
}

/* Each function is built once per module, internal and always inlined. */
static LLVMValueRef call_math(kernel_builder *kb, LLVMBuilderRef b, const char *name,
                              math_body body, LLVMValueRef *args, unsigned arg_count) {
  LLVMTypeRef params[2] = {kb->f32, kb->f32};
  LLVMTypeRef type = LLVMFunctionType(kb->f32, params, arg_count, 0);
  LLVMValueRef function = LLVMGetNamedFunction(kb->module, name);
  if (!function) {
    function = LLVMAddFunction(kb->module, name, type);
    LLVMSetLinkage(function, LLVMInternalLinkage);
    const char *attributes[] = {"alwaysinline", "nounwind", "willreturn", "nosync", "nofree"};
    for (size_t i = 0; i < sizeof attributes / sizeof attributes[0]; i++) {
      unsigned kind = LLVMGetEnumAttributeKindForName(attributes[i], strlen(attributes[i]));
      LLVMAddAttributeAtIndex(function, LLVMAttributeFunctionIndex,
                              LLVMCreateEnumAttribute(kb->context, kind, 0));
    }
    math_emitter m = {kb, LLVMCreateBuilderInContext(kb->context)};
    LLVMPositionBuilderAtEnd(m.b, LLVMAppendBasicBlockInContext(kb->context, function, "entry"));
    LLVMValueRef inputs[2] = {LLVMGetParam(function, 0),
                              arg_count > 1 ? LLVMGetParam(function, 1) : NULL};
    LLVMBuildRet(m.b, body(&m, inputs));
    LLVMDisposeBuilder(m.b);
  }
  return LLVMBuildCall2(b, type, function, args, arg_count, "");
}

static LLVMValueRef user_math(kernel_builder *kb, const char *name, math_body body, LLVMValueRef x,
                              LLVMValueRef y) {
  unsigned count = y ? 2 : 1;
  if (kb_check_in_kernel(kb, name) != 0)
    return kb_placeholder(kb, kb->f32);
  if (!x || LLVMTypeOf(x) != kb->f32 || (y && LLVMTypeOf(y) != kb->f32)) {
    kb_fail(kb, "%s takes f32 values", name);
    return kb_placeholder(kb, kb->f32);
  }
  LLVMValueRef args[2] = {x, y};
  return call_math(kb, kb->builder, name, body, args, count);
}

LLVMValueRef kb_exp(kernel_builder *kb, LLVMValueRef x) {
  return user_math(kb, "dlcc.math.exp", exp_body, x, NULL);
}
LLVMValueRef kb_log(kernel_builder *kb, LLVMValueRef x) {
  return user_math(kb, "dlcc.math.log", log_body, x, NULL);
}
LLVMValueRef kb_tanh(kernel_builder *kb, LLVMValueRef x) {
  return user_math(kb, "dlcc.math.tanh", tanh_body, x, NULL);
}
LLVMValueRef kb_erf(kernel_builder *kb, LLVMValueRef x) {
  return user_math(kb, "dlcc.math.erf", erf_body, x, NULL);
}
LLVMValueRef kb_sigmoid(kernel_builder *kb, LLVMValueRef x) {
  return user_math(kb, "dlcc.math.sigmoid", sigmoid_body, x, NULL);
}
LLVMValueRef kb_pow(kernel_builder *kb, LLVMValueRef x, LLVMValueRef y) {
  if (!y) {
    kb_fail(kb, "kb_pow takes two f32 values");
    return kb_placeholder(kb, kb->f32);
  }
  return user_math(kb, "dlcc.math.pow", pow_body, x, y);
}
/* llvm.sqrt is correctly rounded on both targets in f32 and f64 (sqrt.rn.f32/.f64 in PTX,
 * sqrtss/sqrtsd on x86-64), so f64 needs no library of its own. */
LLVMValueRef kb_sqrt(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = x ? LLVMTypeOf(x) : NULL;
  if (type != kb->f32 && type != kb->f64) {
    kb_fail(kb, "kb_sqrt takes an f32 or f64 value");
    return kb_placeholder(kb, kb->f32);
  }
  return kb_intrinsic(kb, "llvm.sqrt", type, &type, 1, &x, 1);
}
LLVMValueRef kb_rsqrt(kernel_builder *kb, LLVMValueRef x) {
  LLVMValueRef root = kb_sqrt(kb, x);
  return LLVMBuildFDiv(kb->builder, LLVMConstReal(LLVMTypeOf(root), 1.0), root, "rsqrt");
}
