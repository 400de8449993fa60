/* Options of `dlcc compile`. */
#ifndef DLCC_TOOLS_COMPILE_OPTIONS_H
#define DLCC_TOOLS_COMPILE_OPTIONS_H

#include <stdbool.h>

#include "passes/pass.h"
#include "tools/dlcc/model_source.h"
#include "tools/dlcc/train_options.h"

enum { COMPILE_MAX_TARGETS = 8 };

/* What --emit writes. */
typedef enum compile_emit {
  COMPILE_EMIT_BUNDLE, /* the default: OUT.o, OUT.h, OUT.json (and OUT.weights) */
  COMPILE_EMIT_PTX,
  COMPILE_EMIT_LLVM,
  COMPILE_EMIT_IR,
  COMPILE_EMIT_ONNX, /* the optimized graph as ONNX, groups as functions of the dlcc domain */
} compile_emit;

typedef struct compile_options {
  const char *model_path;
  const char *output_path; /* "-": standard output */
  compile_emit emit;
  /* The first target: "sm_75".."sm_90", or NULL for the host (portable x86-64). */
  const char *target;
  /* Every --target (a comma-separated list, bundles only): the GPU ones, and host. */
  const char *gpu_targets[COMPILE_MAX_TARGETS];
  int num_gpu_targets;
  bool host_target;
  const char *target_names[COMPILE_MAX_TARGETS + 1]; /* as given, in order */
  int num_targets;
  bool separate_weights; /* --weights=separate */
  const char *name;                   /* NULL: the graph's name */
  int opt_level;                      /* default 2 */
  dl_precision precision;             /* --precision: f32 (default), f16, bf16 */
  cli_model_source source; /* --dim, --bind */
  bool stats;
  bool cubin; /* --cubin: bundles carry ptxas's cubin of each GPU target beside its PTX */
  bool check_indices; /* --check-indices: out-of-range indices fail the run */
  const char *report_path; /* --report=FILE.json */
  /* --train: the program is one training step (bundles get NAME_train_step); `training`
   * holds its loss, optimizer and schedule options (dlcc train's spelling). */
  bool train;
  train_options training;
  const char *training_option; /* the first training option given (refused without --train) */
  bool help;
} compile_options;

/* Parses argv[1..argc); on a bad option or combination reports it and returns -1. */
int compile_options_parse(int argc, char **argv, compile_options *out);
const char *compile_emit_name(compile_emit emit);

#endif
