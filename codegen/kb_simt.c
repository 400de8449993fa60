/* SIMT primitives: thread/block indices, shared memory, barriers, atomics and named
 * intrinsics, emitted for whichever target the builder has. */
#include <stdio.h>
#include <string.h>

#include "codegen/kb_internal.h"

LLVMValueRef kb_intrinsic(kernel_builder *kb, const char *name, LLVMTypeRef return_type,
                          LLVMTypeRef *overloads, unsigned overload_count, LLVMValueRef *args,
                          unsigned arg_count) {
  unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
  if (id == 0) {
    kb_fail(kb, "unknown LLVM intrinsic '%s' (a compiler bug: this LLVM does not define it)", name);
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

int kb_kernel_fix_block(kernel_builder *kb, unsigned x, unsigned y, unsigned z) {
  if (kb_check_in_kernel(kb, "kb_kernel_fix_block") != 0)
    return -1;
  kb_kernel_state *k = &kb->k;
  if (k->phase_count > 0)
    return kb_fail(kb, "kb_kernel_fix_block after per-thread code in kernel '%s'", k->info.name);
  unsigned long long threads = (unsigned long long)x * y * z;
  if (threads == 0 || threads > k->info.max_threads)
    return kb_fail(kb, "kernel '%s': fixed block %ux%ux%u is outside 1..max_threads (%u)",
                   k->info.name, x, y, z, k->info.max_threads);
  unsigned dims[3] = {x, y, z};
  for (int d = 0; d < 3; d++) {
    k->fixed_block[d] = dims[d];
    if (kb->kind == KB_TARGET_HOST) {
      k->launch_block[d] = k->block[d];
      k->block[d] = kb_const_i32(kb, dims[d]);
    }
  }
  return 0;
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
  if (kb->kind == KB_TARGET_HOST) {
    LLVMValueRef pointer = kb_in_prologue(kb, emit_host_shared, &offset);
    kb_shared_record *arrays =
        kb_grow(kb, k->shared_arrays, &k->shared_capacity, k->shared_count + 1, sizeof *arrays);
    if (!arrays) {
      kb_fail(kb, "out of memory");
      return pointer;
    }
    k->shared_arrays = arrays;
    arrays[k->shared_count++] = (kb_shared_record){pointer, offset, element_size * count};
    return pointer;
  }
  char name[256];
  snprintf(name, sizeof name, "%s.shared.%zu", k->info.name, offset);
  LLVMValueRef global =
      LLVMAddGlobalInAddressSpace(kb->module, LLVMArrayType2(element, count), name, kb->shared_as);
  LLVMSetLinkage(global, LLVMInternalLinkage);
  LLVMSetInitializer(global, LLVMGetUndef(LLVMArrayType2(element, count)));
  LLVMSetAlignment(global, 16);
  return global;
}

/* An internal read-only global array of `count` constants in `address_space`, named after
 * the kernel (NAME.<suffix>, so merging and emission treat it as the kernel's own). */
static LLVMValueRef constant_table(kernel_builder *kb, const char *what, unsigned address_space,
                                   const char *suffix, LLVMTypeRef element, LLVMValueRef *values,
                                   unsigned count) {
  if (kb_check_in_kernel(kb, what) != 0)
    return kb_placeholder(kb, kb->ptr);
  for (unsigned i = 0; i < count; i++)
    if (!values || !values[i] || !LLVMIsConstant(values[i]) || LLVMTypeOf(values[i]) != element) {
      kb_fail(kb, "%s: element %u is not a constant of the element type", what, i);
      return kb_placeholder(kb, kb->ptr);
    }
  if (count == 0) {
    kb_fail(kb, "%s needs at least one element", what);
    return kb_placeholder(kb, kb->ptr);
  }
  char name[256];
  snprintf(name, sizeof name, "%s.%s", kb->k.info.name, suffix);
  LLVMTypeRef type = LLVMArrayType2(element, count);
  LLVMValueRef global = LLVMAddGlobalInAddressSpace(kb->module, type, name, address_space);
  LLVMSetInitializer(global, LLVMConstArray2(element, values, count));
  LLVMSetGlobalConstant(global, 1);
  LLVMSetLinkage(global, LLVMInternalLinkage);
  LLVMSetAlignment(global, 16);
  return global;
}

LLVMValueRef kb_constant_array(kernel_builder *kb, LLVMTypeRef element, LLVMValueRef *values,
                               unsigned count) {
  return constant_table(kb, "kb_constant_array", kb->constant_as, "constant", element, values,
                        count);
}

LLVMValueRef kb_global_table(kernel_builder *kb, LLVMTypeRef element, LLVMValueRef *values,
                             unsigned count) {
  return constant_table(kb, "kb_global_table", kb->global_as, "table", element, values, count);
}

int kb_check_uniform_point(kernel_builder *kb, const char *what) {
  if (kb_check_in_kernel(kb, what) != 0)
    return -1;
  if (kb->k.per_thread_depth > 0)
    return kb_fail(kb,
                   "%s inside per-thread control flow (kb_if/kb_for); it must be reached "
                   "by every thread of the block: use kb_uniform_for or move it out",
                   what);
  return 0;
}

int kb_barrier(kernel_builder *kb) {
  int errors = kb->error_count;
  if (kb_check_uniform_point(kb, "kb_barrier") != 0)
    return -1;
  if (++kb->k.barrier_count == kb->test_drop_barrier)
    return 0; /* a mutation test: the kernel's author forgot this barrier */
  if (kb->kind == KB_TARGET_NVPTX)
    kb_intrinsic(kb, "llvm.nvvm.barrier0", kb->void_type, NULL, 0, NULL, 0);
  kb_close_phase(kb);
  kb_sanitize_event(kb, DLRT_EVENT_BARRIER);
  return kb->error_count == errors ? 0 : -1;
}

LLVMValueRef kb_atomic_add_from(kernel_builder *kb, kb_source source, LLVMValueRef pointer,
                                LLVMValueRef value) {
  kb_note_source(kb, source);
  LLVMTypeRef type = value ? LLVMTypeOf(value) : kb->i32;
  if (kb_check_in_kernel(kb, "kb_atomic_add") != 0 || !pointer)
    return kb_placeholder(kb, type);
  LLVMTypeKind kind = LLVMGetTypeKind(type);
  if (kind != LLVMIntegerTypeKind && kind != LLVMFloatTypeKind) {
    kb_fail(kb, "kb_atomic_add supports i32, i64 and f32 values");
    return kb_placeholder(kb, type);
  }
  kb_open_phase(kb);
  LLVMAtomicRMWBinOp op =
      kind == LLVMFloatTypeKind ? LLVMAtomicRMWBinOpFAdd : LLVMAtomicRMWBinOpAdd;
  return LLVMBuildAtomicRMW(kb->builder, op, pointer, value, LLVMAtomicOrderingMonotonic, 0);
}

LLVMValueRef kb_atomic_rmw_from(kernel_builder *kb, kb_source source, LLVMAtomicRMWBinOp op,
                                LLVMValueRef pointer, LLVMValueRef value) {
  kb_note_source(kb, source);
  LLVMTypeRef type = value ? LLVMTypeOf(value) : kb->i32;
  if (kb_check_in_kernel(kb, "kb_atomic_rmw") != 0 || !pointer)
    return kb_placeholder(kb, type);
  LLVMTypeKind kind = LLVMGetTypeKind(type);
  int is_float_op = op == LLVMAtomicRMWBinOpFAdd || op == LLVMAtomicRMWBinOpFSub ||
                    op == LLVMAtomicRMWBinOpFMax || op == LLVMAtomicRMWBinOpFMin;
  int float_value = kind == LLVMFloatTypeKind || kind == LLVMDoubleTypeKind;
  int integer_value = kind == LLVMIntegerTypeKind &&
                      (LLVMGetIntTypeWidth(type) == 32 || LLVMGetIntTypeWidth(type) == 64);
  if (is_float_op ? !float_value
                  : !(integer_value || (op == LLVMAtomicRMWBinOpXchg && float_value))) {
    kb_fail(kb, "kb_atomic_rmw: operation %d does not apply to this value type", (int)op);
    return kb_placeholder(kb, type);
  }
  kb_open_phase(kb);
  return LLVMBuildAtomicRMW(kb->builder, op, pointer, value, LLVMAtomicOrderingMonotonic, 0);
}

LLVMValueRef kb_atomic_cas(kernel_builder *kb, LLVMValueRef pointer, LLVMValueRef expected,
                           LLVMValueRef desired) {
  LLVMTypeRef type = desired ? LLVMTypeOf(desired) : kb->i32;
  if (kb_check_in_kernel(kb, "kb_atomic_cas") != 0 || !pointer || !expected)
    return kb_placeholder(kb, type);
  if (LLVMGetTypeKind(type) != LLVMIntegerTypeKind || LLVMTypeOf(expected) != type ||
      (LLVMGetIntTypeWidth(type) != 32 && LLVMGetIntTypeWidth(type) != 64)) {
    kb_fail(kb, "kb_atomic_cas supports i32 and i64 values of one type");
    return kb_placeholder(kb, type);
  }
  kb_open_phase(kb);
  LLVMValueRef pair =
      LLVMBuildAtomicCmpXchg(kb->builder, pointer, expected, desired, LLVMAtomicOrderingMonotonic,
                             LLVMAtomicOrderingMonotonic, 0);
  return LLVMBuildExtractValue(kb->builder, pair, 0, "");
}
