/* Error reporting of the dlcc driver, in the GCC/clang style "dlcc: error: ...". */
#include <stdarg.h>

#include "tools/dlcc/cli.h"

int cli_fail(int exit_code, const dl_diag *diag, const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("dlcc: error: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  if (diag)
    dl_diag_print(diag, stderr);
  return exit_code;
}
