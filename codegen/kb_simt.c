/* SIMT primitives: thread/block indices, shared memory, barriers, warp shuffles, atomics,
 * thread variables and named intrinsics, emitted for whichever target the builder has. */
#include <stdio.h>
#include <string.h>

#include "codegen/kb_internal.h"

LLVMValueRef kb_intrinsic(kernel_builder *kb, const char *name, LLVMTypeRef return_type,
                          LLVMTypeRef *overloads, unsigned overload_count, LLVMValueRef *args,
                          unsigned arg_count) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  if (id == 0) {
    kb_fail(kb, "unknown LLVM intrinsic '%s' (a compiler bug: this LLVM does not define it)",
            name);
    return kb_placeholder(kb, return_type);
  }
  if (LLVMIntrinsicIsOverloaded(id) && overload_count == 0) {
    kb_fail(kb, "intrinsic '%s' is overloaded: give its overload types", name);
    return kb_placeholder(kb, return_type);
  }
  LLVMTypeRef type = LLVMIntrinsicGetType(kb->context, id, overloads, overload_count);
  if (LLVMCountParamTypes(type) != arg_count) {
    kb_fail(kb, "intrinsic '%s' takes %u arguments, got %u", name, LLVMCountParamTypes(type),
            arg_count);
    return kb_placeholder(kb, return_type);
  }
  LLVMValueRef function = LLVMGetIntrinsicDeclaration(kb->module, id, overloads, overload_count);
  return LLVMBuildCall2(kb->builder, type, function, args, arg_count, "");
}

LLVMValueRef kb_thread_index(kernel_builder *kb, kb_dim dim) {
  if (kb_check_in_kernel(kb, "kb_thread_index") != 0 || (unsigned)dim > KB_Z)
    return kb_placeholder(kb, kb->i32);
  kb_open_phase(kb);
  kb_kernel_state *k = &kb->k;
  if (kb->kind == KB_TARGET_HOST) {
    LLVMValueRef index[3] = {k->loop.x, k->loop.y, k->loop.z};
    return index[dim];
  }
  /* Read where asked (not cached): a read inside a kb_if would not dominate later uses.
   * The reads are readnone intrinsics, so LLVM merges the duplicates. */
  return kb_nvptx_sreg(kb, "tid", dim);
}

LLVMValueRef kb_linear_thread_index(kernel_builder *kb) {
  if (kb_check_in_kernel(kb, "kb_linear_thread_index") != 0)
    return kb_placeholder(kb, kb->i32);
  kb_open_phase(kb);
  kb_kernel_state *k = &kb->k;
  if (kb->kind == KB_TARGET_HOST)
    return k->phases[k->phase].linear;
  LLVMBuilderRef b = kb->builder;
  LLVMValueRef zy = LLVMBuildMul(b, kb_thread_index(kb, KB_Z), k->block[1], "");
  zy = LLVMBuildAdd(b, zy, kb_thread_index(kb, KB_Y), "");
  LLVMValueRef linear = LLVMBuildMul(b, zy, k->block[0], "");
  return LLVMBuildAdd(b, linear, kb_thread_index(kb, KB_X), "thread.linear");
}

LLVMValueRef kb_lane_index(kernel_builder *kb) {
  LLVMValueRef linear = kb_linear_thread_index(kb);
  return LLVMBuildAnd(kb->builder, linear, kb_const_i32(kb, KB_WARP - 1), "lane");
}

static LLVMValueRef uniform_register(kernel_builder *kb, const LLVMValueRef *values, kb_dim dim,
                                     const char *what) {
  if (kb_check_in_kernel(kb, what) != 0 || (unsigned)dim > KB_Z)
    return kb_placeholder(kb, kb->i32);
  return values[dim];
}

LLVMValueRef kb_block_index(kernel_builder *kb, kb_dim dim) {
  return uniform_register(kb, kb->k.block_index, dim, "kb_block_index");
}
LLVMValueRef kb_block_dim(kernel_builder *kb, kb_dim dim) {
  return uniform_register(kb, kb->k.block, dim, "kb_block_dim");
}
LLVMValueRef kb_grid_dim(kernel_builder *kb, kb_dim dim) {
  return uniform_register(kb, kb->k.grid, dim, "kb_grid_dim");
}

static LLVMValueRef emit_host_shared(kernel_builder *kb, void *offset) {
  LLVMValueRef index = LLVMConstInt(kb->i64, *(size_t *)offset, 0);
  return LLVMBuildInBoundsGEP2(kb->builder, kb->i8, kb->k.shared_base, &index, 1, "shared");
}

LLVMValueRef kb_shared_array(kernel_builder *kb, LLVMTypeRef element, unsigned count) {
  if (kb_check_in_kernel(kb, "kb_shared_array") != 0)
    return kb_placeholder(kb, kb->ptr);
  kb_kernel_state *k = &kb->k;
  size_t element_size = LLVMABISizeOfType(LLVMGetModuleDataLayout(kb->module), element);
  size_t offset = (k->shared_bytes + 15) & ~(size_t)15;
  if (count == 0 || offset + element_size * count > 228u * 1024u) {
    kb_fail(kb, "kb_shared_array of %u elements exceeds the 228 KiB of shared memory", count);
    return kb_placeholder(kb, LLVMPointerTypeInContext(kb->context, kb->shared_as));
  }
  k->shared_bytes = offset + element_size * count;
  if (kb->kind == KB_TARGET_HOST)
    return kb_in_prologue(kb, emit_host_shared, &offset);
  char name[256];
  snprintf(name, sizeof name, "%s.shared.%zu", k->info.name, offset);
  LLVMValueRef global = LLVMAddGlobalInAddressSpace(
      kb->module, LLVMArrayType2(element, count), name, kb->shared_as);
  LLVMSetLinkage(global, LLVMInternalLinkage);
  LLVMSetInitializer(global, LLVMGetUndef(LLVMArrayType2(element, count)));
  LLVMSetAlignment(global, 16);
  return global;
}

static int check_uniform_point(kernel_builder *kb, const char *what) {
  if (kb_check_in_kernel(kb, what) != 0)
    return -1;
  if (kb->k.per_thread_depth > 0)
    return kb_fail(kb, "%s inside per-thread control flow (kb_if/kb_for); it must be reached "
                       "by every thread of the block: use kb_uniform_for or move it out",
                   what);
  return 0;
}

int kb_barrier(kernel_builder *kb) {
  if (check_uniform_point(kb, "kb_barrier") != 0)
    return -1;
  if (kb->kind == KB_TARGET_NVPTX)
    kb_intrinsic(kb, "llvm.nvvm.barrier0", kb->void_type, NULL, 0, NULL, 0);
  kb_close_phase(kb);
  return kb->failed ? -1 : 0;
}

typedef struct var_alloca {
  LLVMTypeRef type;
  const char *name;
} var_alloca;

static LLVMValueRef emit_var_alloca(kernel_builder *kb, void *context) {
  var_alloca *request = context;
  return LLVMBuildAlloca(kb->builder, request->type, request->name);
}

typedef enum shuffle_mode { SHUFFLE_XOR, SHUFFLE_DOWN, SHUFFLE_IDX } shuffle_mode;

/* Host: lanes published their values in phase p; this reads the source lane's slot. */
static LLVMValueRef host_shuffle_read(kernel_builder *kb, shuffle_mode mode, LLVMTypeRef type,
                                      int buffer, LLVMValueRef lane_argument) {
  kb_kernel_state *k = &kb->k;
  LLVMBuilderRef b = kb->builder;
  LLVMValueRef linear = k->phases[k->phase].linear;
  LLVMValueRef lane = LLVMBuildAnd(b, linear, kb_const_i32(kb, KB_WARP - 1), "");
  LLVMValueRef warp = LLVMBuildSub(b, linear, lane, "");
  LLVMValueRef source = NULL;
  if (mode == SHUFFLE_XOR)
    source = LLVMBuildXor(b, lane, lane_argument, "");
  else if (mode == SHUFFLE_DOWN)
    source = LLVMBuildAdd(b, lane, lane_argument, "");
  else
    source = LLVMBuildAnd(b, lane_argument, kb_const_i32(kb, KB_WARP - 1), "");
  LLVMValueRef valid = LLVMBuildICmp(b, LLVMIntULT, source, kb_const_i32(kb, KB_WARP), "");
  LLVMValueRef thread = LLVMBuildAdd(b, warp, source, "");
  LLVMValueRef threads = LLVMBuildMul(b, k->block[0], LLVMBuildMul(b, k->block[1], k->block[2], ""), "");
  valid = LLVMBuildAnd(b, valid, LLVMBuildICmp(b, LLVMIntULT, thread, threads, ""), "");
  thread = LLVMBuildSelect(b, valid, thread, linear, "");
  LLVMValueRef value = LLVMBuildLoad2(b, type, kb_host_shuffle_slot(kb, buffer, thread), "");
  return value;
}

static LLVMValueRef shuffle(kernel_builder *kb, shuffle_mode mode, LLVMValueRef value,
                            LLVMValueRef lane_argument, const char *what) {
  LLVMTypeRef type = value ? LLVMTypeOf(value) : kb->i32;
  if (check_uniform_point(kb, what) != 0 || !lane_argument)
    return kb_placeholder(kb, type);
  LLVMTypeKind kind = LLVMGetTypeKind(type);
  int bits = kind == LLVMIntegerTypeKind ? (int)LLVMGetIntTypeWidth(type)
             : kind == LLVMFloatTypeKind  ? 32
             : kind == LLVMDoubleTypeKind ? 64
                                          : 0;
  if ((bits != 32 && bits != 64) || LLVMTypeOf(lane_argument) != kb->i32) {
    kb_fail(kb, "%s needs a 32- or 64-bit integer or float value and an i32 lane", what);
    return kb_placeholder(kb, type);
  }
  kb_open_phase(kb);
  int buffer = kb->k.shuffle_count++ % 2;
  /* A per-thread lane argument crosses the split with the value; a uniform one needs not. */
  int lane_per_thread = kb_value_phase(kb, lane_argument) != KB_UNIFORM;
  if (kb->kind == KB_TARGET_HOST) {
    LLVMValueRef linear = kb->k.phases[kb->k.phase].linear;
    LLVMBuildStore(kb->builder, value, kb_host_shuffle_slot(kb, buffer, linear));
    if (lane_per_thread)
      LLVMBuildStore(kb->builder, lane_argument,
                     kb_host_shuffle_slot(kb, KB_SHUFFLE_LANE_BUFFER, linear));
    kb_close_phase(kb);
    kb_open_phase(kb);
    if (lane_per_thread)
      lane_argument = LLVMBuildLoad2(
          kb->builder, kb->i32,
          kb_host_shuffle_slot(kb, KB_SHUFFLE_LANE_BUFFER, kb->k.phases[kb->k.phase].linear), "");
    return host_shuffle_read(kb, mode, type, buffer, lane_argument);
  }
  /* Hand the value over through private slots, as the host does, so the shuffle's inputs
   * and output all belong to the phase after the split (SROA removes the slots). */
  var_alloca request = {type, "shuffle.value"}, lane_request = {kb->i32, "shuffle.lane"};
  LLVMValueRef slot = kb_in_prologue(kb, emit_var_alloca, &request);
  LLVMValueRef lane_slot = lane_per_thread ? kb_in_prologue(kb, emit_var_alloca, &lane_request) : NULL;
  LLVMBuildStore(kb->builder, value, slot);
  if (lane_slot)
    LLVMBuildStore(kb->builder, lane_argument, lane_slot);
  kb_close_phase(kb);
  kb_open_phase(kb);
  static const char *const names[] = {"bfly", "down", "idx"};
  LLVMValueRef handed = LLVMBuildLoad2(kb->builder, type, slot, "");
  if (lane_slot)
    lane_argument = LLVMBuildLoad2(kb->builder, kb->i32, lane_slot, "");
  return kb_nvptx_shuffle(kb, names[mode], handed, lane_argument);
}

LLVMValueRef kb_shuffle_xor(kernel_builder *kb, LLVMValueRef value, LLVMValueRef lane_mask) {
  return shuffle(kb, SHUFFLE_XOR, value, lane_mask, "kb_shuffle_xor");
}
LLVMValueRef kb_shuffle_down(kernel_builder *kb, LLVMValueRef value, LLVMValueRef delta) {
  return shuffle(kb, SHUFFLE_DOWN, value, delta, "kb_shuffle_down");
}
LLVMValueRef kb_shuffle_idx(kernel_builder *kb, LLVMValueRef value, LLVMValueRef lane) {
  return shuffle(kb, SHUFFLE_IDX, value, lane, "kb_shuffle_idx");
}

LLVMValueRef kb_atomic_add(kernel_builder *kb, LLVMValueRef pointer, LLVMValueRef value) {
  LLVMTypeRef type = value ? LLVMTypeOf(value) : kb->i32;
  if (kb_check_in_kernel(kb, "kb_atomic_add") != 0 || !pointer)
    return kb_placeholder(kb, type);
  LLVMTypeKind kind = LLVMGetTypeKind(type);
  if (kind != LLVMIntegerTypeKind && kind != LLVMFloatTypeKind) {
    kb_fail(kb, "kb_atomic_add supports i32, i64 and f32 values");
    return kb_placeholder(kb, type);
  }
  kb_open_phase(kb);
  LLVMAtomicRMWBinOp op = kind == LLVMFloatTypeKind ? LLVMAtomicRMWBinOpFAdd : LLVMAtomicRMWBinOpAdd;
  return LLVMBuildAtomicRMW(kb->builder, op, pointer, value, LLVMAtomicOrderingMonotonic, 0);
}


kb_var *kb_thread_var(kernel_builder *kb, LLVMTypeRef type, const char *name) {
  if (kb_check_in_kernel(kb, "kb_thread_var") != 0 || !type)
    type = kb->i32;
  kb_var *var = ir_arena_alloc(kb->arena, sizeof *var);
  if (!var) {
    kb_fail(kb, "out of memory");
    return NULL;
  }
  var->type = type;
  var->name = ir_arena_strdup(kb->arena, name ? name : "var");
  var->size = (unsigned)LLVMABISizeOfType(LLVMGetModuleDataLayout(kb->module), type);
  if (kb->in_kernel) {
    var_alloca request = {type, var->name};
    var->slot = kb_in_prologue(kb, emit_var_alloca, &request);
    var->function = kb->k.function;
    var->next = kb->k.vars;
    kb->k.vars = var;
  }
  return var;
}

static int record_access(kernel_builder *kb, kb_var *var, int written) {
  if (kb_check_in_kernel(kb, "thread variable access") != 0)
    return -1;
  if (!var || !var->slot || var->function != kb->k.function)
    return kb_fail(kb, "thread variable used outside the kernel that made it");
  kb_open_phase(kb);
  int phase = kb->k.phase;
  for (int i = 0; i < var->access_count; i++)
    if (var->accesses[i].phase == phase) {
      var->accesses[i].written |= written;
      return 0;
    }
  kb_var_access *grown = kb_grow(kb, var->accesses, &var->access_capacity, var->access_count + 1,
                                 sizeof *grown);
  if (!grown)
    return kb_fail(kb, "out of memory");
  var->accesses = grown;
  var->accesses[var->access_count].phase = phase;
  var->accesses[var->access_count].written = written;
  var->access_count++;
  return 0;
}

LLVMValueRef kb_var_load(kernel_builder *kb, kb_var *var) {
  if (record_access(kb, var, 0) != 0)
    return kb_placeholder(kb, var ? var->type : kb->i32);
  return LLVMBuildLoad2(kb->builder, var->type, var->slot, var->name);
}

int kb_var_store(kernel_builder *kb, kb_var *var, LLVMValueRef value) {
  if (record_access(kb, var, 1) != 0)
    return -1;
  if (!value || LLVMTypeOf(value) != var->type)
    return kb_fail(kb, "kb_var_store: value type does not match thread variable '%s'",
                   var->name);
  LLVMBuildStore(kb->builder, value, var->slot);
  return 0;
}
