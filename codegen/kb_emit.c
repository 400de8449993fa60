/* Module verification, optimization (new pass manager) and emission of LLVM IR, PTX text
 * and host object files into memory. */
#include <llvm-c/Analysis.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/kb_internal.h"

static int verify(kernel_builder *kb) {
  char *message = NULL;
  int broken = LLVMVerifyModule(kb->module, LLVMReturnStatusAction, &message);
  int status =
      broken ? kb_fail(kb, "invalid LLVM IR (a kernel definition bug): %s", message ? message : "")
             : 0;
  LLVMDisposeMessage(message);
  return status;
}

int kb_close_module(kernel_builder *kb) {
  if (kb->closed)
    return kb->failed ? -1 : 0;
  if (kb->in_kernel)
    return kb_fail(kb, "kb_finish while kernel '%s' is still open", kb->k.info.name);
  if (kb->failed)
    return -1;
  /* Verify before any pass or backend runs: invalid IR would make LLVM abort. */
  if (verify(kb) != 0)
    return -1;
  kb->closed = 1;
  return 0;
}

int kb_optimize_module(kernel_builder *kb) {
  char pipeline[32];
  snprintf(pipeline, sizeof pipeline, "default<O%d>", kb->opt_level);
  LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
  LLVMPassBuilderOptionsSetLoopVectorization(options, kb->opt_level >= 2);
  LLVMPassBuilderOptionsSetSLPVectorization(options, kb->opt_level >= 2);
  LLVMPassBuilderOptionsSetLoopUnrolling(options, kb->opt_level >= 2);
  LLVMErrorRef error = LLVMRunPasses(kb->module, pipeline, kb->machine, options);
  LLVMDisposePassBuilderOptions(options);
  if (kb_llvm_error(kb, error, "LLVM optimization pipeline") != 0)
    return -1;
  return kb->failed ? -1 : verify(kb);
}

int kb_finish(kernel_builder *kb) {
  if (kb->finished)
    return kb->failed ? -1 : 0;
  if (kb_close_module(kb) != 0)
    return -1;
  kb->finished = 1;
  return kb_optimize_module(kb);
}

static int copy_out(kernel_builder *kb, const char *data, size_t size, char **out,
                    size_t *out_size) {
  char *copy = malloc(size + 1);
  if (!copy)
    return kb_fail(kb, "out of memory copying %zu bytes of output", size);
  memcpy(copy, data, size);
  copy[size] = '\0';
  *out = copy;
  if (out_size)
    *out_size = size;
  return 0;
}

int kb_emit_llvm_ir(kernel_builder *kb, char **out, size_t *out_size) {
  *out = NULL;
  if (kb_finish(kb) != 0)
    return -1;
  char *text = LLVMPrintModuleToString(kb->module);
  int status = copy_out(kb, text, strlen(text), out, out_size);
  LLVMDisposeMessage(text);
  return status;
}

static int emit_here(kernel_builder *kb, LLVMCodeGenFileType type, char **out, size_t *out_size) {
  char *message = NULL;
  LLVMMemoryBufferRef buffer = NULL;
  if (LLVMTargetMachineEmitToMemoryBuffer(kb->machine, kb->module, type, &message, &buffer)) {
    int status = kb_fail(kb, "LLVM code generation failed: %s", message ? message : "");
    LLVMDisposeMessage(message);
    return status;
  }
  int status = kb->failed ? -1
                          : copy_out(kb, LLVMGetBufferStart(buffer), LLVMGetBufferSize(buffer), out,
                                     out_size);
  LLVMDisposeMemoryBuffer(buffer);
  return status;
}

int kb_emit_object_here(kernel_builder *kb, char **out, size_t *out_size) {
  return emit_here(kb, LLVMObjectFile, out, out_size);
}

static int emit_in_this_process(kernel_builder *kb, void *context, char **out, size_t *out_size) {
  return emit_here(kb, *(LLVMCodeGenFileType *)context, out, out_size);
}

static int emit_file(kernel_builder *kb, LLVMCodeGenFileType type, char **out, size_t *out_size) {
  *out = NULL;
  if (kb_finish(kb) != 0)
    return -1;
  return kb_run_isolated(kb, emit_in_this_process, &type, out, out_size);
}

int kb_emit_ptx(kernel_builder *kb, char **out, size_t *out_size) {
  if (kb->kind != KB_TARGET_NVPTX) {
    *out = NULL;
    return kb_fail(kb, "kb_emit_ptx needs a builder for an NVPTX target");
  }
  return emit_file(kb, LLVMAssemblyFile, out, out_size);
}

int kb_emit_object(kernel_builder *kb, char **out, size_t *out_size) {
  if (kb->kind != KB_TARGET_HOST) {
    *out = NULL;
    return kb_fail(kb, "kb_emit_object needs a builder for the host target");
  }
  return emit_file(kb, LLVMObjectFile, out, out_size);
}
