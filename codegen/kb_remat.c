/* Rematerialization of block-uniform arithmetic: a pure expression over parameters, block
 * indices/sizes, constants and uniform loop counters may be computed inside a phase and used
 * in another; its instructions are recomputed at the use instead of being rejected. */
#include "codegen/kb_internal.h"

enum { REMAT_MAX_DEPTH = 24 };

static int is_pure_opcode(LLVMOpcode opcode) {
  switch (opcode) {
  case LLVMAdd:
  case LLVMSub:
  case LLVMMul:
  case LLVMUDiv:
  case LLVMSDiv:
  case LLVMURem:
  case LLVMSRem:
  case LLVMShl:
  case LLVMLShr:
  case LLVMAShr:
  case LLVMAnd:
  case LLVMOr:
  case LLVMXor:
  case LLVMICmp:
  case LLVMFAdd:
  case LLVMFSub:
  case LLVMFMul:
  case LLVMFDiv:
  case LLVMFNeg:
  case LLVMFCmp:
  case LLVMSelect:
  case LLVMZExt:
  case LLVMSExt:
  case LLVMTrunc:
  case LLVMSIToFP:
  case LLVMUIToFP:
  case LLVMFPToSI:
  case LLVMFPToUI:
  case LLVMFPExt:
  case LLVMFPTrunc:
  case LLVMBitCast:
  case LLVMGetElementPtr:
    return 1;
  default:
    return 0;
  }
}

/* Uniform: defined outside every phase (constants, arguments, prologue loads, uniform loop
 * counters), or pure arithmetic on such values. Loads, calls and phis inside a phase are not:
 * memory may change at a barrier and thread indices differ per thread. */
static int is_uniform_expression(kernel_builder *kb, LLVMValueRef value, int depth) {
  if (!LLVMIsAInstruction(value) || kb_value_phase(kb, value) == KB_UNIFORM)
    return 1;
  if (depth > REMAT_MAX_DEPTH || !is_pure_opcode(LLVMGetInstructionOpcode(value)))
    return 0;
  int count = LLVMGetNumOperands(value);
  for (int i = 0; i < count; i++)
    if (!is_uniform_expression(kb, LLVMGetOperand(value, (unsigned)i), depth + 1))
      return 0;
  return 1;
}

/* Copies the phase-local part of the expression in front of `before`. */
static LLVMValueRef clone_before(kernel_builder *kb, LLVMValueRef value, LLVMValueRef before) {
  if (!LLVMIsAInstruction(value) || kb_value_phase(kb, value) == KB_UNIFORM)
    return value;
  LLVMValueRef copy = LLVMInstructionClone(value);
  int count = LLVMGetNumOperands(value);
  for (int i = 0; i < count; i++)
    LLVMSetOperand(copy, (unsigned)i, clone_before(kb, LLVMGetOperand(value, (unsigned)i), before));
  LLVMPositionBuilderBefore(kb->builder, before);
  LLVMInsertIntoBuilder(kb->builder, copy);
  return copy;
}

int kb_rematerialize(kernel_builder *kb, LLVMValueRef value, LLVMValueRef user) {
  if (!is_uniform_expression(kb, value, 0))
    return -1;
  int count = LLVMGetNumOperands(user);
  for (int i = 0; i < count; i++) {
    if (LLVMGetOperand(user, (unsigned)i) != value)
      continue;
    /* A phi's operand is used at the end of its incoming block. */
    LLVMValueRef before = LLVMIsAPHINode(user)
                              ? LLVMGetBasicBlockTerminator(LLVMGetIncomingBlock(user, (unsigned)i))
                              : user;
    LLVMSetOperand(user, (unsigned)i, clone_before(kb, value, before));
  }
  return 0;
}
