/* The phase state machine both lowerings share: per-thread code lives in numbered phases
 * separated by barriers, shuffles and uniform control flow; SSA values may not cross them. */
#include <stdio.h>
#include <string.h>

#include "codegen/kb_internal.h"

static int block_phase(const kb_kernel_state *k, LLVMBasicBlockRef block, int *out_phase);

int kb_open_phase(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  if (k->phase != KB_UNIFORM)
    return 0;
  kb_phase *phases = kb_grow(kb, k->phases, &k->phase_capacity, k->phase_count + 1, sizeof *phases);
  if (!phases)
    return kb_fail(kb, "out of memory");
  k->phases = phases;
  memset(&phases[k->phase_count], 0, sizeof *phases);
  phases[k->phase_count].in_uniform_loop = k->uniform_loop_depth > 0;
  k->phase = k->phase_count++;
  if (kb->kind == KB_TARGET_HOST) {
    kb_host_open_thread_loop(kb);
    return 0;
  }
  LLVMBasicBlockRef block = kb_new_block(kb, "phase");
  LLVMBuildBr(kb->builder, block);
  LLVMPositionBuilderAtEnd(kb->builder, block);
  return 0;
}

void kb_close_phase(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  if (k->phase == KB_UNIFORM)
    return;
  if (kb->kind == KB_TARGET_HOST) {
    kb_host_close_thread_loop(kb); /* ends with the phase set to KB_UNIFORM */
    return;
  }
  k->phase = KB_UNIFORM;
  LLVMBasicBlockRef block = kb_new_block(kb, "uniform");
  LLVMBuildBr(kb->builder, block);
  LLVMPositionBuilderAtEnd(kb->builder, block);
}

int kb_value_phase(kernel_builder *kb, LLVMValueRef value) {
  int phase = KB_UNIFORM;
  if (value && LLVMIsAInstruction(value) &&
      block_phase(&kb->k, LLVMGetInstructionParent(value), &phase) != 0)
    phase = KB_UNIFORM;
  return phase;
}

static int block_phase(const kb_kernel_state *k, LLVMBasicBlockRef block, int *out_phase) {
  for (int i = k->tag_count - 1; i >= 0; i--)
    if (k->tags[i].block == block) {
      *out_phase = k->tags[i].phase;
      return 0;
    }
  return -1;
}

static const char *value_name(LLVMValueRef value) {
  size_t length = 0;
  const char *name = LLVMGetValueName2(value, &length);
  return length ? name : "<unnamed>";
}

static const char *phase_text(int phase, char *buffer, size_t size) {
  if (phase == KB_UNIFORM)
    return "block-uniform code";
  snprintf(buffer, size, "phase %d", phase);
  return buffer;
}

/* A per-thread value used outside its phase would be read from another thread's
 * iteration on the host; on the GPU it would work by accident. Reject it on both, unless it
 * is block-uniform arithmetic, which is recomputed where it is used (kb_remat.c). */
static int check_value(kernel_builder *kb, LLVMValueRef value, int phase) {
  kb_kernel_state *k = &kb->k;
  for (;;) {
    LLVMValueRef users[32];
    int user_phases[32], count = 0;
    for (LLVMUseRef use = LLVMGetFirstUse(value); use && count < 32; use = LLVMGetNextUse(use)) {
      LLVMValueRef user = LLVMGetUser(use);
      int user_phase = 0;
      if (!LLVMIsAInstruction(user) ||
          block_phase(k, LLVMGetInstructionParent(user), &user_phase) != 0 || user_phase == phase)
        continue;
      users[count] = user;
      user_phases[count++] = user_phase;
    }
    if (count == 0)
      return 0;
    for (int i = 0; i < count; i++) {
      if (kb_rematerialize(kb, value, users[i]) == 0)
        continue;
      char a[32], b[32];
      return kb_fail(kb,
                     "per-thread value '%s' defined in %s is used in %s; values cannot cross a "
                     "barrier, shuffle or uniform control flow boundary: store it in a "
                     "kb_thread_var",
                     value_name(value), phase_text(phase, a, sizeof a),
                     phase_text(user_phases[i], b, sizeof b));
    }
  }
}

int kb_check_phases(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  int errors = 0;
  for (LLVMBasicBlockRef block = LLVMGetFirstBasicBlock(k->function); block;
       block = LLVMGetNextBasicBlock(block)) {
    int phase = 0;
    if (block_phase(k, block, &phase) != 0) {
      errors++;
      kb_fail(kb,
              "basic block '%s' was not made by the kernel builder; use kb_if/kb_for "
              "for control flow",
              LLVMGetBasicBlockName(block));
      continue;
    }
    if (phase == KB_UNIFORM)
      continue;
    for (LLVMValueRef inst = LLVMGetFirstInstruction(block); inst;
         inst = LLVMGetNextInstruction(inst))
      if (check_value(kb, inst, phase) != 0 && ++errors >= 8)
        return -1;
  }
  return errors ? -1 : 0;
}
