/* The functions a bundle exports: NAME_create, NAME_run, ... as one-call bodies that forward
 * to libdlrt with the bundle's program. struct NAME_inputs (NAME_outputs) holds one pointer
 * per tensor, laid out as an array of pointers, so it is passed on as that array. */
#include <stdio.h>
#include <string.h>

#include "codegen/bundle/bundle_internal.h"

enum { PROGRAM = -1, MAX_PARAMS = 3 };
typedef enum value_type { VOID, INT, POINTER } value_type;

/* One exported function: NAME_<suffix>(params) { return callee(args...); }, where each
 * argument is a parameter index or PROGRAM. Parameters are pointers except where
 * `int_params` has their bit (a u32, like a state index). */
typedef struct forward {
  const char *suffix;
  const char *callee;
  value_type result;
  int param_count;
  int arg_count;
  int args[MAX_PARAMS];
  unsigned int_params;
} forward;

static const forward FORWARDS[] = {
    {"create", "dlrt_model_create", INT, 2, 3, {PROGRAM, 1, 0}, 0},
    {"run", "dlrt_model_run", INT, 3, 3, {0, 1, 2}, 0},
    {"run_device", "dlrt_model_run_device", INT, 3, 3, {0, 1, 2}, 0},
    {"synchronize", "dlrt_model_synchronize", INT, 1, 1, {0}, 0},
    {"destroy", "dlrt_model_destroy", VOID, 1, 1, {0}, 0},
    {"device_name", "dlrt_model_device_name", POINTER, 1, 1, {0}, 0},
    {"launch_info", "dlrt_model_launch_info", POINTER, 1, 1, {0}, 0},
    {"state_count", "dlrt_model_state_count", INT, 1, 1, {0}, 0},
    {"get_state", "dlrt_model_get_state", INT, 3, 3, {0, 1, 2}, 1u << 1},
    {"set_state", "dlrt_model_set_state", INT, 3, 3, {0, 1, 2}, 1u << 1},
    {"save_state", "dlrt_model_save_state", INT, 2, 2, {0, 1}, 0},
    {"load_state", "dlrt_model_load_state", INT, 2, 2, {0, 1}, 0},
};
enum { FORWARD_COUNT = sizeof FORWARDS / sizeof FORWARDS[0] };

static LLVMTypeRef type_of(LLVMContextRef context, value_type type) {
  switch (type) {
  case VOID:
    return LLVMVoidTypeInContext(context);
  case INT:
    return LLVMInt32TypeInContext(context);
  case POINTER:
    break;
  }
  return LLVMPointerTypeInContext(context, 0);
}

static LLVMValueRef function(LLVMModuleRef module, const char *name, LLVMTypeRef type) {
  LLVMValueRef existing = LLVMGetNamedFunction(module, name);
  return existing ? existing : LLVMAddFunction(module, name, type);
}

static void emit_forward(LLVMModuleRef module, LLVMBuilderRef builder, LLVMValueRef program,
                         const char *name, const forward *f) {
  LLVMContextRef context = LLVMGetModuleContext(module);
  LLVMTypeRef pointer = LLVMPointerTypeInContext(context, 0);
  LLVMTypeRef result = type_of(context, f->result);
  LLVMTypeRef params[MAX_PARAMS];
  for (int i = 0; i < MAX_PARAMS; i++)
    params[i] = f->int_params & (1u << i) ? type_of(context, INT) : pointer;
  LLVMTypeRef callee_type = LLVMFunctionType(result, params, (unsigned)f->arg_count, 0);
  LLVMValueRef callee = function(module, f->callee, callee_type);
  char symbol[256];
  snprintf(symbol, sizeof symbol, "%s_%s", name, f->suffix);
  LLVMValueRef wrapper =
      LLVMAddFunction(module, symbol, LLVMFunctionType(result, params, (unsigned)f->param_count, 0));
  LLVMPositionBuilderAtEnd(builder, LLVMAppendBasicBlockInContext(context, wrapper, "entry"));
  LLVMValueRef args[MAX_PARAMS];
  for (int i = 0; i < f->arg_count; i++)
    args[i] = f->args[i] == PROGRAM ? program : LLVMGetParam(wrapper, (unsigned)f->args[i]);
  LLVMValueRef call =
      LLVMBuildCall2(builder, callee_type, callee, args, (unsigned)f->arg_count, "");
  if (f->result == VOID)
    LLVMBuildRetVoid(builder);
  else
    LLVMBuildRet(builder, call);
}

static int exported(const char *symbol, const char *name) {
  size_t length = strlen(name);
  if (strncmp(symbol, name, length) != 0 || symbol[length] != '_')
    return 0;
  if (strcmp(symbol + length + 1, "program") == 0)
    return 1;
  for (int i = 0; i < FORWARD_COUNT; i++)
    if (strcmp(symbol + length + 1, FORWARDS[i].suffix) == 0)
      return 1;
  return 0;
}

/* Kernels and helpers stay inside the object: two bundles never clash on them. */
static void internalize(LLVMModuleRef module, const char *name) {
  for (LLVMValueRef f = LLVMGetFirstFunction(module); f; f = LLVMGetNextFunction(f))
    if (!LLVMIsDeclaration(f) && !exported(LLVMGetValueName(f), name))
      LLVMSetLinkage(f, LLVMInternalLinkage);
  for (LLVMValueRef g = LLVMGetFirstGlobal(module); g; g = LLVMGetNextGlobal(g))
    if (!LLVMIsDeclaration(g) && !exported(LLVMGetValueName(g), name) &&
        LLVMGetLinkage(g) != LLVMPrivateLinkage)
      LLVMSetLinkage(g, LLVMInternalLinkage);
}

int dl_bundle_emit_api(LLVMModuleRef module, LLVMValueRef program, const char *name,
                       dl_diag *diag) {
  for (int i = 0; i < FORWARD_COUNT; i++) {
    char symbol[256];
    snprintf(symbol, sizeof symbol, "%s_%s", name, FORWARDS[i].suffix);
    if (LLVMGetNamedFunction(module, symbol) || LLVMGetNamedGlobal(module, symbol))
      return dl_error(diag, "bundle '%s': the symbol %s is also a kernel's name; choose another "
                            "--name",
                      name, symbol);
  }
  internalize(module, name);
  LLVMBuilderRef builder = LLVMCreateBuilderInContext(LLVMGetModuleContext(module));
  for (int i = 0; i < FORWARD_COUNT; i++)
    emit_forward(module, builder, program, name, &FORWARDS[i]);
  LLVMDisposeBuilder(builder);
  return 0;
}
