/* In-process JIT of host twins with LLVM ORC (LLJIT): the host object, linked in memory, so
 * tests and `dlcc run` can call NAME__host directly. */
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/kb_internal.h"

struct kb_jit {
  LLVMOrcLLJITRef jit;
  dl_diag *diag;
};

static int jit_error(dl_diag *diag, LLVMErrorRef error, const char *what) {
  char *text = LLVMGetErrorMessage(error);
  dl_error(diag, "kernel JIT: %s: %s", what, text ? text : "(no message)");
  LLVMDisposeErrorMessage(text);
  return -1;
}

static int add_object(kb_jit *jit, const char *object, size_t size) {
  LLVMOrcJITDylibRef library = LLVMOrcLLJITGetMainJITDylib(jit->jit);
  LLVMOrcDefinitionGeneratorRef generator = NULL;
  /* Resolves what LLVM may call on its own (memset, memcpy) from this process. */
  LLVMErrorRef error = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
      &generator, LLVMOrcLLJITGetGlobalPrefix(jit->jit), NULL, NULL);
  if (error)
    return jit_error(jit->diag, error, "process symbol generator");
  LLVMOrcJITDylibAddGenerator(library, generator);
  LLVMMemoryBufferRef buffer =
      LLVMCreateMemoryBufferWithMemoryRangeCopy(object, size, "dlcc-host-kernels");
  error = LLVMOrcLLJITAddObjectFile(jit->jit, library, buffer);
  if (error)
    return jit_error(jit->diag, error, "adding the host object");
  return 0;
}

kb_jit *kb_jit_create(kernel_builder *kb, dl_diag *diag) {
  if (kb->kind != KB_TARGET_HOST) {
    dl_error(diag, "kernel JIT: the builder targets NVPTX; JIT needs the host lowering");
    return NULL;
  }
  char *object = NULL;
  size_t size = 0;
  if (kb_emit_object(kb, &object, &size) != 0)
    return NULL;
  kb_jit *jit = calloc(1, sizeof *jit);
  if (!jit) {
    free(object);
    dl_error(diag, "kernel JIT: out of memory");
    return NULL;
  }
  jit->diag = diag;
  LLVMErrorRef error = LLVMOrcCreateLLJIT(&jit->jit, LLVMOrcCreateLLJITBuilder());
  int status = error ? jit_error(diag, error, "creating LLJIT") : add_object(jit, object, size);
  free(object);
  if (status != 0) {
    kb_jit_destroy(jit);
    return NULL;
  }
  return jit;
}

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
