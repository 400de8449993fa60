/* Loading, optimizing and verifying a model for the commands that lower it. */
#include "tools/dlcc/model_prepare.h"

#include "ir/verify.h"
#include "passes/pass.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/model_load.h"

static void record_stage(cli_stages *stages, const char *name, const ir_graph *graph) {
  if (!stages || stages->count == (int)(sizeof(stages->names) / sizeof(stages->names[0])))
    return;
  int nodes = 0;
  for (const ir_node *node = graph->body.first; node; node = node->next)
    nodes++;
  stages->names[stages->count] = name;
  stages->nodes[stages->count++] = nodes;
}

/* The -O pipeline pass by pass (so each stage's size is seen), then every level gives
 * constant outputs their own buffers (the compiled model fills each output) and plans memory
 * over the final graph. */
int cli_optimize_model(const char *path, int opt_level, dl_precision precision, ir_graph *graph,
                       cli_stages *stages, dl_diag *diag) {
  dl_pipeline pipeline;
  int status = dl_pipeline_for_level(opt_level, &pipeline, diag);
  if (status == 0)
    status = dl_pipeline_add_precision(&pipeline, precision, diag);
  record_stage(stages, "import", graph);
  for (int i = 0; status == 0 && i < pipeline.count; i++) {
    dl_pipeline one = {.passes = {pipeline.passes[i]}, .count = 1};
    status = dl_pipeline_run(&one, graph, NULL, diag);
    record_stage(stages, pipeline.passes[i]->name, graph);
  }
  if (status == 0)
    status = dl_pass_materialize_outputs(graph, diag);
  record_stage(stages, "materialize-outputs", graph);
  if (status == 0)
    status = dl_pass_plan_memory(graph, diag);
  if (status != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: optimization failed", path);
  if (ir_verify_graph(graph, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: the graph does not verify", path);
  return CLI_EXIT_OK;
}

int cli_prepare_model_with(const char *path, const cli_model_source *source, int opt_level,
                           dl_precision precision, cli_graph_transform transform, void *context,
                           cli_stages *stages, dl_diag *diag, ir_graph **out) {
  *out = NULL;
  ir_graph *graph = cli_load_model(path, source, diag);
  if (!graph)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot load model '%s'", path);
  int exit_code = transform && transform(graph, context, diag) != 0
                      ? cli_fail(CLI_EXIT_BAD_INPUT, diag, "%s: cannot transform the model", path)
                      : cli_optimize_model(path, opt_level, precision, graph, stages, diag);
  if (exit_code != CLI_EXIT_OK) {
    ir_graph_destroy(graph);
    return exit_code;
  }
  *out = graph;
  return CLI_EXIT_OK;
}

int cli_prepare_model(const char *path, const cli_model_source *source, int opt_level,
                      dl_precision precision, cli_stages *stages, dl_diag *diag, ir_graph **out) {
  return cli_prepare_model_with(path, source, opt_level, precision, NULL, NULL, stages, diag, out);
}
