/* What a command loads as its model: the file, and the values that fix its free parts —
 * `--dim NAME=VALUE` (symbolic dimensions of an ONNX model) and `--bind NAME=FILE` (graph
 * inputs whose values are fixed at compile time, so that the shapes they decide are known). */
#ifndef DLCC_TOOLS_MODEL_SOURCE_H
#define DLCC_TOOLS_MODEL_SOURCE_H

#include <stdbool.h>

enum { CLI_MAX_MODEL_VALUES = 64 };

typedef struct cli_model_source {
  const char *dims[CLI_MAX_MODEL_VALUES]; /* --dim NAME=VALUE, in order */
  int num_dims;
  const char *binds[CLI_MAX_MODEL_VALUES]; /* --bind NAME=FILE, in order */
  int num_binds;
  /* `dlcc run`'s --input NAME=FILE list: a graph input that decides shapes and has data
   * here is bound to it (said on stderr unless quiet). NULL for the other commands. */
  const char *const *run_inputs;
  int num_run_inputs;
  bool quiet;
  bool inference; /* Dropout off whatever its training_mode (dl_onnx_options.inference) */
} cli_model_source;

/* Takes --dim or --bind at argv[*index] for `command`: 1 when taken, 0 when it is another
 * option, -1 after reporting a bad one. */
int cli_model_source_option(const char *command, int argc, char **argv, int *index,
                            cli_model_source *out);

#endif
