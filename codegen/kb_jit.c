/* In-process JIT of host twins with LLVM ORC (LLJIT): the host objects (one per code
 * generation part), linked in memory, so tests and `dlcc run` can call NAME__host directly. */
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/kb_internal.h"

struct kb_jit {
  LLVMOrcLLJITRef jit;
  dl_diag *diag;
  int object_count;
};

static int jit_error(dl_diag *diag, LLVMErrorRef error, const char *what) {
  char *text = LLVMGetErrorMessage(error);
  dl_error(diag, "kernel JIT: %s: %s", what, text ? text : "(no message)");
  LLVMDisposeErrorMessage(text);
  return -1;
}

static int add_objects(kb_jit *jit, char **objects, const size_t *sizes, int count) {
  LLVMOrcJITDylibRef library = LLVMOrcLLJITGetMainJITDylib(jit->jit);
  LLVMOrcDefinitionGeneratorRef generator = NULL;
  /* Resolves what LLVM may call on its own (memset, memcpy) from this process. */
  LLVMErrorRef error = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
      &generator, LLVMOrcLLJITGetGlobalPrefix(jit->jit), NULL, NULL);
  if (error)
    return jit_error(jit->diag, error, "process symbol generator");
  LLVMOrcJITDylibAddGenerator(library, generator);
  for (int i = 0; i < count; i++) {
    LLVMMemoryBufferRef buffer =
        LLVMCreateMemoryBufferWithMemoryRangeCopy(objects[i], sizes[i], "dlcc-host-kernels");
    error = LLVMOrcLLJITAddObjectFile(jit->jit, library, buffer);
    if (error) /* e.g. a symbol defined by two objects */
      return jit_error(jit->diag, error, "adding a host object");
    jit->object_count++;
  }
  return 0;
}

kb_jit *kb_jit_create(kernel_builder *kb, dl_diag *diag) {
  if (kb->kind != KB_TARGET_HOST) {
    dl_error(diag, "kernel JIT: the builder targets NVPTX; JIT needs the host lowering");
    return NULL;
  }
  char **objects = NULL;
  size_t *sizes = NULL;
  int count = 0;
  if (kb_emit_host_objects(kb, &objects, &sizes, &count) != 0)
    return NULL;
  kb_jit *jit = calloc(1, sizeof *jit);
  int status = jit ? 0 : dl_error(diag, "kernel JIT: out of memory");
  if (jit) {
    jit->diag = diag;
    LLVMErrorRef error = LLVMOrcCreateLLJIT(&jit->jit, LLVMOrcCreateLLJITBuilder());
    status =
        error ? jit_error(diag, error, "creating LLJIT") : add_objects(jit, objects, sizes, count);
  }
  kb_free_outputs(objects, count);
  free(objects);
  free(sizes);
  if (status != 0) {
    kb_jit_destroy(jit);
    return NULL;
  }
  return jit;
}

int kb_jit_object_count(const kb_jit *jit) { return jit->object_count; }

dlrt_host_block_fn kb_jit_lookup(kb_jit *jit, const char *name) {
  char symbol[512];
  snprintf(symbol, sizeof symbol, "%s__host", name);
  LLVMOrcExecutorAddress address = 0;
  LLVMErrorRef error = LLVMOrcLLJITLookup(jit->jit, &address, symbol);
  if (error) {
    jit_error(jit->diag, error, symbol);
    return NULL;
  }
  dlrt_host_block_fn function = NULL;
  /* An executor address is the function's address in this process. */
  memcpy(&function, &(void *){(void *)(uintptr_t)address}, sizeof function);
  return function;
}

void kb_jit_destroy(kb_jit *jit) {
  if (!jit)
    return;
  if (jit->jit) {
    LLVMErrorRef error = LLVMOrcDisposeLLJIT(jit->jit);
    if (error)
      jit_error(jit->diag, error, "disposing LLJIT");
  }
  free(jit);
}
