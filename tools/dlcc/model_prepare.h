/* The graph that `dlcc run` and `dlcc compile` lower: a model loaded by its extension,
 * optimized by the -O pipeline and verified. */
#ifndef DLCC_TOOLS_MODEL_PREPARE_H
#define DLCC_TOOLS_MODEL_PREPARE_H

#include "ir/diag.h"
#include "ir/graph.h"
#include "passes/pass.h"
#include "tools/dlcc/model_source.h"

/* Loads `path` (cli_load_model with `source`), runs the pipeline of -O`opt_level` (with the
 * pass of `precision`) and verifies the result. On failure reports it as "dlcc: error: ..."
 * with every message of `diag` and returns CLI_EXIT_BAD_INPUT with *out NULL; else
 * CLI_EXIT_OK. */
/* The graph's nodes (top level: a group counts once) after each stage of the preparation. */
typedef struct cli_stages {
  int count;
  const char *names[DL_PIPELINE_MAX_PASSES + 2]; /* "import", each pass, "materialize-outputs" */
  int nodes[DL_PIPELINE_MAX_PASSES + 2];
} cli_stages;

/* `stages` (may be NULL) gets the node count after each stage. */
int cli_prepare_model(const char *path, const cli_model_source *source, int opt_level,
                      dl_precision precision, cli_stages *stages, dl_diag *diag, ir_graph **out);

/* cli_prepare_model with `transform` (NULL: none) applied to the loaded graph before the
 * pipeline (`dlcc compile --train` builds the training step there); a transform returns 0, or
 * -1 with messages in diag. */
typedef int (*cli_graph_transform)(ir_graph *graph, void *context, dl_diag *diag);
int cli_prepare_model_with(const char *path, const cli_model_source *source, int opt_level,
                           dl_precision precision, cli_graph_transform transform, void *context,
                           cli_stages *stages, dl_diag *diag, ir_graph **out);

/* The second half of cli_prepare_model, for a graph the command changed after loading it
 * (`dlcc train` builds its step first): the -O pipeline, materialized outputs, the memory
 * plan and the verifier. CLI_EXIT_OK, or CLI_EXIT_BAD_INPUT after reporting. */
int cli_optimize_model(const char *path, int opt_level, dl_precision precision, ir_graph *graph,
                       cli_stages *stages, dl_diag *diag);

#endif
