/* Options of `dlcc run`. */
#ifndef DLCC_TOOLS_RUN_OPTIONS_H
#define DLCC_TOOLS_RUN_OPTIONS_H

#include <stdbool.h>

#include "passes/pass.h"
#include "tools/dlcc/model_source.h"

enum { RUN_MAX_BINDINGS = 64 };

typedef enum run_device { RUN_DEVICE_AUTO, RUN_DEVICE_HOST, RUN_DEVICE_CUDA } run_device;

typedef struct run_options {
  const char *model_path;
  run_device device;
  int opt_level;             /* default 2 */
  dl_precision precision;    /* --precision: f32 (default), f16, bf16 */
  const char *target;        /* PTX target for the cuda device, default sm_80 */
  const char *output_dir;    /* NULL: outputs are summarized, not written */
  const char *inputs[RUN_MAX_BINDINGS]; /* NAME=FILE */
  int num_inputs;
  cli_model_source source; /* --dim, --bind; its run_inputs are `inputs` */
  unsigned seed;    /* random inputs */
  int threads;      /* host device worker threads, 0: all cores */
  int repeat;       /* runs to time, default 1 */
  bool quiet;
  bool profile; /* time every launch and print a per-kernel table */
  bool sanitize; /* checked host twins under libdlrt's sanitizer */
  bool check_indices; /* out-of-range indices fail the run, naming the node */
  bool help;
} run_options;

int run_options_parse(int argc, char **argv, run_options *out);

#endif
