/* plan-memory: fixes where every activation lives. The schedule is the body order; each arena
 * value (graph inputs, outputs of top-level nodes) gets a 256-byte aligned offset into one
 * arena, an elementwise kernel's output taking the bytes of an input that dies there
 * (ir/memory_plan.h). The offsets are recorded in the IR (`%x: f32[4] @arena[256]`), so the
 * pass runs after every pass that adds or moves nodes. A graph with symbolic shapes is left
 * unplanned: it cannot be compiled before its dims are known. */
#include "passes/pass.h"

#include "ir/memory_plan.h"

static bool has_static_buffers(const ir_graph *graph) {
  for (int i = 0; i < graph->body.num_params; i++)
    if (!ir_type_is_static(&graph->body.params[i]->type))
      return false;
  for (ir_node *node = graph->body.first; node; node = node->next)
    for (int i = 0; i < node->num_outputs; i++)
      if (!ir_type_is_static(&node->outputs[i]->type))
        return false;
  return true;
}

int dl_pass_plan_memory(ir_graph *graph, dl_diag *diag) {
  if (!has_static_buffers(graph))
    return 0;
  ir_memory_plan plan;
  if (ir_memory_plan_build(graph, NULL, &plan, diag) != 0)
    return -1;
  ir_memory_plan_record(&plan, graph);
  ir_memory_plan_deinit(&plan);
  return 0;
}
