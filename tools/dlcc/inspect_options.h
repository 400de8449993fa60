/* Options of `dlcc inspect`, parsed from argv in the GCC/clang style. */
#ifndef DLCC_TOOLS_INSPECT_OPTIONS_H
#define DLCC_TOOLS_INSPECT_OPTIONS_H

#include <stdbool.h>

#include "passes/pass.h"
#include "tools/dlcc/model_source.h"


typedef enum inspect_format {
  INSPECT_FORMAT_TEXT,
  INSPECT_FORMAT_DOT,
  INSPECT_FORMAT_JSON
} inspect_format;

typedef struct inspect_options {
  const char *model_path;
  const char *output_path; /* NULL: stdout */
  inspect_format format;
  int opt_level;         /* -O0 (default for inspect: show the model as imported) .. -O3 */
  dl_precision precision; /* --precision: f32 (default), f16, bf16 */
  const char *pass_list; /* --passes=a,b (replaces the -O pipeline); NULL: none given */
  const char *print_ir_after;
  bool elide_constants;
  bool verify_each;
  bool time_passes;
  bool stats;
  bool help;
  cli_model_source source; /* --dim, --bind */
} inspect_options;

/* Parses argv[1..argc) (argv[0] is the command name). On a bad option writes the error
 * message to stderr and returns -1. */
int inspect_options_parse(int argc, char **argv, inspect_options *out);

#endif
