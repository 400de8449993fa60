/* Merging identical kernels (kb_target_options.merge_identical): a model repeats layers of
 * the same shape, and each would otherwise be optimized and compiled again. A finished
 * kernel's fingerprint is its printed LLVM IR with the kernel's own name replaced (in the
 * function and in the shared/constant globals named after it, whose definitions are part of
 * the fingerprint), plus its launch information. A kernel whose fingerprint equals an
 * earlier one's is deleted and its name becomes an alias of the earlier kernel. */
#include <ctype.h>
#include <string.h>

#include "codegen/kb_internal.h"

/* A growing string in the builder's arena. */
typedef struct fingerprint {
  char *text;
  size_t length, capacity;
  int failed;
} fingerprint;

static void append(kernel_builder *kb, fingerprint *f, const char *text, size_t length) {
  if (f->failed)
    return;
  if (f->length + length + 1 > f->capacity) {
    size_t capacity = f->capacity ? f->capacity * 2 : 4096;
    while (capacity < f->length + length + 1)
      capacity *= 2;
    char *grown = ir_arena_alloc(kb->arena, capacity);
    if (!grown) {
      f->failed = 1;
      return;
    }
    if (f->text)
      memcpy(grown, f->text, f->length);
    f->text = grown;
    f->capacity = capacity;
  }
  memcpy(f->text + f->length, text, length);
  f->length += length;
  f->text[f->length] = '\0';
}

/* Appends `text` with every global reference to the kernel's own name — @NAME, @NAME__host,
 * @NAME.shared.0, @NAME.constant — written with the name replaced by "\x01". */
static void append_canonical(kernel_builder *kb, fingerprint *f, const char *text) {
  const char *name = kb->k.info.name;
  size_t name_length = strlen(name);
  for (const char *at; (at = strchr(text, '@')) != NULL;) {
    append(kb, f, text, (size_t)(at - text) + 1);
    text = at + 1;
    if (strncmp(text, name, name_length) != 0)
      continue;
    char next = text[name_length];
    if (next == '.' || strncmp(text + name_length, "__host", 6) == 0 ||
        !(isalnum((unsigned char)next) || next == '_')) {
      append(kb, f, "\x01", 1);
      text += name_length;
    }
  }
  append(kb, f, text, strlen(text));
}

static void append_value(kernel_builder *kb, fingerprint *f, LLVMValueRef value) {
  char *printed = LLVMPrintValueToString(value);
  append_canonical(kb, f, printed);
  LLVMDisposeMessage(printed);
}

/* Globals named "NAME.<something>" belong to the kernel being finished. */
static int owned_global(kernel_builder *kb, LLVMValueRef global) {
  size_t length = 0;
  const char *global_name = LLVMGetValueName2(global, &length);
  size_t name_length = strlen(kb->k.info.name);
  return length > name_length && global_name[name_length] == '.' &&
         strncmp(global_name, kb->k.info.name, name_length) == 0;
}

static int same_launch_info(const kb_kernel_info *a, const kb_kernel_info *b) {
  return a->param_count == b->param_count && a->shared_bytes == b->shared_bytes &&
         a->host_scratch_bytes == b->host_scratch_bytes && a->max_threads == b->max_threads &&
         (a->param_count == 0 || memcmp(a->param_kinds, b->param_kinds,
                                        sizeof(kb_param_kind) * (size_t)a->param_count) == 0);
}

int kb_merge_find_twin(kernel_builder *kb, const char **out_fingerprint) {
  fingerprint f = {0};
  append_value(kb, &f, kb->k.function);
  for (LLVMValueRef g = LLVMGetFirstGlobal(kb->module); g; g = LLVMGetNextGlobal(g))
    if (owned_global(kb, g))
      append_value(kb, &f, g);
  if (f.failed || !f.text)
    return kb_fail(kb, "out of memory"), -1;
  *out_fingerprint = f.text;
  int cursor = 0;
  for (int i; (i = kb_index_next(&kb->fingerprint_index, f.text, &cursor)) >= 0;)
    if (same_launch_info(&kb->kernels[i], &kb->k.info))
      return i;
  return -1;
}

int kb_merge_into(kernel_builder *kb, int twin) {
  /* The function first, then globals once nothing uses them (the checked lowering's access
   * records refer to the kernel's strings). */
  LLVMDeleteFunction(kb->k.function);
  kb->k.function = NULL;
  for (int deleted = 1; deleted;) {
    deleted = 0;
    LLVMValueRef next;
    for (LLVMValueRef g = LLVMGetFirstGlobal(kb->module); g; g = next) {
      next = LLVMGetNextGlobal(g);
      if (owned_global(kb, g) && !LLVMGetFirstUse(g)) {
        LLVMDeleteGlobal(g);
        deleted = 1;
      }
    }
  }
  kb_alias *grown =
      kb_grow(kb, kb->aliases, &kb->alias_capacity, kb->alias_count + 1, sizeof *grown);
  if (!grown)
    return kb_fail(kb, "out of memory");
  kb->aliases = grown;
  kb->aliases[kb->alias_count++] = (kb_alias){.name = kb->k.info.name, .kernel = twin};
  return kb_index_add(kb, &kb->names, kb->k.info.name, twin) == 0 ? 0
                                                                 : kb_fail(kb, "out of memory");
}
