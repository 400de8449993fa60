/* Ordering between blocks: a device-scope fence, and the block-wide broadcast of one
 * thread's value (a shared word and a barrier) that lets a block act on what one of its
 * threads learned from an atomic, e.g. "this block was the last of a split to arrive". */
#include "codegen/kb_internal.h"

int kb_fence(kernel_builder *kb) {
  int errors = kb->error_count;
  if (kb_check_uniform_point(kb, "kb_fence") != 0)
    return -1;
  /* Ends the phase even when a mutation test drops the fence: the host then runs every
   * thread's earlier accesses before it, as the fence's event tells the sanitizer. */
  kb_close_phase(kb);
  if (++kb->k.fence_count == kb->test_drop_fence)
    return 0; /* a mutation test: the kernel's author forgot this fence */
  if (kb->kind == KB_TARGET_NVPTX) {
    /* membar.gl: fence.sc.gpu on sm_70 and later, every global access of this thread */
    kb_intrinsic(kb, "llvm.nvvm.membar.gl", kb->void_type, NULL, 0, NULL, 0);
  } else {
    /* Blocks of a launch may run on several host threads: a real fence (and a compiler
     * barrier), once per block, after all its threads' earlier code. */
    LLVMBuildFence(kb->builder, LLVMAtomicOrderingSequentiallyConsistent, 0, "");
  }
  kb_sanitize_event(kb, DLRT_EVENT_FENCE);
  return kb->error_count == errors ? 0 : -1;
}

LLVMValueRef kb_block_broadcast(kernel_builder *kb, kb_var *var, LLVMValueRef thread) {
  LLVMTypeRef type = var ? var->type : kb->i32;
  if (kb_check_uniform_point(kb, "kb_block_broadcast") != 0 || !var || !thread)
    return kb_placeholder(kb, type);
  LLVMValueRef word = kb_shared_array(kb, type, 1);
  LLVMValueRef zero = LLVMConstInt(kb->i32, 0, 0);
  kb_if_begin(kb, LLVMBuildICmp(kb->builder, LLVMIntEQ, kb_linear_thread_index(kb), thread, ""));
  kb_store_element(kb, word, zero, kb_var_load(kb, var));
  kb_if_end(kb);
  kb_barrier(kb);
  kb_close_phase(kb); /* the load is block-uniform even when a mutation drops the barrier */
  return LLVMBuildLoad2(kb->builder, type, word, "broadcast");
}
