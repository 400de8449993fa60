/* Emitters of one-input elementwise ops (activations and math), Clip and Cast, and the checks
 * of what elementwise emitters support. f16/bf16 compute in f32, f32 and f64 in their own
 * type (f64 transcendentals are refused: the builder's math is f32); integers use integer
 * instructions. */
#include "codegen/ops/emit.h"
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include <math.h>

#include "codegen/llvm_build.h"

static LLVMValueRef real(LLVMTypeRef type, double value) { return LLVMConstReal(type, value); }

static LLVMValueRef clamp01(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef low =
      LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, real(type, 0), ""), real(type, 0), x, "");
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, low, real(type, 1), ""), real(type, 1),
                         low, "");
}

LLVMValueRef lower_emit_unary(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands,
                              lower_unary_fn fn) {
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  LLVMValueRef y = fn(kb, node, pw_convert(kb, operands[0], dtype, compute));
  if (!y)
    return NULL;
  if (LLVMTypeOf(y) == LLVMInt1TypeInContext(kb_context(kb)))
    return LLVMBuildZExt(B, y, pw_storage_type(kb, IR_DTYPE_BOOL), "");
  return pw_convert(kb, y, compute, node->outputs[0]->type.dtype);
}

static bool is_float_value(LLVMValueRef x) {
  LLVMTypeKind kind = LLVMGetTypeKind(LLVMTypeOf(x));
  return kind == LLVMFloatTypeKind || kind == LLVMDoubleTypeKind;
}

static LLVMValueRef is_negative(kernel_builder *kb, LLVMValueRef x) {
  return LLVMBuildICmp(B, LLVMIntSLT, x, LLVMConstNull(LLVMTypeOf(x)), "");
}

static bool signed_input(const ir_node *node) {
  return ir_dtype_is_signed(node->inputs[0]->type.dtype);
}

float lower_float_attribute(const ir_node *node, const char *name) {
  float value = 0;
  ir_attr_float_default(node, name, &value, NULL); /* kinds were checked by inference */
  return value;
}

static LLVMValueRef abs_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  if (is_float_value(x))
    return pw_fabs(kb, x);
  return signed_input(node) ? LLVMBuildSelect(B, is_negative(kb, x), LLVMBuildNeg(B, x, ""), x, "")
                            : x;
}
/* dl.copy: the value itself (it gives a graph output that is a constant its own buffer). */
LLVMValueRef emit_copy(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  (void)kb;
  (void)node;
  return operands[0];
}

LLVMValueRef emit_abs(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, abs_of);
}

static LLVMValueRef neg_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return is_float_value(x) ? LLVMBuildFNeg(B, x, "") : LLVMBuildNeg(B, x, "");
}
LLVMValueRef emit_neg(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, neg_of);
}

static LLVMValueRef relu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(x));
  if (is_float_value(x))
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, zero, ""), zero, x, "");
  return signed_input(node) ? LLVMBuildSelect(B, is_negative(kb, x), zero, x, "") : x;
}
LLVMValueRef emit_relu(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, relu_of);
}

static LLVMValueRef not_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntEQ, x, LLVMConstNull(LLVMTypeOf(x)), ""),
                       LLVMTypeOf(x), "");
}
LLVMValueRef emit_not(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, not_of);
}

static LLVMValueRef leaky_relu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, real(type, 0), ""),
                         LLVMBuildFMul(B, x, real(type, lower_float_attribute(node, "alpha")), ""),
                         x, "");
}
LLVMValueRef emit_leaky_relu(kernel_builder *kb, const ir_node *node,
                             const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, leaky_relu_of);
}

/* The builder's math functions. */
LOWER_MATH_EMITTER(sigmoid, kb_sigmoid)
LOWER_MATH_EMITTER(tanh, kb_tanh)
LOWER_MATH_EMITTER(erf, kb_erf)
LOWER_MATH_EMITTER(exp, pw_exp)
LOWER_MATH_EMITTER(log, pw_log)
LOWER_MATH_EMITTER(sqrt, kb_sqrt)

/* Swish: x * sigmoid(alpha * x). */
static LLVMValueRef swish_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMValueRef alpha = real(LLVMTypeOf(x), lower_float_attribute(node, "alpha"));
  return LLVMBuildFMul(B, x, kb_sigmoid(kb, LLVMBuildFMul(B, alpha, x, "")), "");
}
LLVMValueRef emit_swish(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, swish_of);
}

static LLVMValueRef reciprocal_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return LLVMBuildFDiv(B, real(LLVMTypeOf(x), 1), x, "");
}
LLVMValueRef emit_reciprocal(kernel_builder *kb, const ir_node *node,
                             const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, reciprocal_of);
}

static LLVMValueRef floor_fn(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return pw_floor(kb, x, false);
}
LLVMValueRef emit_floor(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, floor_fn);
}

static LLVMValueRef ceil_fn(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return pw_floor(kb, x, true);
}
LLVMValueRef emit_ceil(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, ceil_fn);
}

static LLVMValueRef hard_sigmoid_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  return clamp01(
      kb,
      LLVMBuildFAdd(B, LLVMBuildFMul(B, x, real(type, lower_float_attribute(node, "alpha")), ""),
                    real(type, lower_float_attribute(node, "beta")), ""));
}
LLVMValueRef emit_hard_sigmoid(kernel_builder *kb, const ir_node *node,
                               const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, hard_sigmoid_of);
}

static LLVMValueRef hard_swish_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef gate = clamp01(
      kb, LLVMBuildFAdd(B, LLVMBuildFMul(B, x, real(type, 1.0 / 6.0), ""), real(type, 0.5), ""));
  return LLVMBuildFMul(B, x, gate, "");
}
LLVMValueRef emit_hard_swish(kernel_builder *kb, const ir_node *node,
                             const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, hard_swish_of);
}

static LLVMValueRef round_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return pw_round_half_even(kb, x);
}
LLVMValueRef emit_round(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, round_of);
}

/* 1, -1 or x itself (zeros, NaN); unsigned integers 0 or 1. */
static LLVMValueRef sign_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  if (is_float_value(x)) {
    LLVMValueRef negative = LLVMBuildFCmp(B, LLVMRealOLT, x, real(type, 0), "");
    LLVMValueRef positive = LLVMBuildFCmp(B, LLVMRealOGT, x, real(type, 0), "");
    return LLVMBuildSelect(B, positive, real(type, 1),
                           LLVMBuildSelect(B, negative, real(type, -1), x, ""), "");
  }
  LLVMValueRef zero = LLVMConstNull(type);
  LLVMValueRef nonzero = LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntNE, x, zero, ""), type, "");
  return signed_input(node)
             ? LLVMBuildSelect(B, is_negative(kb, x), LLVMConstAllOnes(type), nonzero, "")
             : nonzero;
}
LLVMValueRef emit_sign(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, sign_of);
}

static LLVMValueRef bitwise_not_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return LLVMBuildNot(B, x, "");
}
LLVMValueRef emit_bitwise_not(kernel_builder *kb, const ir_node *node,
                              const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, bitwise_not_of);
}

/* IsInf with detect_negative / detect_positive; IsNaN. */
static LLVMValueRef is_inf_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  int64_t negative = 1, positive = 1;
  ir_attr_int_default(node, "detect_negative", &negative, NULL);
  ir_attr_int_default(node, "detect_positive", &positive, NULL);
  LLVMValueRef i1_false = LLVMConstNull(LLVMInt1TypeInContext(kb_context(kb)));
  LLVMValueRef plus = LLVMBuildFCmp(B, LLVMRealOEQ, x, real(type, INFINITY), "");
  LLVMValueRef minus = LLVMBuildFCmp(B, LLVMRealOEQ, x, real(type, -INFINITY), "");
  return LLVMBuildOr(B, positive ? plus : i1_false, negative ? minus : i1_false, "");
}
LLVMValueRef emit_is_inf(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, is_inf_of);
}

static LLVMValueRef is_nan_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return LLVMBuildFCmp(B, LLVMRealUNO, x, x, "");
}
LLVMValueRef emit_is_nan(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, is_nan_of);
}

/* Which one-input ops have code for `dtype`: the op's dtype flag decides, else every float
 * and the numeric ops below on integers. */
static bool unary_supported(ir_op op, ir_dtype dtype) {
  if (op == IR_OP_COPY)
    return true;
  if (ir_op_has_flag(op, IR_OP_FLAG_BOOL_ONLY))
    return dtype == IR_DTYPE_BOOL;
  if (ir_op_has_flag(op, IR_OP_FLAG_INTEGER_ONLY))
    return ir_dtype_is_integer(dtype);
  if (ir_dtype_is_float(dtype))
    return true;
  return ir_dtype_is_integer(dtype) && (op == IR_OP_ABS || op == IR_OP_NEG || op == IR_OP_RELU ||
                                        op == IR_OP_SIGN || op == IR_OP_SHRINK);
}

int lower_emit_check(lower_context *ctx, const ir_node *node) {
  ir_dtype dtype = node->inputs[0]->type.dtype;
  /* Rounding f64 to f32 and back would silently drop 29 bits: refuse instead. */
  if (dtype == IR_DTYPE_F64 && ir_op_has_flag(node->op, IR_OP_FLAG_F32_MATH))
    return ir_node_error(ctx->diag, node,
                         "f64 %s is unsupported: dlcc's math library is f32 (Cast the input to "
                         "f32 to compute it in f32)",
                         ir_op_name(node->op));
  if (node->op == IR_OP_POW && dtype == IR_DTYPE_F64)
    return ir_node_error(ctx->diag, node,
                         "f64 Pow is unsupported: dlcc's math library is f32 (Cast the base to "
                         "f32 to compute it in f32)");
  if (ir_op_get(node->op)->max_inputs == 1 && node->op != IR_OP_CAST &&
      !unary_supported(node->op, dtype))
    return ir_node_error(ctx->diag, node, "no kernel for %s on %s", ir_op_name(node->op),
                         ir_dtype_name(dtype));
  if (dtype == IR_DTYPE_BOOL && (node->op == IR_OP_CLIP || node->op == IR_OP_MAX ||
                                 node->op == IR_OP_MIN || node->op == IR_OP_SUM))
    return ir_node_error(ctx->diag, node, "no kernel for %s on bool", ir_op_name(node->op));
  return 0;
}

/* --- Clip -------------------------------------------------------------------------------- */
/* Bounds are inputs 1 and 2 (opset >= 11; scalar constants arrive as immediates) or the
 * attributes min and max (opset < 11); either may be absent. */
static LLVMValueRef clip_bound(kernel_builder *kb, const ir_node *node, int which,
                               const LLVMValueRef *operands, LLVMTypeRef type) {
  static const char *const ATTRIBUTES[2] = {"min", "max"};
  ir_dtype dtype = node->inputs[0]->type.dtype;
  const ir_value *input = ir_node_input(node, 1 + which);
  if (input)
    return pw_convert(kb, operands[1 + which], input->type.dtype, pw_compute_dtype(dtype));
  if (!ir_node_attr(node, ATTRIBUTES[which]))
    return NULL;
  double value = lower_float_attribute(node, ATTRIBUTES[which]);
  return ir_dtype_is_float(dtype) ? LLVMConstReal(type, value)
                                  : LLVMConstInt(type, (unsigned long long)(int64_t)value, 1);
}

LLVMValueRef emit_clip(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  LLVMValueRef x = pw_convert(kb, operands[0], dtype, compute);
  LLVMTypeRef type = LLVMTypeOf(x);
  bool is_float = ir_dtype_is_float(dtype), is_signed = ir_dtype_is_signed(dtype);
  for (int which = 0; which < 2; which++) {
    LLVMValueRef bound = clip_bound(kb, node, which, operands, type);
    if (!bound)
      continue;
    /* Comparisons that are false for NaN, so NaN passes through like numpy.clip. */
    LLVMValueRef outside =
        is_float ? LLVMBuildFCmp(B, which == 0 ? LLVMRealOLT : LLVMRealOGT, x, bound, "")
                 : LLVMBuildICmp(B,
                                 which == 0 ? (is_signed ? LLVMIntSLT : LLVMIntULT)
                                            : (is_signed ? LLVMIntSGT : LLVMIntUGT),
                                 x, bound, "");
    x = LLVMBuildSelect(B, outside, bound, x, "");
  }
  return pw_convert(kb, x, compute, dtype);
}

/* --- Cast -------------------------------------------------------------------------------- */
LLVMValueRef emit_cast(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  int64_t saturate = 1;
  const char *round = "up";
  ir_round_mode mode = IR_ROUND_UP;
  ir_attr_int_default(node, "saturate", &saturate, NULL); /* checked by inference */
  ir_attr_string_default(node, "round_mode", &round, NULL);
  ir_round_mode_from_name(round, &mode);
  return pw_convert_cast(kb, operands[0], node->inputs[0]->type.dtype,
                         node->outputs[0]->type.dtype, saturate != 0, mode);
}
