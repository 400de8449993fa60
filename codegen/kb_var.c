/* Thread variables: per-thread mutable state, the only way a per-thread value crosses a
 * phase boundary. Both targets use an alloca; the host lowering adds scratch slots later. */
#include "codegen/kb_internal.h"

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
    var->slot = kb_prologue_alloca(kb, type, var->name);
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
  kb_var_access *grown =
      kb_grow(kb, var->accesses, &var->access_capacity, var->access_count + 1, sizeof *grown);
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
    return kb_fail(kb, "kb_var_store: value type does not match thread variable '%s'", var->name);
  LLVMBuildStore(kb->builder, value, var->slot);
  return 0;
}
