/* The checked host lowering (kb_target_options.sanitize): before every shared- and global-
 * memory access of a kernel, a call reports the address, the thread and a static record of
 * the access (source, buffer, size, kind, alignment) to dlrt_host_launch.sanitizer; barriers
 * and shuffles report too, and thread loops take their order from it. The runtime keeps the
 * shadow state (runtime/sanitizer*.c). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "codegen/kb_internal.h"

_Static_assert(offsetof(dlrt_host_launch, sanitizer) == 56, "launch layout");
_Static_assert(offsetof(dlrt_host_sanitizer, access) == 0, "sanitizer layout");
_Static_assert(offsetof(dlrt_host_sanitizer, event) == 8, "sanitizer layout");
_Static_assert(offsetof(dlrt_host_sanitizer, thread_order) == 16, "sanitizer layout");
_Static_assert(offsetof(dlrt_host_access_site, param) == 16 &&
                   offsetof(dlrt_host_access_site, size) == 28 &&
                   offsetof(dlrt_host_access_site, id) == 32 && sizeof(dlrt_host_access_site) == 40,
               "access site layout");

enum { TARGET_SKIP, TARGET_PARAM, TARGET_SHARED, TARGET_ANY };

/* What an access's pointer is derived from. */
typedef struct access_target {
  int kind;
  int index; /* parameter, or shared array (-1: the whole shared memory) */
} access_target;

static LLVMTypeRef site_type(kernel_builder *kb) {
  LLVMTypeRef i16 = LLVMInt16TypeInContext(kb->context);
  LLVMTypeRef fields[] = {kb->ptr, kb->ptr, kb->i32, kb->i32, kb->i32,
                          i16,     kb->i8,  kb->i8,  kb->i32, kb->i32};
  return LLVMStructTypeInContext(kb->context, fields, sizeof fields / sizeof fields[0], 0);
}

/* An internal always-inline helper that loads launch->sanitizer and, when it is set, runs
 * `body` with it; without one it returns parameter `unchecked_result` (-1: nothing). */
typedef LLVMValueRef (*helper_body)(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef function,
                                    LLVMValueRef sanitizer);

static LLVMValueRef helper(kernel_builder *kb, const char *name, LLVMTypeRef type,
                           helper_body body, int unchecked_result) {
  LLVMValueRef function = LLVMGetNamedFunction(kb->module, name);
  if (function)
    return function;
  function = LLVMAddFunction(kb->module, name, type);
  LLVMSetLinkage(function, LLVMInternalLinkage);
  unsigned kind = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
  LLVMAddAttributeAtIndex(function, LLVMAttributeFunctionIndex,
                          LLVMCreateEnumAttribute(kb->context, kind, 0));
  LLVMBuilderRef b = LLVMCreateBuilderInContext(kb->context);
  LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(kb->context, function, "entry");
  LLVMBasicBlockRef checked = LLVMAppendBasicBlockInContext(kb->context, function, "checked");
  LLVMBasicBlockRef plain = LLVMAppendBasicBlockInContext(kb->context, function, "unchecked");
  LLVMPositionBuilderAtEnd(b, entry);
  LLVMValueRef offset = LLVMConstInt(kb->i64, offsetof(dlrt_host_launch, sanitizer), 0);
  LLVMValueRef field = LLVMBuildGEP2(b, kb->i8, LLVMGetParam(function, 0), &offset, 1, "");
  LLVMValueRef sanitizer = LLVMBuildLoad2(b, kb->ptr, field, "sanitizer");
  LLVMBuildCondBr(b, LLVMBuildIsNull(b, sanitizer, ""), plain, checked);
  LLVMPositionBuilderAtEnd(b, plain);
  if (unchecked_result >= 0)
    LLVMBuildRet(b, LLVMGetParam(function, (unsigned)unchecked_result));
  else
    LLVMBuildRetVoid(b);
  LLVMPositionBuilderAtEnd(b, checked);
  LLVMValueRef result = body(kb, b, function, sanitizer);
  if (result)
    LLVMBuildRet(b, result);
  else
    LLVMBuildRetVoid(b);
  LLVMDisposeBuilder(b);
  return function;
}

static LLVMValueRef load_slot(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef sanitizer,
                              size_t offset) {
  LLVMValueRef at = LLVMConstInt(kb->i64, offset, 0);
  return LLVMBuildLoad2(b, kb->ptr, LLVMBuildGEP2(b, kb->i8, sanitizer, &at, 1, ""), "");
}

/* access(launch, address, site, thread) */
static LLVMTypeRef access_type(kernel_builder *kb) {
  LLVMTypeRef params[] = {kb->ptr, kb->ptr, kb->ptr, kb->i32};
  return LLVMFunctionType(kb->void_type, params, 4, 0);
}

/* Calls the hook at `offset` in the sanitizer with the helper's own parameters. */
static void forward(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef function,
                    LLVMValueRef sanitizer, LLVMTypeRef type, size_t offset) {
  LLVMValueRef args[4];
  unsigned count = LLVMCountParams(function);
  for (unsigned i = 0; i < count && i < 4; i++)
    args[i] = LLVMGetParam(function, i);
  LLVMBuildCall2(b, type, load_slot(kb, b, sanitizer, offset), args, count, "");
}

static LLVMValueRef access_body(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef function,
                                LLVMValueRef sanitizer) {
  forward(kb, b, function, sanitizer, access_type(kb), offsetof(dlrt_host_sanitizer, access));
  return NULL;
}

/* event(launch, event, site) */
static LLVMTypeRef event_type(kernel_builder *kb) {
  LLVMTypeRef params[] = {kb->ptr, kb->i32, kb->ptr};
  return LLVMFunctionType(kb->void_type, params, 3, 0);
}

static LLVMValueRef event_body(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef function,
                               LLVMValueRef sanitizer) {
  forward(kb, b, function, sanitizer, event_type(kb), offsetof(dlrt_host_sanitizer, event));
  return NULL;
}

/* order(launch, position) -> linear thread: thread_order[position], or position */
static LLVMTypeRef order_type(kernel_builder *kb) {
  LLVMTypeRef params[] = {kb->ptr, kb->i32};
  return LLVMFunctionType(kb->i32, params, 2, 0);
}

static LLVMValueRef order_body(kernel_builder *kb, LLVMBuilderRef b, LLVMValueRef function,
                               LLVMValueRef sanitizer) {
  LLVMValueRef order = load_slot(kb, b, sanitizer, offsetof(dlrt_host_sanitizer, thread_order));
  LLVMValueRef position = LLVMGetParam(function, 1);
  LLVMValueRef index = LLVMBuildZExt(b, position, kb->i64, "");
  LLVMValueRef has_order = LLVMBuildIsNotNull(b, order, "");
  LLVMValueRef slot = LLVMBuildGEP2(b, kb->i32, order, &index, 1, "");
  LLVMBasicBlockRef current = LLVMGetInsertBlock(b);
  LLVMBasicBlockRef table = LLVMAppendBasicBlockInContext(kb->context, function, "table");
  LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(kb->context, function, "done");
  LLVMBuildCondBr(b, has_order, table, done);
  LLVMPositionBuilderAtEnd(b, table);
  LLVMValueRef listed = LLVMBuildLoad2(b, kb->i32, slot, "");
  LLVMBuildBr(b, done);
  LLVMPositionBuilderAtEnd(b, done);
  LLVMValueRef phi = LLVMBuildPhi(b, kb->i32, "thread");
  LLVMValueRef values[2] = {position, listed};
  LLVMBasicBlockRef blocks[2] = {current, table};
  LLVMAddIncoming(phi, values, blocks, 2);
  return phi;
}

LLVMValueRef kb_sanitize_thread_order(kernel_builder *kb, LLVMValueRef position) {
  LLVMTypeRef type = order_type(kb);
  LLVMValueRef function = helper(kb, "dlcc.san.order", type, order_body, 1);
  LLVMValueRef args[2] = {kb->k.launch, position};
  return LLVMBuildCall2(kb->builder, type, function, args, 2, "thread.linear");
}

/* A string constant owned by the open kernel ("NAME.san.text.N"). */
static LLVMValueRef kernel_string(kernel_builder *kb, const char *text, int number) {
  char name[512];
  snprintf(name, sizeof name, "%s.san.text.%d", kb->k.info.name, number);
  LLVMValueRef global = LLVMGetNamedGlobal(kb->module, name);
  if (global)
    return global;
  LLVMValueRef value = LLVMConstStringInContext(kb->context, text, (unsigned)strlen(text), 0);
  global = LLVMAddGlobal(kb->module, LLVMTypeOf(value), name);
  LLVMSetInitializer(global, value);
  LLVMSetGlobalConstant(global, 1);
  LLVMSetLinkage(global, LLVMInternalLinkage);
  return global;
}

/* The buffer's description, one string per parameter or shared array of the kernel. */
static LLVMValueRef buffer_text(kernel_builder *kb, access_target target) {
  kb_kernel_state *k = &kb->k;
  char text[256];
  int number = 0;
  if (target.kind == TARGET_PARAM) {
    snprintf(text, sizeof text, "parameter %d '%s'", target.index, k->params[target.index].name);
    number = target.index;
  } else if (target.kind == TARGET_SHARED && target.index >= 0) {
    const kb_shared_record *array = &k->shared_arrays[target.index];
    snprintf(text, sizeof text, "shared array %d (bytes %zu..%zu of shared memory)", target.index,
             array->offset, array->offset + array->bytes - 1);
    number = 1000 + target.index;
  } else if (target.kind == TARGET_SHARED) {
    snprintf(text, sizeof text, "shared memory");
    number = 999;
  } else {
    snprintf(text, sizeof text, "one of the pointer parameters");
    number = 998;
  }
  return kernel_string(kb, text, number);
}

/* The access's static record: a mutable global owned by the kernel ("NAME.san.N"). */
static LLVMValueRef site_record(kernel_builder *kb, int source, access_target target,
                                unsigned size, unsigned kind, unsigned align) {
  kb_kernel_state *k = &kb->k;
  char name[512]; /* numbered within the kernel, so that identical kernels still merge */
  snprintf(name, sizeof name, "%s.san.%d", k->info.name, k->site_records++);
  LLVMTypeRef i16 = LLVMInt16TypeInContext(kb->context);
  int32_t param = target.kind == TARGET_PARAM    ? target.index
                  : target.kind == TARGET_SHARED ? DLRT_ACCESS_SHARED
                                                 : DLRT_ACCESS_ANY_PARAM;
  size_t shared_offset = 0, shared_bytes = k->shared_bytes;
  if (target.kind == TARGET_SHARED && target.index >= 0) {
    shared_offset = k->shared_arrays[target.index].offset;
    shared_bytes = k->shared_arrays[target.index].bytes;
  }
  LLVMValueRef fields[] = {
      kb_site_text(kb, source),
      target.kind == TARGET_SKIP ? LLVMConstNull(kb->ptr) : buffer_text(kb, target),
      LLVMConstInt(kb->i32, (unsigned long long)(long long)param, 1),
      LLVMConstInt(kb->i32, shared_offset, 0),
      LLVMConstInt(kb->i32, shared_bytes, 0),
      LLVMConstInt(i16, size, 0),
      LLVMConstInt(kb->i8, kind, 0),
      LLVMConstInt(kb->i8, align > 255 ? 255 : align, 0),
      LLVMConstInt(kb->i32, 0, 0),
      LLVMConstInt(kb->i32, 0, 0)};
  LLVMTypeRef type = site_type(kb);
  LLVMValueRef global = LLVMAddGlobal(kb->module, type, name);
  LLVMSetInitializer(global, LLVMConstNamedStruct(type, fields, sizeof fields / sizeof fields[0]));
  LLVMSetLinkage(global, LLVMInternalLinkage);
  LLVMSetAlignment(global, 8);
  return global;
}

void kb_sanitize_event(kernel_builder *kb, int event) {
  if (!kb->sanitize || kb->kind != KB_TARGET_HOST)
    return;
  access_target none = {TARGET_SKIP, 0};
  LLVMValueRef site = site_record(kb, kb->last_site, none, 0, 0, 0);
  LLVMTypeRef type = event_type(kb);
  LLVMValueRef function = helper(kb, "dlcc.san.event", type, event_body, -1);
  LLVMValueRef args[3] = {kb->k.launch, LLVMConstInt(kb->i32, (unsigned)event, 0), site};
  LLVMBuildCall2(kb->builder, type, function, args, 3, "");
}

static access_target merge_targets(access_target a, access_target b) {
  if (a.kind == TARGET_SKIP)
    return b;
  if (b.kind == TARGET_SKIP || (a.kind == b.kind && a.index == b.index))
    return a;
  return (access_target){TARGET_ANY, 0};
}

/* Follows GEPs, casts, selects and phis back to a parameter, a shared array or something
 * the sanitizer does not watch (thread variables, scratch, the launch record). */
static access_target classify(kernel_builder *kb, LLVMValueRef pointer, int depth) {
  kb_kernel_state *k = &kb->k;
  for (int steps = 0; steps < 64; steps++) {
    for (int i = 0; i < k->shared_count; i++)
      if (pointer == k->shared_arrays[i].pointer)
        return (access_target){TARGET_SHARED, i};
    if (pointer == k->shared_base)
      return (access_target){TARGET_SHARED, -1};
    for (int i = 0; i < k->info.param_count; i++)
      if (k->params[i].kind == KB_PARAM_PTR && pointer == k->param_values[i])
        return (access_target){TARGET_PARAM, i};
    if (pointer == k->scratch || LLVMIsAAllocaInst(pointer) || LLVMIsAArgument(pointer) ||
        LLVMIsAGlobalValue(pointer))
      return (access_target){TARGET_SKIP, 0};
    if (LLVMIsAGetElementPtrInst(pointer) || LLVMIsACastInst(pointer) ||
        (LLVMIsAConstantExpr(pointer) && LLVMGetNumOperands(pointer) > 0)) {
      pointer = LLVMGetOperand(pointer, 0);
      continue;
    }
    if (depth < 8 && LLVMIsASelectInst(pointer))
      return merge_targets(classify(kb, LLVMGetOperand(pointer, 1), depth + 1),
                           classify(kb, LLVMGetOperand(pointer, 2), depth + 1));
    if (depth < 8 && LLVMIsAPHINode(pointer)) {
      access_target merged = {TARGET_SKIP, 0};
      for (unsigned i = 0; i < LLVMCountIncoming(pointer); i++)
        merged = merge_targets(merged, classify(kb, LLVMGetIncomingValue(pointer, i), depth + 1));
      return merged;
    }
    break;
  }
  return (access_target){TARGET_ANY, 0};
}

/* The pointer operand, access kind and accessed type of a memory instruction (0: none). */
static int memory_access(LLVMValueRef inst, LLVMValueRef *pointer, unsigned *kind,
                         LLVMTypeRef *type) {
  if (LLVMIsALoadInst(inst)) {
    *pointer = LLVMGetOperand(inst, 0);
    *kind = DLRT_ACCESS_READ;
    *type = LLVMTypeOf(inst);
  } else if (LLVMIsAStoreInst(inst)) {
    *pointer = LLVMGetOperand(inst, 1);
    *kind = DLRT_ACCESS_WRITE;
    *type = LLVMTypeOf(LLVMGetOperand(inst, 0));
  } else if (LLVMIsAAtomicRMWInst(inst)) {
    *pointer = LLVMGetOperand(inst, 0);
    *kind = DLRT_ACCESS_ATOMIC;
    *type = LLVMTypeOf(inst);
  } else if (LLVMIsAAtomicCmpXchgInst(inst)) {
    *pointer = LLVMGetOperand(inst, 0);
    *kind = DLRT_ACCESS_ATOMIC;
    *type = LLVMTypeOf(LLVMGetOperand(inst, 1));
  } else {
    return 0;
  }
  return 1;
}

static void instrument(kernel_builder *kb, LLVMValueRef inst, LLVMValueRef function) {
  LLVMValueRef pointer;
  unsigned kind;
  LLVMTypeRef type;
  if (!memory_access(inst, &pointer, &kind, &type))
    return;
  access_target target = classify(kb, pointer, 0);
  if (target.kind == TARGET_SKIP)
    return;
  unsigned size = (unsigned)LLVMStoreSizeOfType(LLVMGetModuleDataLayout(kb->module), type);
  LLVMValueRef site = site_record(kb, kb_site_of(inst), target, size, kind, LLVMGetAlignment(inst));
  int phase = kb_value_phase(kb, inst);
  LLVMValueRef thread = phase == KB_UNIFORM
                            ? LLVMConstInt(kb->i32, (unsigned)DLRT_ACCESS_ALL_THREADS, 1)
                            : kb->k.phases[phase].linear;
  LLVMPositionBuilderBefore(kb->builder, inst);
  LLVMValueRef args[4] = {kb->k.launch, pointer, site, thread};
  LLVMBuildCall2(kb->builder, access_type(kb), function, args, 4, "");
}

int kb_sanitize_instrument(kernel_builder *kb) {
  LLVMValueRef function = helper(kb, "dlcc.san.access", access_type(kb), access_body, -1);
  for (LLVMBasicBlockRef block = LLVMGetFirstBasicBlock(kb->k.function); block;
       block = LLVMGetNextBasicBlock(block))
    for (LLVMValueRef inst = block == kb->k.prologue ? NULL /* launch and parameter loads */
                                                     : LLVMGetFirstInstruction(block);
         inst;
         inst = LLVMGetNextInstruction(inst))
      instrument(kb, inst, function);
  return kb->failed ? -1 : 0;
}
