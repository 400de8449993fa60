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
           LOWER, EMIT)                                                                            \
  LLVMValueRef EMIT(kernel_builder *kb, const ir_node *node, const LLVMValueRef *operands);
#include "ir/ops.def"
#undef OP

/* The op's emitter; NULL where the table says emit_none. */
lower_emit_fn lower_emitter(ir_op op);
/* Refuses, naming the node, what the emitters have no code for (checked before any kernel
 * opens): f64 through the f32 math library, integer or bool inputs some ops lack. */
int lower_emit_check(lower_context *ctx, const ir_node *node);

#endif
