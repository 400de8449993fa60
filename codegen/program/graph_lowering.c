/* Lowering a whole graph into one kernel builder, and printing the module as LLVM IR. */
#include "codegen/program/graph_lowering.h"

#include <stdlib.h>

kb_target_options dl_graph_target(const dl_compile_options *options, const char *sm) {
  return (kb_target_options){.kind = sm ? KB_TARGET_NVPTX : KB_TARGET_HOST,
                             .sm = sm,
                             .host_cpu = sm ? NULL : options->host_cpu,
                             .opt_level = options->opt_level,
                             .merge_identical = true,
                             .sanitize = !sm && options->sanitize};
}

int dl_graph_lowering_build(const ir_graph *graph, const dl_compile_options *options,
                            const char *sm, dl_graph_lowering *out, dl_diag *diag) {
  *out = (dl_graph_lowering){0};
  for (ir_node *node = graph->body.first; node; node = node->next)
    out->node_count++;
  kb_target_options target = dl_graph_target(options, sm);
  const char *prefix = options->name ? options->name : "main";
  if (dl_state_copies_build(graph, &out->updates, diag) != 0)
    return -1;
  out->kb = kb_create(&target, prefix, diag);
  out->results =
      calloc((size_t)(out->node_count + out->updates.count) + 1, sizeof(lower_result));
  if (!out->kb || !out->results)
    return dl_error(diag, "cannot create a kernel builder");
  lower_context context = {.kb = out->kb,
                           .graph = graph,
                           .kernel_prefix = prefix,
                           .diag = diag,
                           .check_indices = options->check_indices};
  int failed = 0, position = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, position++)
    if (lower_node(&context, node, &out->results[position]) != 0)
      failed = 1; /* keep going: report every node that cannot be lowered */
  for (int i = 0; i < out->updates.count; i++)
    if (lower_node(&context, &out->updates.nodes[i], &out->results[out->node_count + i]) != 0)
      failed = 1;
  return failed || kb_failed(out->kb) ? -1 : 0;
}

void dl_graph_lowering_deinit(dl_graph_lowering *lowering) {
  if (lowering->kb)
    kb_destroy(lowering->kb);
  free(lowering->results);
  dl_state_copies_deinit(&lowering->updates);
  *lowering = (dl_graph_lowering){0};
}

int dl_compile_llvm_ir(const ir_graph *graph, const dl_compile_options *options, const char *sm,
                       char **out, size_t *out_size, dl_diag *diag) {
  *out = NULL;
  dl_graph_lowering lowering;
  int status = dl_graph_lowering_build(graph, options, sm, &lowering, diag);
  if (status == 0)
    status = kb_emit_llvm_ir(lowering.kb, out, out_size);
  dl_graph_lowering_deinit(&lowering);
  return status;
}
