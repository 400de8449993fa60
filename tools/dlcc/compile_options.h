/* Options of `dlcc compile`. */
#ifndef DLCC_TOOLS_COMPILE_OPTIONS_H
#define DLCC_TOOLS_COMPILE_OPTIONS_H

#include <stdbool.h>

enum { COMPILE_MAX_DIMS = 64 };

/* What --emit writes. Bundles and cubins are parsed so that asking for them gets a clear
 * "not implemented yet" rather than "unknown". */
typedef enum compile_emit {
  COMPILE_EMIT_NONE, /* not given: an error while the bundle, the natural default, is missing */
  COMPILE_EMIT_PTX,
  COMPILE_EMIT_LLVM,
  COMPILE_EMIT_IR,
} compile_emit;

typedef struct compile_options {
  const char *model_path;
  const char *output_path; /* "-": standard output */
  compile_emit emit;
  const char *target;                 /* "sm_75".."sm_90", or NULL for the host (portable x86-64) */
  const char *name;                   /* NULL: the graph's name */
  int opt_level;                      /* default 2 */
  const char *dims[COMPILE_MAX_DIMS]; /* NAME=VALUE */
  int num_dims;
  bool stats;
  const char *report_path; /* --report=FILE.json */
  bool help;
} compile_options;

/* Parses argv[1..argc); on a bad option or combination reports it and returns -1. */
int compile_options_parse(int argc, char **argv, compile_options *out);
const char *compile_emit_name(compile_emit emit);

#endif
