/* Structured control flow: block-uniform loops and ifs (may hold barriers) and per-thread
 * loops and ifs (may not). Every block is made here so the phase check knows where it belongs. */
#include "codegen/kb_internal.h"

static kb_control *push(kernel_builder *kb, kb_control_kind kind, const char *what) {
  if (kb_check_in_kernel(kb, what) != 0)
    return NULL;
  if (kb->k.control_depth >= KB_MAX_CONTROL_DEPTH) {
    kb_fail(kb, "%s: control flow nested deeper than %d", what, KB_MAX_CONTROL_DEPTH);
    return NULL;
  }
  kb_control *frame = &kb->k.control[kb->k.control_depth++];
  *frame = (kb_control){.kind = kind};
  return frame;
}

static kb_control *pop(kernel_builder *kb, kb_control_kind kind, const char *what) {
  if (kb_check_in_kernel(kb, what) != 0)
    return NULL;
  kb_kernel_state *k = &kb->k;
  if (k->control_depth == 0 || k->control[k->control_depth - 1].kind != kind) {
    kb_fail(kb, "%s does not match the innermost open control flow", what);
    return NULL;
  }
  return &k->control[--k->control_depth];
}

static int check_bounds(kernel_builder *kb, LLVMValueRef begin, LLVMValueRef end, LLVMValueRef step,
                        const char *what) {
  if (!begin || !end || !step || LLVMTypeOf(begin) != kb->i32 || LLVMTypeOf(end) != kb->i32 ||
      LLVMTypeOf(step) != kb->i32)
    return kb_fail(kb, "%s needs i32 begin, end and step", what);
  return 0;
}

/* header: i = phi [begin], [i + step]; i < end ? body : exit */
static LLVMValueRef begin_loop(kernel_builder *kb, kb_control *frame, LLVMValueRef begin,
                               LLVMValueRef end, LLVMValueRef step) {
  LLVMBuilderRef b = kb->builder;
  LLVMBasicBlockRef from = LLVMGetInsertBlock(b);
  frame->header = kb_new_block(kb, "loop.header");
  LLVMBasicBlockRef body = kb_new_block(kb, "loop.body");
  frame->exit = kb_new_block(kb, "loop.exit");
  LLVMBuildBr(b, frame->header);
  LLVMPositionBuilderAtEnd(b, frame->header);
  frame->induction = LLVMBuildPhi(b, kb->i32, "i");
  LLVMAddIncoming(frame->induction, &begin, &from, 1);
  frame->step = step;
  LLVMValueRef more = LLVMBuildICmp(b, LLVMIntSLT, frame->induction, end, "");
  LLVMBuildCondBr(b, more, body, frame->exit);
  LLVMPositionBuilderAtEnd(b, body);
  return frame->induction;
}

static void end_loop(kernel_builder *kb, kb_control *frame) {
  LLVMBuilderRef b = kb->builder;
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(b);
  LLVMValueRef next = LLVMBuildNSWAdd(b, frame->induction, frame->step, "i.next");
  LLVMBuildBr(b, frame->header);
  LLVMAddIncoming(frame->induction, &next, &latch, 1);
  LLVMPositionBuilderAtEnd(b, frame->exit);
}

LLVMValueRef kb_uniform_for_begin(kernel_builder *kb, LLVMValueRef begin, LLVMValueRef end,
                                  LLVMValueRef step) {
  const char *what = "kb_uniform_for_begin";
  if (kb_check_in_kernel(kb, what) != 0 || check_bounds(kb, begin, end, step, what) != 0)
    return kb_placeholder(kb, kb->i32);
  if (kb->k.per_thread_depth > 0) {
    kb_fail(kb, "kb_uniform_for inside per-thread control flow (kb_if/kb_for)");
    return kb_placeholder(kb, kb->i32);
  }
  kb_close_phase(kb);
  kb_control *frame = push(kb, KB_CTRL_UNIFORM_FOR, what);
  if (!frame)
    return kb_placeholder(kb, kb->i32);
  kb->k.uniform_loop_depth++;
  return begin_loop(kb, frame, begin, end, step);
}

int kb_uniform_for_end(kernel_builder *kb) {
  kb_control *frame = pop(kb, KB_CTRL_UNIFORM_FOR, "kb_uniform_for_end");
  if (!frame)
    return -1;
  kb_close_phase(kb);
  end_loop(kb, frame);
  kb->k.uniform_loop_depth--;
  return 0;
}

LLVMValueRef kb_for_begin(kernel_builder *kb, LLVMValueRef begin, LLVMValueRef end,
                          LLVMValueRef step) {
  const char *what = "kb_for_begin";
  if (kb_check_in_kernel(kb, what) != 0 || check_bounds(kb, begin, end, step, what) != 0)
    return kb_placeholder(kb, kb->i32);
  kb_open_phase(kb);
  kb_control *frame = push(kb, KB_CTRL_FOR, what);
  if (!frame)
    return kb_placeholder(kb, kb->i32);
  kb->k.per_thread_depth++;
  return begin_loop(kb, frame, begin, end, step);
}

int kb_for_end(kernel_builder *kb) {
  kb_control *frame = pop(kb, KB_CTRL_FOR, "kb_for_end");
  if (!frame)
    return -1;
  end_loop(kb, frame);
  kb->k.per_thread_depth--;
  return 0;
}

int kb_if_begin(kernel_builder *kb, LLVMValueRef condition) {
  if (kb_check_in_kernel(kb, "kb_if_begin") != 0)
    return -1;
  if (!condition || LLVMTypeOf(condition) != kb->i1)
    return kb_fail(kb, "kb_if_begin needs an i1 condition");
  kb_open_phase(kb);
  kb_control *frame = push(kb, KB_CTRL_IF, "kb_if_begin");
  if (!frame)
    return -1;
  kb->k.per_thread_depth++;
  LLVMBasicBlockRef then_block = kb_new_block(kb, "if.then");
  frame->else_block = kb_new_block(kb, "if.else");
  frame->exit = kb_new_block(kb, "if.end");
  LLVMBuildCondBr(kb->builder, condition, then_block, frame->else_block);
  LLVMPositionBuilderAtEnd(kb->builder, then_block);
  return 0;
}

int kb_if_else(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  if (kb_check_in_kernel(kb, "kb_if_else") != 0)
    return -1;
  if (k->control_depth == 0 || k->control[k->control_depth - 1].kind != KB_CTRL_IF ||
      k->control[k->control_depth - 1].has_else)
    return kb_fail(kb, "kb_if_else without an open kb_if_begin");
  kb_control *frame = &k->control[k->control_depth - 1];
  frame->has_else = 1;
  LLVMBuildBr(kb->builder, frame->exit);
  LLVMPositionBuilderAtEnd(kb->builder, frame->else_block);
  return 0;
}

int kb_if_end(kernel_builder *kb) {
  kb_control *frame = pop(kb, KB_CTRL_IF, "kb_if_end");
  if (!frame)
    return -1;
  LLVMBuildBr(kb->builder, frame->exit);
  if (!frame->has_else) {
    LLVMPositionBuilderAtEnd(kb->builder, frame->else_block);
    LLVMBuildBr(kb->builder, frame->exit);
  }
  LLVMPositionBuilderAtEnd(kb->builder, frame->exit);
  kb->k.per_thread_depth--;
  return 0;
}

int kb_uniform_if_begin(kernel_builder *kb, LLVMValueRef condition) {
  if (kb_check_in_kernel(kb, "kb_uniform_if_begin") != 0)
    return -1;
  if (!condition || LLVMTypeOf(condition) != kb->i1)
    return kb_fail(kb, "kb_uniform_if_begin needs an i1 condition");
  if (kb->k.per_thread_depth > 0)
    return kb_fail(kb, "kb_uniform_if inside per-thread control flow (kb_if/kb_for)");
  kb_close_phase(kb);
  kb_control *frame = push(kb, KB_CTRL_UNIFORM_IF, "kb_uniform_if_begin");
  if (!frame)
    return -1;
  LLVMBasicBlockRef then_block = kb_new_block(kb, "uniform.then");
  frame->else_block = kb_new_block(kb, "uniform.else");
  frame->exit = kb_new_block(kb, "uniform.end");
  LLVMBuildCondBr(kb->builder, condition, then_block, frame->else_block);
  LLVMPositionBuilderAtEnd(kb->builder, then_block);
  return 0;
}

int kb_uniform_if_else(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  if (kb_check_in_kernel(kb, "kb_uniform_if_else") != 0)
    return -1;
  if (k->control_depth == 0 || k->control[k->control_depth - 1].kind != KB_CTRL_UNIFORM_IF ||
      k->control[k->control_depth - 1].has_else)
    return kb_fail(kb, "kb_uniform_if_else without an open kb_uniform_if_begin");
  kb_control *frame = &k->control[k->control_depth - 1];
  kb_close_phase(kb);
  frame->has_else = 1;
  LLVMBuildBr(kb->builder, frame->exit);
  LLVMPositionBuilderAtEnd(kb->builder, frame->else_block);
  return 0;
}

int kb_uniform_if_end(kernel_builder *kb) {
  kb_control *frame = pop(kb, KB_CTRL_UNIFORM_IF, "kb_uniform_if_end");
  if (!frame)
    return -1;
  kb_close_phase(kb);
  LLVMBuildBr(kb->builder, frame->exit);
  if (!frame->has_else) {
    LLVMPositionBuilderAtEnd(kb->builder, frame->else_block);
    LLVMBuildBr(kb->builder, frame->exit);
  }
  LLVMPositionBuilderAtEnd(kb->builder, frame->exit);
  return 0;
}
