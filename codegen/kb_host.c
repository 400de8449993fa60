/* Host lowering: each phase becomes loops over the block's threads (z, y, x; x innermost
 * so LLVM can vectorize it); thread variables live across phases in per-thread scratch. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "codegen/kb_internal.h"

/* Field offsets of dlrt_host_launch (include/dlrt/host_kernel.h). */
enum {
  LAUNCH_GRID = 0,
  LAUNCH_BLOCK = 12,
  LAUNCH_BLOCK_INDEX = 24,
  LAUNCH_SHARED = 40,
  LAUNCH_SCRATCH = 48
};
_Static_assert(offsetof(dlrt_host_launch, block) == LAUNCH_BLOCK, "launch layout");
_Static_assert(offsetof(dlrt_host_launch, block_index) == LAUNCH_BLOCK_INDEX, "launch layout");
_Static_assert(offsetof(dlrt_host_launch, shared_memory) == LAUNCH_SHARED, "launch layout");
_Static_assert(offsetof(dlrt_host_launch, scratch) == LAUNCH_SCRATCH, "launch layout");

static LLVMValueRef byte_address(kernel_builder *kb, LLVMValueRef base, LLVMValueRef offset) {
  return LLVMBuildInBoundsGEP2(kb->builder, kb->i8, base, &offset, 1, "");
}

static LLVMValueRef load_field(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base,
                               unsigned long long offset, const char *name) {
  LLVMValueRef address = byte_address(kb, base, LLVMConstInt(kb->i64, offset, 0));
  LLVMValueRef value = LLVMBuildLoad2(kb->builder, type, address, name);
  LLVMSetAlignment(value, type == kb->ptr || type == kb->i64 ? 8 : 4);
  return value;
}

static LLVMTypeRef host_param_type(kernel_builder *kb, kb_param_kind kind) {
  switch (kind) {
  case KB_PARAM_I32:
    return kb->i32;
  case KB_PARAM_I64:
    return kb->i64;
  case KB_PARAM_F32:
    return kb->f32;
  case KB_PARAM_PTR:
    break;
  }
  return kb->ptr;
}

void kb_host_prologue(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  LLVMValueRef params = LLVMGetParam(k->function, 0);
  k->launch = LLVMGetParam(k->function, 1);
  static const char *const axis[3] = {"x", "y", "z"};
  for (int d = 0; d < 3; d++) {
    char name[32];
    snprintf(name, sizeof name, "grid.%s", axis[d]);
    k->grid[d] = load_field(kb, kb->i32, k->launch, LAUNCH_GRID + 4 * (unsigned)d, name);
    snprintf(name, sizeof name, "block.%s", axis[d]);
    k->block[d] = load_field(kb, kb->i32, k->launch, LAUNCH_BLOCK + 4 * (unsigned)d, name);
    snprintf(name, sizeof name, "block_index.%s", axis[d]);
    k->block_index[d] =
        load_field(kb, kb->i32, k->launch, LAUNCH_BLOCK_INDEX + 4 * (unsigned)d, name);
  }
  k->shared_base = load_field(kb, kb->ptr, k->launch, LAUNCH_SHARED, "shared");
  k->scratch = load_field(kb, kb->ptr, k->launch, LAUNCH_SCRATCH, "scratch");
  for (int i = 0; i < k->info.param_count; i++) {
    LLVMValueRef holder = load_field(kb, kb->ptr, params, 8ull * (unsigned)i, "");
    LLVMTypeRef type = host_param_type(kb, k->params[i].kind);
    k->param_values[i] = LLVMBuildLoad2(kb->builder, type, holder, k->params[i].name);
    LLVMSetAlignment(k->param_values[i], 4);
  }
}

static LLVMValueRef start_loop(kernel_builder *kb, LLVMBasicBlockRef *out_body, const char *name) {
  LLVMBasicBlockRef from = LLVMGetInsertBlock(kb->builder);
  LLVMBasicBlockRef body = kb_new_block(kb, name);
  LLVMBuildBr(kb->builder, body);
  LLVMPositionBuilderAtEnd(kb->builder, body);
  LLVMValueRef index = LLVMBuildPhi(kb->builder, kb->i32, name);
  LLVMValueRef zero = kb_const_i32(kb, 0);
  LLVMAddIncoming(index, &zero, &from, 1);
  *out_body = body;
  return index;
}

/* Checked twins: one loop over positions; the sanitizer's order maps each position to a
 * linear thread, which gives x, y and z. */
static void open_ordered_thread_loop(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  kb_thread_loop *loop = &k->loop;
  LLVMBuilderRef b = kb->builder;
  LLVMValueRef position = start_loop(kb, &loop->x_body, "thread.position");
  loop->position = position;
  LLVMValueRef linear = kb_sanitize_thread_order(kb, position);
  LLVMValueRef plane = LLVMBuildNUWMul(b, k->block[0], k->block[1], "");
  loop->x = LLVMBuildURem(b, linear, k->block[0], "thread.x");
  loop->y = LLVMBuildURem(b, LLVMBuildUDiv(b, linear, k->block[0], ""), k->block[1], "thread.y");
  loop->z = LLVMBuildUDiv(b, linear, plane, "thread.z");
  kb_phase *phase = &k->phases[k->phase];
  phase->linear = linear;
  phase->slot = LLVMBuildZExt(b, linear, kb->i64, "thread.slot");
}

void kb_host_open_thread_loop(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  kb_thread_loop *loop = &k->loop;
  LLVMBuilderRef b = kb->builder;
  if (kb->sanitize) {
    open_ordered_thread_loop(kb);
    return;
  }
  loop->z = start_loop(kb, &loop->z_body, "thread.z");
  loop->y = start_loop(kb, &loop->y_body, "thread.y");
  /* No wrap: the prologue returned unless block x * y * z <= max_threads. */
  LLVMValueRef row = LLVMBuildNUWAdd(b, LLVMBuildNUWMul(b, loop->z, k->block[1], ""), loop->y, "");
  row = LLVMBuildNUWMul(b, row, k->block[0], "row");
  LLVMValueRef row_slot = LLVMBuildZExt(b, row, kb->i64, "");
  loop->x = start_loop(kb, &loop->x_body, "thread.x");
  kb_phase *phase = &k->phases[k->phase];
  phase->linear = LLVMBuildNUWAdd(b, row, loop->x, "thread.linear");
  /* In i64 from the x counter so that slot addresses are affine in it (vectorizable). */
  phase->slot = LLVMBuildNUWAdd(b, row_slot, LLVMBuildZExt(b, loop->x, kb->i64, ""), "thread.slot");
}

/* Closes a loop; returns its back branch, *out_next the incremented counter. */
static LLVMValueRef end_loop(kernel_builder *kb, LLVMValueRef index, LLVMBasicBlockRef body,
                             LLVMValueRef count, const char *exit_name, int exit_uniform,
                             LLVMValueRef *out_next) {
  LLVMBasicBlockRef latch = LLVMGetInsertBlock(kb->builder);
  LLVMValueRef next = LLVMBuildNUWAdd(kb->builder, index, kb_const_i32(kb, 1), "");
  LLVMValueRef again = LLVMBuildICmp(kb->builder, LLVMIntULT, next, count, "");
  if (exit_uniform)
    kb->k.phase = KB_UNIFORM;
  LLVMBasicBlockRef exit = kb_new_block(kb, exit_name);
  LLVMValueRef branch = LLVMBuildCondBr(kb->builder, again, body, exit);
  LLVMAddIncoming(index, &next, &latch, 1);
  LLVMPositionBuilderAtEnd(kb->builder, exit);
  if (out_next)
    *out_next = next;
  return branch;
}

void kb_host_close_thread_loop(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  kb_thread_loop *loop = &k->loop;
  kb_phase *phase = &k->phases[k->phase];
  if (kb->sanitize) {
    LLVMBuilderRef b = kb->builder;
    LLVMValueRef threads = LLVMBuildNUWMul(b, LLVMBuildNUWMul(b, k->block[0], k->block[1], ""),
                                           k->block[2], "threads");
    phase->x_latch =
        end_loop(kb, loop->position, loop->x_body, threads, "uniform", 1, &phase->spill_at);
    memset(loop, 0, sizeof *loop);
    return;
  }
  phase->x_latch =
      end_loop(kb, loop->x, loop->x_body, k->block[0], "thread.y.latch", 0, &phase->spill_at);
  end_loop(kb, loop->y, loop->y_body, k->block[1], "thread.z.latch", 0, NULL);
  end_loop(kb, loop->z, loop->z_body, k->block[2], "uniform", 1, NULL);
  memset(loop, 0, sizeof *loop);
}

LLVMValueRef kb_host_shuffle_slot(kernel_builder *kb, int buffer, LLVMValueRef thread) {
  unsigned long long base = (unsigned long long)buffer * 8u * kb->k.info.max_threads;
  unsigned long long stride = buffer == KB_SHUFFLE_LANE_BUFFER ? 4 : 8;
  LLVMValueRef offset = LLVMBuildZExt(kb->builder, thread, kb->i64, "");
  offset = LLVMBuildMul(kb->builder, offset, LLVMConstInt(kb->i64, stride, 0), "");
  offset = LLVMBuildAdd(kb->builder, offset, LLVMConstInt(kb->i64, base, 0), "");
  return byte_address(kb, kb->k.scratch, offset);
}

static LLVMValueRef var_scratch_slot(kernel_builder *kb, kb_var *var, size_t region,
                                     LLVMValueRef slot) {
  LLVMValueRef base = byte_address(kb, kb->k.scratch, LLVMConstInt(kb->i64, region, 0));
  return LLVMBuildInBoundsGEP2(kb->builder, var->type, base, &slot, 1, "");
}

static int var_needs_scratch(const kernel_builder *kb, const kb_var *var) {
  for (int i = 0; i < var->access_count; i++) {
    if (kb->k.phases[var->accesses[i].phase].in_uniform_loop)
      return 1;
    if (var->accesses[i].phase != var->accesses[0].phase)
      return 1;
  }
  return 0;
}

/* Reload at the start of each thread's turn in a phase; spill at its end if written. */
static void connect_var(kernel_builder *kb, kb_var *var, size_t region) {
  for (int i = 0; i < var->access_count; i++) {
    const kb_phase *phase = &kb->k.phases[var->accesses[i].phase];
    LLVMPositionBuilderBefore(kb->builder, LLVMGetNextInstruction(phase->slot));
    LLVMValueRef slot = var_scratch_slot(kb, var, region, phase->slot);
    LLVMBuildStore(kb->builder, LLVMBuildLoad2(kb->builder, var->type, slot, ""), var->slot);
    if (!var->accesses[i].written)
      continue;
    LLVMPositionBuilderBefore(kb->builder, phase->spill_at);
    slot = var_scratch_slot(kb, var, region, phase->slot);
    LLVMBuildStore(kb->builder, LLVMBuildLoad2(kb->builder, var->type, var->slot, ""), slot);
  }
}

int kb_host_lay_out_scratch(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  size_t threads = k->info.max_threads;
  size_t offset = k->shuffle_count ? KB_SHUFFLE_BYTES_PER_THREAD * threads : 0;
  for (kb_var *var = k->vars; var; var = var->next) {
    if (!var_needs_scratch(kb, var))
      continue;
    offset = (offset + 15) & ~(size_t)15;
    connect_var(kb, var, offset);
    offset += var->size * threads;
  }
  k->info.host_scratch_bytes = (offset + 15) & ~(size_t)15;
  return 0;
}
