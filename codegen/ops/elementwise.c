/* Lowerings of one-input elementwise ops: activations and math (lower_unary), Clip and
 * Cast. f16/bf16 compute in f32, f32 and f64 in their own type (f64 transcendentals are
 * refused: the builder's math is f32); integers use integer instructions. */
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#define B (kb_llvm_builder(kb))

static LLVMValueRef real(LLVMTypeRef type, double value) { return LLVMConstReal(type, value); }

static LLVMValueRef fabs_of(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  return kb_intrinsic(kb, "llvm.fabs", type, &type, 1, &x, 1);
}

/* floor without libm: values of magnitude >= 2^(mantissa bits) (2^23 for f32, 2^52 for
 * f64), infinities and NaN are already integral; others truncate through i64 (exact below
 * 2^52) and step down when truncation went up. The sign is copied back so floor(-0.0) is
 * -0.0. */
static LLVMValueRef floor_of(kernel_builder *kb, LLVMValueRef x, bool ceil) {
  LLVMTypeRef type = LLVMTypeOf(x);
  double integral_from = type == pw_f32_type(kb) ? 0x1p23 : 0x1p52;
  LLVMValueRef truncated = LLVMBuildSIToFP(
      B, LLVMBuildFPToSI(B, x, LLVMInt64TypeInContext(kb_context(kb)), ""), type, "");
  LLVMValueRef overshoot = ceil ? LLVMBuildFCmp(B, LLVMRealOLT, truncated, x, "")
                                : LLVMBuildFCmp(B, LLVMRealOGT, truncated, x, "");
  LLVMValueRef step = real(type, ceil ? 1.0 : -1.0);
  LLVMValueRef rounded =
      LLVMBuildSelect(B, overshoot, LLVMBuildFAdd(B, truncated, step, ""), truncated, "");
  LLVMValueRef args[2] = {rounded, x};
  rounded = kb_intrinsic(kb, "llvm.copysign", type, &type, 1, args, 2);
  LLVMValueRef integral =
      LLVMBuildFCmp(B, LLVMRealUGE, fabs_of(kb, x), real(type, integral_from), "");
  return LLVMBuildSelect(B, integral, x, rounded, "");
}

static LLVMValueRef clamp01(kernel_builder *kb, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef low =
      LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, real(type, 0), ""), real(type, 0), x, "");
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, low, real(type, 1), ""), real(type, 1),
                         low, "");
}

typedef struct unary_state {
  float alpha, beta;
} unary_state;

static LLVMValueRef float_unary(kernel_builder *kb, ir_op op, LLVMValueRef x,
                                const unary_state *state) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef zero = real(type, 0);
  switch (op) {
  case IR_OP_ABS:
    return fabs_of(kb, x);
  case IR_OP_NEG:
    return LLVMBuildFNeg(B, x, "");
  case IR_OP_RELU:
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, zero, ""), zero, x, "");
  case IR_OP_LEAKY_RELU:
    return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, x, zero, ""),
                           LLVMBuildFMul(B, x, real(type, state->alpha), ""), x, "");
  case IR_OP_SIGMOID:
    return kb_sigmoid(kb, x);
  case IR_OP_TANH:
    return kb_tanh(kb, x);
  case IR_OP_ERF:
    return kb_erf(kb, x);
  case IR_OP_EXP:
    return kb_exp(kb, x);
  case IR_OP_LOG:
    return kb_log(kb, x);
  case IR_OP_SQRT:
    return kb_sqrt(kb, x);
  case IR_OP_RECIPROCAL:
    return LLVMBuildFDiv(B, real(type, 1), x, "");
  case IR_OP_FLOOR:
    return floor_of(kb, x, false);
  case IR_OP_CEIL:
    return floor_of(kb, x, true);
  case IR_OP_HARD_SIGMOID:
    return clamp01(kb, LLVMBuildFAdd(B, LLVMBuildFMul(B, x, real(type, state->alpha), ""),
                                     real(type, state->beta), ""));
  case IR_OP_HARD_SWISH:
    return LLVMBuildFMul(
        B, x,
        clamp01(kb, LLVMBuildFAdd(B, LLVMBuildFMul(B, x, real(type, 1.0 / 6.0), ""),
                                  real(type, 0.5), "")),
        "");
  default:
    return NULL;
  }
}

static LLVMValueRef integer_unary(kernel_builder *kb, ir_op op, ir_dtype dtype, LLVMValueRef x) {
  LLVMValueRef zero = LLVMConstNull(LLVMTypeOf(x));
  bool is_signed = ir_dtype_is_signed(dtype);
  LLVMValueRef negative = LLVMBuildICmp(B, LLVMIntSLT, x, zero, "");
  switch (op) {
  case IR_OP_ABS:
    return is_signed ? LLVMBuildSelect(B, negative, LLVMBuildNeg(B, x, ""), x, "") : x;
  case IR_OP_NEG:
    return LLVMBuildNeg(B, x, "");
  case IR_OP_RELU:
    return is_signed ? LLVMBuildSelect(B, negative, zero, x, "") : x;
  case IR_OP_NOT:
    return dtype == IR_DTYPE_BOOL
               ? LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntEQ, x, zero, ""), LLVMTypeOf(x), "")
               : NULL;
  default:
    return NULL;
  }
}

static LLVMValueRef unary_element(kernel_builder *kb, const ir_node *node,
                                  const LLVMValueRef *operands, void *opaque) {
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  LLVMValueRef x = pw_convert(kb, operands[0], dtype, compute);
  LLVMValueRef y = ir_dtype_is_float(compute) ? float_unary(kb, node->op, x, opaque)
                                              : integer_unary(kb, node->op, dtype, x);
  return y ? pw_convert(kb, y, compute, dtype) : NULL;
}

/* Whether unary_element has code for `op` on `dtype` (checked before any kernel opens). */
static bool unary_supported(ir_op op, ir_dtype dtype) {
  if (ir_dtype_is_float(dtype))
    return op != IR_OP_NOT;
  if (dtype == IR_DTYPE_BOOL)
    return op == IR_OP_NOT;
  return op == IR_OP_ABS || op == IR_OP_NEG || op == IR_OP_RELU;
}

int lower_unary(lower_context *ctx, const ir_node *node, lower_result *out) {
  ir_dtype dtype = node->inputs[0]->type.dtype;
  /* Rounding f64 to f32 and back would silently drop 29 bits: refuse instead. */
  if (dtype == IR_DTYPE_F64 && ir_op_has_flag(node->op, IR_OP_FLAG_F32_MATH))
    return ir_node_error(ctx->diag, node,
                         "f64 %s is unsupported: dlcc's math library is f32 (Cast the input to "
                         "f32 to compute it in f32)",
                         ir_op_name(node->op));
  if (!unary_supported(node->op, dtype))
    return ir_node_error(ctx->diag, node, "no kernel for %s on %s", ir_op_name(node->op),
                         ir_dtype_name(dtype));
  unary_state state = {0};
  /* LeakyRelu's alpha, HardSigmoid's alpha and beta: the ones the op has defaults for. */
  if ((ir_op_attribute_default(node->op, "alpha") &&
       ir_attr_float_default(node, "alpha", &state.alpha, ctx->diag) != 0) ||
      (ir_op_attribute_default(node->op, "beta") &&
       ir_attr_float_default(node, "beta", &state.beta, ctx->diag) != 0))
    return -1;
  static const int first_input[] = {0};
  return pw_lower_map(ctx, node, first_input, 1, unary_element, &state, out);
}

/* --- Clip -------------------------------------------------------------------------------- */
typedef struct clip_state {
  /* Per bound (0 min, 1 max): absent, a baked constant, or operand `operand`. */
  bool present[2], constant[2];
  double value[2];
  int operand[2];
} clip_state;

static LLVMValueRef clip_bound(kernel_builder *kb, const clip_state *state, int which,
                               const LLVMValueRef *operands, ir_dtype dtype, LLVMTypeRef type) {
  if (!state->constant[which])
    return pw_convert(kb, operands[state->operand[which]], dtype, pw_compute_dtype(dtype));
  return ir_dtype_is_float(dtype)
             ? LLVMConstReal(type, state->value[which])
             : LLVMConstInt(type, (unsigned long long)(int64_t)state->value[which], 1);
}

static LLVMValueRef clip_element(kernel_builder *kb, const ir_node *node,
                                 const LLVMValueRef *operands, void *opaque) {
  const clip_state *state = opaque;
  ir_dtype dtype = node->inputs[0]->type.dtype, compute = pw_compute_dtype(dtype);
  LLVMValueRef x = pw_convert(kb, operands[0], dtype, compute);
  LLVMTypeRef type = LLVMTypeOf(x);
  bool is_float = ir_dtype_is_float(dtype), is_signed = ir_dtype_is_signed(dtype);
  for (int which = 0; which < 2; which++) {
    if (!state->present[which])
      continue;
    LLVMValueRef bound = clip_bound(kb, state, which, operands, dtype, type);
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

int lower_clip(lower_context *ctx, const ir_node *node, lower_result *out) {
  clip_state state = {0};
  int inputs[3] = {0}, count = 1;
  static const char *const ATTRIBUTES[2] = {"min", "max"}; /* opset < 11 */
  for (int which = 0; which < 2; which++) {
    const ir_value *bound = ir_node_input(node, 1 + which);
    if (bound && bound->kind == IR_VALUE_CONSTANT && bound->data) {
      state.present[which] = state.constant[which] = true;
      state.value[which] = ir_element_get_float(bound->type.dtype, bound->data, 0);
    } else if (bound) {
      state.present[which] = true;
      state.operand[which] = count;
      inputs[count++] = 1 + which;
    } else if (ir_node_attr(node, ATTRIBUTES[which])) {
      float value;
      if (ir_attr_float(node, ATTRIBUTES[which], 0, &value, ctx->diag) != 0)
        return -1;
      state.present[which] = state.constant[which] = true;
      state.value[which] = value;
    }
  }
  if (node->inputs[0]->type.dtype == IR_DTYPE_BOOL)
    return ir_node_error(ctx->diag, node, "no kernel for Clip on bool");
  return pw_lower_map(ctx, node, inputs, count, clip_element, &state, out);
}

/* --- Cast -------------------------------------------------------------------------------- */
static LLVMValueRef cast_element(kernel_builder *kb, const ir_node *node,
                                 const LLVMValueRef *operands, void *opaque) {
  return pw_convert(kb, operands[0], node->inputs[0]->type.dtype, node->outputs[0]->type.dtype);
}

int lower_cast(lower_context *ctx, const ir_node *node, lower_result *out) {
  static const int first_input[] = {0};
  return pw_lower_map(ctx, node, first_input, 1, cast_element, NULL, out);
}
