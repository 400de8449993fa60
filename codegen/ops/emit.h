/* Per-element emitters of elementwise ops (the EMIT column of ir/ops.def): one output
 * element from the operands' elements. The pointwise map and the element evaluator of
 * groups (group_eval.c) call them; no other code knows what an elementwise op computes. */
#ifndef DLCC_CODEGEN_OPS_EMIT_H
#define DLCC_CODEGEN_OPS_EMIT_H

#include "codegen/ops/op_lowering.h"

/* `operands[k]` is input k's element as stored in its dtype (NULL where an optional input is
 * absent); returns the output element in the output's storage type, reading the node's
 * attributes itself. Only called on nodes lower_emit_check accepted. */
typedef LLVMValueRef (*lower_emit_fn)(kernel_builder *kb, const ir_node *node,
                                      const LLVMValueRef *operands);

#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  LLVMValueRef EMIT(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands);
#include "ir/ops.def"
#undef OP

/* A one-input op computed in its input's compute type (pw_compute_dtype): `fn` gets x
 * converted to it (f32, f64 or an integer type) and returns the result in the same type, or
 * an i1 for a bool output. lower_emit_unary converts the result to the output's dtype. */
typedef LLVMValueRef (*lower_unary_fn)(kernel_builder *kb, const ir_node *node, LLVMValueRef x);
LLVMValueRef lower_emit_unary(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands,
                              lower_unary_fn fn);
/* Defines emit_NAME for a one-input op that is MATH(kb, x) of x in its compute type. */
#define LOWER_MATH_EMITTER(NAME, MATH)                                                             \
  static LLVMValueRef NAME##_of(kernel_builder *kb, const ir_node *node, LLVMValueRef x) {         \
    (void)node;                                                                                    \
    return MATH(kb, x);                                                                            \
  }                                                                                                \
  LLVMValueRef emit_##NAME(kernel_builder *kb, const ir_node *node,                                \
                           const LLVMValueRef *operands) {                                         \
    return lower_emit_unary(kb, node, operands, NAME##_of);                                        \
  }
/* A float attribute of the node, its op_attributes.def default when absent. */
float lower_float_attribute(const ir_node *node, const char *name);

/* The op's emitter; NULL where the table says emit_none. */
lower_emit_fn lower_emitter(ir_op op);
/* Refuses, naming the node, what the emitters have no code for (checked before any kernel
 * opens): f64 through the f32 math library, integer or bool inputs some ops lack. */
int lower_emit_check(lower_context *ctx, const ir_node *node);

#endif
