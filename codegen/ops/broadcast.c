/* Emitters of ops that broadcast their inputs (ONNX multidirectional broadcasting):
 * arithmetic, PRelu, Mod, Pow, logic and bit ops, comparisons (bool out), variadic Max/Min/Sum and
 * Where. The pointwise map
 * and the group evaluator do the broadcasting; these see one element of each input. */
#include "codegen/ops/emit.h"
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include <math.h>
#include <string.h>

#include "codegen/llvm_build.h"

/* Integer division as ONNX runtimes do it, but never trapping: x/0 is 0, x/-1 is -x. */
static LLVMValueRef safe_divide(kernel_builder *kb, LLVMValueRef x, LLVMValueRef d,
                                bool is_signed) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef zero = LLVMConstNull(type), one = LLVMConstInt(type, 1, 0);
  LLVMValueRef by_zero = LLVMBuildICmp(B, LLVMIntEQ, d, zero, "");
  if (!is_signed)
    return LLVMBuildSelect(B, by_zero, zero,
                           LLVMBuildUDiv(B, x, LLVMBuildSelect(B, by_zero, one, d, ""), ""), "");
  LLVMValueRef by_minus_one = LLVMBuildICmp(B, LLVMIntEQ, d, LLVMConstAllOnes(type), "");
  LLVMValueRef divisor = LLVMBuildSelect(B, LLVMBuildOr(B, by_zero, by_minus_one, ""), one, d, "");
  LLVMValueRef quotient = LLVMBuildSDiv(B, x, divisor, "");
  quotient = LLVMBuildSelect(B, by_minus_one, LLVMBuildNeg(B, x, ""), quotient, "");
  return LLVMBuildSelect(B, by_zero, zero, quotient, "");
}

static LLVMValueRef as_bool(kernel_builder *kb, LLVMValueRef condition) {
  return LLVMBuildZExt(B, condition, LLVMInt8TypeInContext(kb_context(kb)), "");
}

static LLVMValueRef compare(kernel_builder *kb, ir_op op, LLVMValueRef a, LLVMValueRef b,
                            ir_dtype compute) {
  if (ir_dtype_is_float(compute)) {
    LLVMRealPredicate p = op == IR_OP_EQUAL              ? LLVMRealOEQ
                          : op == IR_OP_GREATER          ? LLVMRealOGT
                          : op == IR_OP_GREATER_OR_EQUAL ? LLVMRealOGE
                          : op == IR_OP_LESS_OR_EQUAL    ? LLVMRealOLE
                                                         : LLVMRealOLT;
    return as_bool(kb, LLVMBuildFCmp(B, p, a, b, ""));
  }
  bool is_signed = ir_dtype_is_signed(compute) && compute != IR_DTYPE_BOOL;
  LLVMIntPredicate p = op == IR_OP_EQUAL              ? LLVMIntEQ
                       : op == IR_OP_GREATER          ? (is_signed ? LLVMIntSGT : LLVMIntUGT)
                       : op == IR_OP_GREATER_OR_EQUAL ? (is_signed ? LLVMIntSGE : LLVMIntUGE)
                       : op == IR_OP_LESS_OR_EQUAL    ? (is_signed ? LLVMIntSLE : LLVMIntULE)
                                                      : (is_signed ? LLVMIntSLT : LLVMIntULT);
  return as_bool(kb, LLVMBuildICmp(B, p, a, b, ""));
}

/* x^e for an integer base and exponent, exact in the base's type (wrapping like the other
 * integer arithmetic): square-and-multiply over every bit of e, unrolled. A negative e gives
 * 1 for x = 1, +-1 for x = -1 and 0 otherwise (the truncated quotient 1/x^|e|; x = 0 gives
 * 0, never a trap, like integer Div by 0). */
static LLVMValueRef integer_power(kernel_builder *kb, LLVMValueRef x, bool base_signed,
                                  LLVMValueRef e, bool exponent_signed) {
  LLVMTypeRef type = LLVMTypeOf(x), i1 = LLVMInt1TypeInContext(kb_context(kb));
  LLVMValueRef one = LLVMConstInt(type, 1, 0), result = one, square = x, rest = e;
  unsigned bits = LLVMGetIntTypeWidth(LLVMTypeOf(e));
  for (unsigned k = 0; k < bits; k++) {
    LLVMValueRef odd = LLVMBuildTrunc(B, rest, i1, "");
    result = LLVMBuildSelect(B, odd, LLVMBuildMul(B, result, square, ""), result, "");
    if (k + 1 < bits) {
      square = LLVMBuildMul(B, square, square, "");
      rest = LLVMBuildLShr(B, rest, LLVMConstInt(LLVMTypeOf(e), 1, 0), "");
    }
  }
  if (!exponent_signed)
    return result;
  LLVMValueRef small =
      LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, x, one, ""), one, LLVMConstNull(type), "");
  if (base_signed) {
    LLVMValueRef minus_one = LLVMConstAllOnes(type);
    LLVMValueRef odd = LLVMBuildTrunc(B, e, i1, "");
    small = LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, x, minus_one, ""),
                            LLVMBuildSelect(B, odd, minus_one, one, ""), small, "");
  }
  LLVMValueRef negative = LLVMBuildICmp(B, LLVMIntSLT, e, LLVMConstNull(LLVMTypeOf(e)), "");
  return LLVMBuildSelect(B, negative, small, result, "");
}

/* Pow: integer ^ integer exactly; otherwise through the builder's f32 pow (f64 bases are
 * refused in lower_binary), converted to the base's type. */
static LLVMValueRef power(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  ir_dtype base = node->inputs[0]->type.dtype, exponent = node->inputs[1]->type.dtype;
  if (ir_dtype_is_integer(base) && ir_dtype_is_integer(exponent))
    return integer_power(kb, operands[0], ir_dtype_is_signed(base), operands[1],
                         ir_dtype_is_signed(exponent));
  LLVMValueRef x = pw_convert(kb, operands[0], base, IR_DTYPE_F32);
  LLVMValueRef y = pw_convert(kb, operands[1], exponent, IR_DTYPE_F32);
  return pw_convert(kb, kb_pow(kb, x, y), IR_DTYPE_F32, node->outputs[0]->type.dtype);
}

/* A two-input op computed in input 0's compute type; `fn` gets both operands converted. */
typedef LLVMValueRef (*binary_fn)(kernel_builder *kb, const ir_node *node, LLVMValueRef a,
                                  LLVMValueRef b, ir_dtype compute);

static LLVMValueRef binary(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands,
                           binary_fn fn) {
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  LLVMValueRef a = pw_convert(kb, operands[0], dtype, compute);
  LLVMValueRef b = pw_convert(kb, operands[1], dtype, compute);
  LLVMValueRef result = fn(kb, node, a, b, compute);
  /* arithmetic keeps the input's dtype; comparisons give their bool (i8) already */
  return node->outputs[0]->type.dtype == dtype ? pw_convert(kb, result, compute, dtype) : result;
}

#define ARITHMETIC_EMITTER(NAME, FLOAT, INTEGER)                                                   \
  static LLVMValueRef NAME##_of(kernel_builder *kb, const ir_node *node, LLVMValueRef a,           \
                                LLVMValueRef b, ir_dtype compute) {                                \
    (void)node;                                                                                    \
    return ir_dtype_is_float(compute) ? FLOAT(B, a, b, "") : INTEGER(B, a, b, "");                 \
  }                                                                                                \
  LLVMValueRef emit_##NAME(kernel_builder *kb, const ir_node *node,                                \
                           const LLVMValueRef *operands) {                                         \
    return binary(kb, node, operands, NAME##_of);                                                  \
  }
ARITHMETIC_EMITTER(add, LLVMBuildFAdd, LLVMBuildAdd)
ARITHMETIC_EMITTER(sub, LLVMBuildFSub, LLVMBuildSub)
ARITHMETIC_EMITTER(mul, LLVMBuildFMul, LLVMBuildMul)
#undef ARITHMETIC_EMITTER

/* PRelu: x where it is not negative, slope * x where it is (unsigned x is never negative). */
static LLVMValueRef prelu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x,
                             LLVMValueRef slope, ir_dtype compute) {
  (void)node;
  LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(x)), negative;
  if (ir_dtype_is_float(compute))
    negative = LLVMBuildFCmp(B, LLVMRealOLT, x, zero, "");
  else if (ir_dtype_is_signed(compute))
    negative = LLVMBuildICmp(B, LLVMIntSLT, x, zero, "");
  else
    return x;
  LLVMValueRef scaled = ir_dtype_is_float(compute) ? LLVMBuildFMul(B, x, slope, "")
                                                   : LLVMBuildMul(B, x, slope, "");
  return LLVMBuildSelect(B, negative, scaled, x, "");
}
LLVMValueRef emit_prelu(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return binary(kb, node, operands, prelu_of);
}

/* And, Or, Xor on bool bytes (0/1) and the Bitwise ops on integers are the same instruction. */
#define BITS_EMITTER(NAME, BUILD)                                                                  \
  static LLVMValueRef NAME##_of(kernel_builder *kb, const ir_node *node, LLVMValueRef a,           \
                                LLVMValueRef b, ir_dtype compute) {                                \
    (void)node, (void)compute;                                                                     \
    return BUILD(B, a, b, "");                                                                     \
  }                                                                                                \
  LLVMValueRef emit_##NAME(kernel_builder *kb, const ir_node *node,                                \
                           const LLVMValueRef *operands) {                                         \
    return binary(kb, node, operands, NAME##_of);                                                  \
  }                                                                                                \
  LLVMValueRef emit_bitwise_##NAME(kernel_builder *kb, const ir_node *node,                        \
                                   const LLVMValueRef *operands) {                                 \
    return binary(kb, node, operands, NAME##_of);                                                  \
  }
BITS_EMITTER(and, LLVMBuildAnd)
BITS_EMITTER(or, LLVMBuildOr)
BITS_EMITTER(xor, LLVMBuildXor)
#undef BITS_EMITTER

/* BitShift: shifts by the bit width or more give 0 (numpy's result, not LLVM's poison). */
static LLVMValueRef bit_shift_of(kernel_builder *kb, const ir_node *node, LLVMValueRef a,
                                 LLVMValueRef b, ir_dtype compute) {
  (void)compute;
  LLVMTypeRef type = LLVMTypeOf(a);
  const char *direction = "";
  ir_attr_string_default(node, "direction", &direction, NULL);
  LLVMValueRef width = LLVMConstInt(type, LLVMGetIntTypeWidth(type), 0);
  LLVMValueRef in_range = LLVMBuildICmp(B, LLVMIntULT, b, width, "");
  LLVMValueRef amount = LLVMBuildSelect(B, in_range, b, LLVMConstNull(type), "");
  LLVMValueRef shifted = strcmp(direction, "LEFT") == 0 ? LLVMBuildShl(B, a, amount, "")
                                                        : LLVMBuildLShr(B, a, amount, "");
  return LLVMBuildSelect(B, in_range, shifted, LLVMConstNull(type), "");
}
LLVMValueRef emit_bit_shift(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return binary(kb, node, operands, bit_shift_of);
}

/* C's fmod: a - n*b with n = trunc(a/b), computed in f64. For f32 (and f16/bf16) operands n*b
 * is exact while |n| < 2^29, and so is the result; for f64 it is rounded once. A quotient
 * rounded across an integer is corrected by one b; fmod(a, +-inf) = a for finite a. */
static LLVMValueRef float_remainder(kernel_builder *kb, LLVMValueRef a, LLVMValueRef b) {
  LLVMTypeRef type = LLVMTypeOf(a), f64 = LLVMDoubleTypeInContext(kb_context(kb));
  LLVMValueRef x = LLVMBuildFPExt(B, a, f64, ""), y = LLVMBuildFPExt(B, b, f64, "");
  LLVMValueRef n = pw_trunc(kb, LLVMBuildFDiv(B, x, y, ""));
  LLVMValueRef r = LLVMBuildFSub(B, x, LLVMBuildFMul(B, n, y, ""), "");
  LLVMValueRef args[2] = {pw_fabs(kb, y), x};
  LLVMValueRef step = kb_intrinsic(kb, "llvm.copysign", f64, &f64, 1, args, 2); /* |b|, a's sign */
  LLVMValueRef zero = LLVMConstReal(f64, 0);
  LLVMValueRef overshot =
      LLVMBuildFCmp(B, LLVMRealOLT, LLVMBuildFMul(B, r, x, ""), zero, ""); /* r's sign is not a's */
  r = LLVMBuildSelect(B, overshot, LLVMBuildFAdd(B, r, step, ""), r, "");
  LLVMValueRef short_by = LLVMBuildFCmp(B, LLVMRealOGE, pw_fabs(kb, r), pw_fabs(kb, y), "");
  r = LLVMBuildSelect(B, short_by, LLVMBuildFSub(B, r, step, ""), r, "");
  LLVMValueRef signed_args[2] = {r, x}; /* a zero result keeps a's sign: fmod(-3, 3) = -0 */
  r = kb_intrinsic(kb, "llvm.copysign", f64, &f64, 1, signed_args, 2);
  LLVMValueRef infinite_b = LLVMBuildAnd(
      B, LLVMBuildFCmp(B, LLVMRealOEQ, pw_fabs(kb, y), LLVMConstReal(f64, INFINITY), ""),
      LLVMBuildFCmp(B, LLVMRealOLT, pw_fabs(kb, x), LLVMConstReal(f64, INFINITY), ""), "");
  r = LLVMBuildSelect(B, infinite_b, x, r, "");
  return LLVMBuildFPTrunc(B, r, type, "");
}

/* Mod: floats as fmod (inference requires fmod=1 for them); integers as the truncated
 * remainder with fmod=1, else floored (the divisor's sign, like Python). A divisor of 0 gives
 * 0 (no trap, like Div); -1 always gives 0 (INT_MIN % -1 would trap). */
static LLVMValueRef mod_of(kernel_builder *kb, const ir_node *node, LLVMValueRef a, LLVMValueRef b,
                           ir_dtype compute) {
  if (ir_dtype_is_float(compute))
    return float_remainder(kb, a, b);
  LLVMTypeRef type = LLVMTypeOf(a);
  LLVMValueRef zero = LLVMConstNull(type), one = LLVMConstInt(type, 1, 0);
  if (!ir_dtype_is_signed(compute))
    return LLVMBuildURem(
        B, a, LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntEQ, b, zero, ""), one, b, ""), "");
  LLVMValueRef trivial =
      LLVMBuildOr(B, LLVMBuildICmp(B, LLVMIntEQ, b, zero, ""),
                  LLVMBuildICmp(B, LLVMIntEQ, b, LLVMConstAllOnes(type), ""), "");
  LLVMValueRef r = LLVMBuildSRem(B, a, LLVMBuildSelect(B, trivial, one, b, ""), "");
  int64_t fmod = 0;
  ir_attr_int_default(node, "fmod", &fmod, NULL);
  if (fmod)
    return r;
  LLVMValueRef signs_differ = LLVMBuildICmp(B, LLVMIntSLT, LLVMBuildXor(B, r, b, ""), zero, "");
  LLVMValueRef adjust = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntNE, r, zero, ""), signs_differ, "");
  return LLVMBuildSelect(B, adjust, LLVMBuildAdd(B, r, b, ""), r, "");
}
LLVMValueRef emit_mod(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return binary(kb, node, operands, mod_of);
}

static LLVMValueRef div_of(kernel_builder *kb, const ir_node *node, LLVMValueRef a, LLVMValueRef b,
                           ir_dtype compute) {
  return ir_dtype_is_float(compute)
             ? LLVMBuildFDiv(B, a, b, "")
             : safe_divide(kb, a, b, ir_dtype_is_signed(node->inputs[0]->type.dtype));
}
LLVMValueRef emit_div(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return binary(kb, node, operands, div_of);
}

static LLVMValueRef compare_of(kernel_builder *kb, const ir_node *node, LLVMValueRef a,
                               LLVMValueRef b, ir_dtype compute) {
  return compare(kb, node->op, a, b, compute);
}
LLVMValueRef emit_equal(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return binary(kb, node, operands, compare_of);
}
LLVMValueRef emit_greater(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return binary(kb, node, operands, compare_of);
}
LLVMValueRef emit_less(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return binary(kb, node, operands, compare_of);
}
LLVMValueRef emit_greater_or_equal(kernel_builder *kb, const ir_node *node,
                                   const LLVMValueRef *operands) {
  return binary(kb, node, operands, compare_of);
}
LLVMValueRef emit_less_or_equal(kernel_builder *kb, const ir_node *node,
                                const LLVMValueRef *operands) {
  return binary(kb, node, operands, compare_of);
}

LLVMValueRef emit_pow(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return power(kb, node, operands);
}

/* --- Max, Min, Sum, Mean over any number of inputs ----------------------------------------- */
static LLVMValueRef variadic_combine(kernel_builder *kb, ir_op op, ir_dtype compute, LLVMValueRef a,
                                     LLVMValueRef b) {
  if (ir_dtype_is_float(compute))
    return pw_reduce_combine(kb,
                             op == IR_OP_SUM || op == IR_OP_MEAN ? PW_REDUCE_SUM
                             : op == IR_OP_MAX                   ? PW_REDUCE_MAX
                                                                 : PW_REDUCE_MIN,
                             a, b);
  if (op == IR_OP_SUM)
    return LLVMBuildAdd(B, a, b, "");
  bool is_signed = ir_dtype_is_signed(compute);
  LLVMIntPredicate better = op == IR_OP_MAX ? (is_signed ? LLVMIntSGT : LLVMIntUGT)
                                            : (is_signed ? LLVMIntSLT : LLVMIntULT);
  return LLVMBuildSelect(B, LLVMBuildICmp(B, better, a, b, ""), a, b, "");
}

static LLVMValueRef variadic(kernel_builder *kb, const ir_node *node,
                             const LLVMValueRef *operands) {
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  LLVMValueRef result = pw_convert(kb, operands[0], dtype, compute);
  for (int k = 1; k < node->num_inputs; k++)
    result = variadic_combine(kb, node->op, compute, result,
                              pw_convert(kb, operands[k], dtype, compute));
  if (node->op == IR_OP_MEAN) /* the sum over the count, as numpy's mean of the stack */
    result = LLVMBuildFDiv(B, result, LLVMConstReal(LLVMTypeOf(result), node->num_inputs), "");
  return pw_convert(kb, result, compute, dtype);
}
LLVMValueRef emit_max(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return variadic(kb, node, operands);
}
LLVMValueRef emit_min(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return variadic(kb, node, operands);
}
LLVMValueRef emit_sum(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return variadic(kb, node, operands);
}
LLVMValueRef emit_mean(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return variadic(kb, node, operands);
}

/* --- Where --------------------------------------------------------------------------------- */
LLVMValueRef emit_where(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  (void)node;
  LLVMValueRef condition =
      LLVMBuildICmp(B, LLVMIntNE, operands[0], LLVMConstNull(LLVMTypeOf(operands[0])), "");
  return LLVMBuildSelect(B, condition, operands[1], operands[2], "");
}
