/* Loading, optimizing and verifying a model for the commands that lower it. */
#include "tools/dlcc/model_prepare.h"

#include "ir/verify.h"
#include "passes/pass.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/model_load.h"

static int optimize(const char *path, int opt_level, ir_graph *graph, dl_diag *diag) {
  dl_pipeline pipeline;
  /* Every level ends giving constant outputs their own buffers: the compiled model fills
   * each output. */
  if (dl_pipeline_for_level(opt_level, &pipeline, diag) != 0 ||
      dl_pipeline_run(&pipeline, graph, NULL, diag) != 0 ||
      dl_pass_materialize_outputs(graph, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: optimization failed", path);
  if (ir_verify_graph(graph, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: the graph does not verify", path);
  return CLI_EXIT_OK;
}

int cli_prepare_model(const char *path, const cli_model_source *source, int opt_level,
                      dl_diag *diag, ir_graph **out) {
  *out = NULL;
  ir_graph *graph = cli_load_model(path, source, diag);
  if (!graph)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot load model '%s'", path);
  int exit_code = optimize(path, opt_level, graph, diag);
  if (exit_code != CLI_EXIT_OK) {
    ir_graph_destroy(graph);
    return exit_code;
  }
  *out = graph;
  return CLI_EXIT_OK;
}
