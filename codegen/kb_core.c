/* Kernel builder core: builder lifetime, kernel begin/end, parameters, small helpers. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/kb_internal.h"

int kb_fail(kernel_builder *kb, const char *format, ...) {
  char text[1024];
  va_list args;
  va_start(args, format);
  vsnprintf(text, sizeof text, format, args);
  va_end(args);
  kb->failed = 1;
  kb->error_count++;
  if (kb->in_kernel && kb->k.info.name)
    return dl_error(kb->diag, "kernel builder: kernel '%s': %s", kb->k.info.name, text);
  return dl_error(kb->diag, "kernel builder: %s", text);
}

int kb_check_in_kernel(kernel_builder *kb, const char *what) {
  if (kb->in_kernel)
    return 0;
  return kb_fail(kb, "%s called outside kb_kernel_begin/kb_kernel_end", what);
}

void *kb_grow(kernel_builder *kb, void *array, int *capacity, int needed, size_t element) {
  if (needed <= *capacity)
    return array;
  int new_capacity = *capacity ? *capacity * 2 : 16;
  while (new_capacity < needed)
    new_capacity *= 2;
  void *grown = ir_arena_alloc_array(kb->arena, (size_t)new_capacity, element);
  if (!grown)
    return NULL;
  if (array)
    memcpy(grown, array, (size_t)*capacity * element);
  *capacity = new_capacity;
  return grown;
}

LLVMBasicBlockRef kb_new_block(kernel_builder *kb, const char *name) {
  kb_kernel_state *k = &kb->k;
  LLVMBasicBlockRef block = LLVMAppendBasicBlockInContext(kb->context, k->function, name);
  kb_block_tag *tags = kb_grow(kb, k->tags, &k->tag_capacity, k->tag_count + 1, sizeof *tags);
  if (!tags) {
    kb_fail(kb, "out of memory");
    return block;
  }
  k->tags = tags;
  tags[k->tag_count].block = block;
  tags[k->tag_count].phase = k->phase;
  k->tag_count++;
  return block;
}

LLVMValueRef kb_const_i32(kernel_builder *kb, long long value) {
  return LLVMConstInt(kb->i32, (unsigned long long)value, 1);
}

LLVMValueRef kb_const_f32(kernel_builder *kb, double value) {
  return LLVMConstReal(kb->f32, value);
}

LLVMValueRef kb_placeholder(kernel_builder *kb, LLVMTypeRef type) {
  return LLVMGetUndef(type ? type : kb->i32);
}

LLVMValueRef kb_in_prologue(kernel_builder *kb, LLVMValueRef (*emit)(kernel_builder *, void *),
                            void *context) {
  LLVMBasicBlockRef saved = LLVMGetInsertBlock(kb->builder);
  LLVMPositionBuilderAtEnd(kb->builder, kb->k.prologue);
  LLVMValueRef value = emit(kb, context);
  LLVMPositionBuilderAtEnd(kb->builder, saved);
  return value;
}

LLVMValueRef kb_prologue_alloca(kernel_builder *kb, LLVMTypeRef type, const char *name) {
  LLVMBasicBlockRef saved = LLVMGetInsertBlock(kb->builder);
  LLVMPositionBuilderAtEnd(kb->builder, kb->k.prologue);
  LLVMValueRef slot = LLVMBuildAlloca(kb->builder, type, name);
  LLVMPositionBuilderAtEnd(kb->builder, saved);
  return slot;
}

kernel_builder *kb_create(const kb_target_options *options, const char *module_name,
                          dl_diag *diag) {
  kernel_builder *kb = calloc(1, sizeof *kb);
  if (!kb) {
    dl_error(diag, "kernel builder: out of memory");
    return NULL;
  }
  kb->diag = diag;
  kb->arena = ir_arena_create();
  kb->context = LLVMContextCreate();
  if (!kb->arena || !kb->context) {
    dl_error(diag, "kernel builder: out of memory");
    kb_destroy(kb);
    return NULL;
  }
  kb_install_diagnostics(kb);
  kb->module = LLVMModuleCreateWithNameInContext(module_name ? module_name : "dlcc", kb->context);
  kb->builder = LLVMCreateBuilderInContext(kb->context);
  kb->i1 = LLVMInt1TypeInContext(kb->context);
  kb->i8 = LLVMInt8TypeInContext(kb->context);
  kb->i32 = LLVMInt32TypeInContext(kb->context);
  kb->i64 = LLVMInt64TypeInContext(kb->context);
  kb->f32 = LLVMFloatTypeInContext(kb->context);
  kb->f64 = LLVMDoubleTypeInContext(kb->context);
  kb->ptr = LLVMPointerTypeInContext(kb->context, 0);
  kb->void_type = LLVMVoidTypeInContext(kb->context);
  if (kb_target_init(kb, options) != 0) {
    kb_destroy(kb);
    return NULL;
  }
  return kb;
}

void kb_destroy(kernel_builder *kb) {
  if (!kb)
    return;
  if (kb->builder)
    LLVMDisposeBuilder(kb->builder);
  if (kb->module)
    LLVMDisposeModule(kb->module);
  if (kb->metadata_module)
    LLVMDisposeModule(kb->metadata_module);
  if (kb->machine)
    LLVMDisposeTargetMachine(kb->machine);
  if (kb->context)
    LLVMContextDispose(kb->context);
  ir_arena_destroy(kb->arena);
  free(kb);
}

LLVMContextRef kb_context(kernel_builder *kb) { return kb->context; }
LLVMModuleRef kb_module(kernel_builder *kb) { return kb->module; }
LLVMBuilderRef(kb_llvm_builder)(kernel_builder *kb) { return kb->builder; }
kb_target_kind kb_target(const kernel_builder *kb) { return kb->kind; }
int kb_failed(const kernel_builder *kb) { return kb->failed; }

static LLVMTypeRef param_type(kernel_builder *kb, kb_param_kind kind) {
  switch (kind) {
  case KB_PARAM_PTR:
    return LLVMPointerTypeInContext(kb->context, kb->global_as);
  case KB_PARAM_I32:
    return kb->i32;
  case KB_PARAM_I64:
    return kb->i64;
  case KB_PARAM_F32:
    return kb->f32;
  }
  return kb->i32;
}

static int copy_params(kernel_builder *kb, const kb_param *params, int count) {
  kb_kernel_state *k = &kb->k;
  k->params = ir_arena_alloc_array(kb->arena, (size_t)(count ? count : 1), sizeof *k->params);
  kb_param_kind *kinds =
      ir_arena_alloc_array(kb->arena, (size_t)(count ? count : 1), sizeof *kinds);
  k->param_values =
      ir_arena_alloc_array(kb->arena, (size_t)(count ? count : 1), sizeof(LLVMValueRef));
  if (!k->params || !kinds || !k->param_values)
    return kb_fail(kb, "out of memory");
  for (int i = 0; i < count; i++) {
    if ((unsigned)params[i].kind > KB_PARAM_F32)
      return kb_fail(kb, "parameter %d has an unknown kind %d", i, (int)params[i].kind);
    k->params[i].kind = params[i].kind;
    k->params[i].name = ir_arena_strdup(kb->arena, params[i].name ? params[i].name : "arg");
    kinds[i] = params[i].kind;
  }
  k->info.param_count = count;
  k->info.param_kinds = kinds;
  return 0;
}

static void declare_function(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  if (kb->kind == KB_TARGET_NVPTX) {
    LLVMTypeRef types[k->info.param_count + 1];
    for (int i = 0; i < k->info.param_count; i++)
      types[i] = param_type(kb, k->params[i].kind);
    LLVMTypeRef type = LLVMFunctionType(kb->void_type, types, (unsigned)k->info.param_count, 0);
    k->function = LLVMAddFunction(kb->module, k->info.name, type);
    LLVMSetFunctionCallConv(k->function, LLVMPTXKernelCallConv);
    for (int i = 0; i < k->info.param_count; i++) {
      k->param_values[i] = LLVMGetParam(k->function, (unsigned)i);
      LLVMSetValueName2(k->param_values[i], k->params[i].name, strlen(k->params[i].name));
    }
    return;
  }
  LLVMTypeRef types[2] = {kb->ptr, kb->ptr};
  LLVMTypeRef type = LLVMFunctionType(kb->void_type, types, 2, 0);
  k->function = LLVMAddFunction(kb->module, k->info.host_symbol, type);
  LLVMSetValueName2(LLVMGetParam(k->function, 0), "params", 6);
  LLVMSetValueName2(LLVMGetParam(k->function, 1), "launch", 6);
}

static int is_identifier(const char *name) {
  if (!(isalpha((unsigned char)name[0]) || name[0] == '_') || strlen(name) > 400)
    return 0;
  for (const char *c = name; *c; c++)
    if (!isalnum((unsigned char)*c) && *c != '_')
      return 0;
  return 1;
}

int kb_kernel_begin(kernel_builder *kb, const char *name, const kb_param *params, int param_count,
                    unsigned max_threads) {
  if (kb->in_kernel)
    return kb_fail(kb, "kb_kernel_begin('%s') while kernel '%s' is open", name ? name : "",
                   kb->k.info.name);
  if (kb->closed)
    return kb_fail(kb, "kb_kernel_begin after the module was finished");
  if (!name || !*name || param_count < 0 || (param_count > 0 && !params))
    return kb_fail(kb, "kb_kernel_begin needs a name and a parameter list");
  if (!is_identifier(name))
    return kb_fail(kb,
                   "kernel name '%s' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*); the "
                   "runtime finds kernels by this name in PTX and objects",
                   name);
  if (max_threads == 0 || max_threads > 1024)
    return kb_fail(kb, "kernel '%s': max_threads %u is outside 1..1024", name, max_threads);
  char symbol[512];
  snprintf(symbol, sizeof symbol, kb->kind == KB_TARGET_HOST ? "%s__host" : "%s", name);
  if (kb_kernel_info_find(kb, name) || LLVMGetNamedFunction(kb->module, symbol))
    return kb_fail(kb, "kernel '%s' is defined twice", name);
  memset(&kb->k, 0, sizeof kb->k);
  kb_kernel_state *k = &kb->k;
  k->errors_at_begin = kb->error_count;
  k->info.name = ir_arena_strdup(kb->arena, name);
  k->info.max_threads = max_threads;
  if (kb->kind == KB_TARGET_HOST)
    k->info.host_symbol = ir_arena_printf(kb->arena, "%s__host", name);
  if (copy_params(kb, params, param_count) != 0)
    return -1;
  kb->in_kernel = 1;
  k->phase = KB_UNIFORM;
  declare_function(kb);
  k->prologue = kb_new_block(kb, "prologue");
  LLVMPositionBuilderAtEnd(kb->builder, k->prologue);
  if (kb->kind == KB_TARGET_HOST) {
    kb_host_prologue(kb);
  } else {
    for (int d = 0; d < 3; d++) {
      k->grid[d] = kb_nvptx_sreg(kb, "nctaid", (kb_dim)d);
      k->block[d] = kb_nvptx_sreg(kb, "ntid", (kb_dim)d);
      k->block_index[d] = kb_nvptx_sreg(kb, "ctaid", (kb_dim)d);
    }
  }
  k->first_body = kb_new_block(kb, "body");
  LLVMPositionBuilderAtEnd(kb->builder, k->first_body);
  return kb->error_count == k->errors_at_begin ? 0 : -1;
}

LLVMValueRef kb_param_value(kernel_builder *kb, int index) {
  if (kb_check_in_kernel(kb, "kb_param_value") != 0)
    return kb_placeholder(kb, kb->i32);
  if (index < 0 || index >= kb->k.info.param_count) {
    kb_fail(kb, "kb_param_value(%d): the kernel has %d parameters", index, kb->k.info.param_count);
    return kb_placeholder(kb, kb->i32);
  }
  return kb->k.param_values[index];
}

static int record_kernel(kernel_builder *kb, const char *fingerprint) {
  kb_kernel_info *grown =
      kb_grow(kb, kb->kernels, &kb->kernel_capacity, kb->kernel_count + 1, sizeof *grown);
  const char **fingerprints = kb_grow(kb, kb->fingerprints, &kb->fingerprint_capacity,
                                      kb->kernel_count + 1, sizeof *fingerprints);
  if (!grown || !fingerprints)
    return kb_fail(kb, "out of memory");
  kb->kernels = grown;
  kb->fingerprints = fingerprints;
  kb->fingerprints[kb->kernel_count] = fingerprint;
  if (kb_index_add(kb, &kb->names, kb->k.info.name, kb->kernel_count) != 0 ||
      (fingerprint &&
       kb_index_add(kb, &kb->fingerprint_index, fingerprint, kb->kernel_count) != 0))
    return kb_fail(kb, "out of memory");
  kb->kernels[kb->kernel_count++] = kb->k.info;
  return 0;
}

/* Host scratch holds max_threads slots: a block larger than the launch bound (or empty)
 * returns at once instead of writing past it (the runtime checks launches and reports it). */
static void guard_thread_count(kernel_builder *kb) {
  kb_kernel_state *k = &kb->k;
  LLVMBuilderRef b = kb->builder;
  if (k->fixed_block[0]) { /* exactly the fixed block (kb_kernel_fix_block) */
    LLVMValueRef fits = LLVMConstInt(kb->i1, 1, 0);
    for (int d = 0; d < 3; d++)
      fits = LLVMBuildAnd(
          b, fits,
          LLVMBuildICmp(b, LLVMIntEQ, k->launch_block[d], kb_const_i32(kb, k->fixed_block[d]), ""),
          "");
    LLVMBasicBlockRef reject = kb_new_block(kb, "wrong_block");
    LLVMBuildCondBr(b, fits, k->first_body, reject);
    LLVMPositionBuilderAtEnd(b, reject);
    LLVMBuildRetVoid(b);
    return;
  }
  LLVMValueRef threads = LLVMBuildZExt(b, k->block[0], kb->i64, "");
  threads = LLVMBuildNUWMul(b, threads, LLVMBuildZExt(b, k->block[1], kb->i64, ""), "");
  threads = LLVMBuildNUWMul(b, threads, LLVMBuildZExt(b, k->block[2], kb->i64, ""), "");
  /* 1 <= threads <= max_threads as one unsigned compare (an empty block runs nothing). */
  LLVMValueRef fits =
      LLVMBuildICmp(b, LLVMIntULT, LLVMBuildSub(b, threads, LLVMConstInt(kb->i64, 1, 0), ""),
                    LLVMConstInt(kb->i64, k->info.max_threads, 0), "");
  LLVMBasicBlockRef reject = kb_new_block(kb, "too_many_threads");
  LLVMBuildCondBr(b, fits, k->first_body, reject);
  LLVMPositionBuilderAtEnd(b, reject);
  LLVMBuildRetVoid(b);
}

int kb_kernel_end(kernel_builder *kb) {
  if (kb_check_in_kernel(kb, "kb_kernel_end") != 0)
    return -1;
  kb_kernel_state *k = &kb->k;
  if (k->control_depth > 0)
    kb_fail(kb, "%d kb_*_begin without a matching kb_*_end", k->control_depth);
  kb_close_phase(kb);
  LLVMBuildRetVoid(kb->builder);
  LLVMPositionBuilderAtEnd(kb->builder, k->prologue);
  if (kb->kind == KB_TARGET_HOST)
    guard_thread_count(kb);
  else
    LLVMBuildBr(kb->builder, k->first_body);
  int status = kb->error_count == k->errors_at_begin ? 0 : -1;
  if (status == 0)
    status = kb_check_phases(kb);
  if (status == 0 && kb->kind == KB_TARGET_HOST)
    status = kb_host_lay_out_scratch(kb);
  if (status == 0 && kb->sanitize)
    status = kb_sanitize_instrument(kb);
  kb_site_clear(kb); /* before the fingerprint: sites live in debug locations */
  k->info.shared_bytes = k->shared_bytes;
  k->info.barrier_count = k->barrier_count;
  k->info.fence_count = k->fence_count;
  const char *fingerprint = NULL;
  int twin = status == 0 && kb->merge_identical ? kb_merge_find_twin(kb, &fingerprint) : -1;
  if (twin >= 0) {
    status = kb_merge_into(kb, twin);
  } else {
    if (status == 0 && kb->kind == KB_TARGET_NVPTX)
      kb_nvptx_annotate(kb);
    /* After the fingerprint: loop IDs are unique. Checked twins keep their loops serial:
     * the sanitizer's calls must see the threads one by one. */
    if (status == 0 && kb->kind == KB_TARGET_HOST && !kb->sanitize)
      status = kb_host_mark_parallel(kb);
    if (status == 0)
      status = record_kernel(kb, fingerprint);
  }
  kb->in_kernel = 0;
  return status == 0 && kb->error_count == k->errors_at_begin ? 0 : -1;
}

int kb_kernel_count(const kernel_builder *kb) { return kb->kernel_count; }

const kb_kernel_info *kb_kernel_info_at(const kernel_builder *kb, int index) {
  if (index < 0 || index >= kb->kernel_count)
    return NULL;
  return &kb->kernels[index];
}

int kb_kernel_index(const kernel_builder *kb, const char *name) {
  int cursor = 0;
  return kb_index_next(&kb->names, name, &cursor);
}

const kb_kernel_info *kb_kernel_info_find(const kernel_builder *kb, const char *name) {
  int index = kb_kernel_index(kb, name);
  return index >= 0 ? &kb->kernels[index] : NULL;
}
