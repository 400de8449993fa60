/* LLVM diagnostics and errors routed into dl_diag: LLVM must never print or exit for us. */
#include <llvm-c/Error.h>

#include "codegen/kb_internal.h"

static void on_diagnostic(LLVMDiagnosticInfoRef info, void *context) {
  kernel_builder *kb = context;
  LLVMDiagnosticSeverity severity = LLVMGetDiagInfoSeverity(info);
  if (severity != LLVMDSError)
    return; /* warnings, remarks and notes are not failures */
  char *text = LLVMGetDiagInfoDescription(info);
  kb->failed = 1;
  kb->error_count++;
  dl_error(kb->diag, "kernel builder: LLVM error: %s", text ? text : "(no description)");
  LLVMDisposeMessage(text);
}

void kb_install_diagnostics(kernel_builder *kb) {
  LLVMContextSetDiagnosticHandler(kb->context, on_diagnostic, kb);
}

int kb_llvm_error(kernel_builder *kb, LLVMErrorRef error, const char *what) {
  if (!error)
    return 0;
  char *text = LLVMGetErrorMessage(error);
  int status = kb_fail(kb, "%s: %s", what, text ? text : "(no message)");
  LLVMDisposeErrorMessage(text);
  return status;
}
