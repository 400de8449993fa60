/* Emitters of the exponential-family activations (Elu, Celu, Selu, Softplus, Mish, Gelu) and
 * the piecewise ones (ThresholdedRelu, Softsign, Shrink). Computed in f32 for f16/bf16/f32
 * with the builder's math (f64 is refused for the ones that need it, IR_OP_FLAG_F32_MATH);
 * expm1 and log1p (composed_math.c) keep results near 0 accurate. */
#include "codegen/ops/emit.h"
#include "codegen/ops/pointwise_util.h"

#include "ir/infer.h"

#include <string.h>

#include "codegen/llvm_build.h"

static LLVMValueRef real(LLVMTypeRef type, double value) { return LLVMConstReal(type, value); }

static LLVMValueRef less(kernel_builder *kb, LLVMValueRef a, LLVMValueRef b) {
  return LLVMBuildFCmp(B, LLVMRealOLT, a, b, "");
}

static LLVMValueRef max_zero(kernel_builder *kb, LLVMValueRef x) {
  LLVMValueRef zero = real(LLVMTypeOf(x), 0);
  return LLVMBuildSelect(B, less(kb, x, zero), zero, x, "");
}

/* log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow for large x. */
static LLVMValueRef softplus_value(kernel_builder *kb, LLVMValueRef x) {
  LLVMValueRef tail = pw_log1p(kb, kb_exp(kb, LLVMBuildFNeg(B, pw_fabs(kb, x), "")));
  return LLVMBuildFAdd(B, max_zero(kb, x), tail, "");
}

static LLVMValueRef elu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef below =
      LLVMBuildFMul(B, real(type, lower_float_attribute(node, "alpha")), pw_expm1(kb, x), "");
  return LLVMBuildSelect(B, less(kb, x, real(type, 0)), below, x, "");
}
LLVMValueRef emit_elu(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, elu_of);
}

/* max(0, x) + min(0, alpha * expm1(x / alpha)) */
static LLVMValueRef celu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef alpha = real(type, lower_float_attribute(node, "alpha"));
  LLVMValueRef below = LLVMBuildFMul(B, alpha, pw_expm1(kb, LLVMBuildFDiv(B, x, alpha, "")), "");
  return LLVMBuildSelect(B, less(kb, x, real(type, 0)), below, x, "");
}
LLVMValueRef emit_celu(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, celu_of);
}

/* gamma * x above 0, gamma * alpha * expm1(x) at or below it. */
static LLVMValueRef selu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  double alpha = lower_float_attribute(node, "alpha"), gamma = lower_float_attribute(node, "gamma");
  LLVMValueRef below = LLVMBuildFMul(B, real(type, alpha * gamma), pw_expm1(kb, x), "");
  LLVMValueRef above = LLVMBuildFMul(B, real(type, gamma), x, "");
  return LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOGT, x, real(type, 0), ""), above,
                         LLVMBuildSelect(B, less(kb, x, real(type, 0)), below, above, ""), "");
}
LLVMValueRef emit_selu(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, selu_of);
}

static LLVMValueRef thresholded_relu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  LLVMValueRef above =
      LLVMBuildFCmp(B, LLVMRealUGT, x, real(type, lower_float_attribute(node, "alpha")), "");
  return LLVMBuildSelect(B, above, x, real(type, 0), ""); /* NaN passes through */
}
LLVMValueRef emit_thresholded_relu(kernel_builder *kb, const ir_node *node,
                                   const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, thresholded_relu_of);
}

static LLVMValueRef softplus_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return softplus_value(kb, x);
}
LLVMValueRef emit_softplus(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, softplus_of);
}

static LLVMValueRef softsign_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  LLVMTypeRef type = LLVMTypeOf(x);
  return LLVMBuildFDiv(B, x, LLVMBuildFAdd(B, real(type, 1), pw_fabs(kb, x), ""), "");
}
LLVMValueRef emit_softsign(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, softsign_of);
}

static LLVMValueRef mish_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  (void)node;
  return LLVMBuildFMul(B, x, kb_tanh(kb, softplus_value(kb, x)), "");
}
LLVMValueRef emit_mish(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, mish_of);
}

/* approximate "none": x/2 * (1 + erf(x / sqrt 2)); "tanh": x/2 * (1 + tanh(sqrt(2/pi) *
 * (x + 0.044715 x^3))). Inference checked the attribute. */
static LLVMValueRef gelu_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x);
  const char *approximate = "none";
  ir_attr_string_default(node, "approximate", &approximate, NULL);
  LLVMValueRef inner;
  if (strcmp(approximate, "tanh") == 0) {
    LLVMValueRef cube = LLVMBuildFMul(B, LLVMBuildFMul(B, x, x, ""), x, "");
    LLVMValueRef t = LLVMBuildFAdd(B, x, LLVMBuildFMul(B, real(type, 0.044715), cube, ""), "");
    inner = kb_tanh(kb, LLVMBuildFMul(B, real(type, 0.7978845608028654), t, ""));
  } else {
    inner = kb_erf(kb, LLVMBuildFMul(B, x, real(type, 0.7071067811865476), ""));
  }
  LLVMValueRef half_x = LLVMBuildFMul(B, real(type, 0.5), x, "");
  return LLVMBuildFMul(B, half_x, LLVMBuildFAdd(B, real(type, 1), inner, ""), "");
}
LLVMValueRef emit_gelu(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, gelu_of);
}

/* x + bias below -lambd, x - bias above lambd, 0 between; integers compare in f64 and add the
 * bias truncated to their type (as onnxruntime casts it). */
static LLVMValueRef shrink_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {
  LLVMTypeRef type = LLVMTypeOf(x), f64 = LLVMDoubleTypeInContext(kb_context(kb));
  double lambd = lower_float_attribute(node, "lambd"), bias = lower_float_attribute(node, "bias");
  ir_dtype dtype = node->inputs[0]->type.dtype;
  bool is_float = ir_dtype_is_float(dtype);
  LLVMValueRef wide = pw_convert(kb, x, pw_compute_dtype(dtype), IR_DTYPE_F64);
  LLVMValueRef below = LLVMBuildFCmp(B, LLVMRealOLT, wide, real(f64, -lambd), "");
  LLVMValueRef above = LLVMBuildFCmp(B, LLVMRealOGT, wide, real(f64, lambd), "");
  LLVMValueRef shift =
      is_float ? real(type, bias) : LLVMConstInt(type, (unsigned long long)(int64_t)bias, 1);
  LLVMValueRef plus = is_float ? LLVMBuildFAdd(B, x, shift, "") : LLVMBuildAdd(B, x, shift, "");
  LLVMValueRef minus = is_float ? LLVMBuildFSub(B, x, shift, "") : LLVMBuildSub(B, x, shift, "");
  return LLVMBuildSelect(B, below, plus, LLVMBuildSelect(B, above, minus, LLVMConstNull(type), ""),
                         "");
}
LLVMValueRef emit_shrink(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands) {
  return lower_emit_unary(kb, node, operands, shrink_of);
}
