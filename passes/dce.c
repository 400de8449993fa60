/* Pass dce: dead code elimination. Removes nodes none of whose outputs is used (walking each
 * region backwards so whole dead chains go in one run) and constants nobody uses. Every op
 * of the IR is pure, so an unused result means the node can go. */
#include <stdlib.h>

#include "passes/pass.h"
#include "passes/rewrite.h"

static bool outputs_unused(const ir_node *node, const int *uses) {
  for (int i = 0; i < node->num_outputs; i++)
    if (uses[node->outputs[i]->id] > 0)
      return false;
  return true;
}

/* A removed node no longer uses its inputs (nor does its body use anything). */
static void forget_uses(const ir_node *node, int *uses) {
  for (int i = 0; i < node->num_inputs; i++)
    if (node->inputs[i])
      uses[node->inputs[i]->id]--;
  if (!node->body)
    return;
  for (int i = 0; i < node->body->num_results; i++)
    uses[node->body->results[i]->id]--;
  for (const ir_node *inner = node->body->first; inner; inner = inner->next)
    forget_uses(inner, uses);
}

static void sweep_region(ir_region *region, int *uses) {
  ir_node *node = region->last;
  while (node) {
    ir_node *previous = node->prev;
    if (outputs_unused(node, uses)) {
      forget_uses(node, uses);
      ir_region_remove(region, node);
    } else if (node->body) {
      sweep_region(node->body, uses);
    }
    node = previous;
  }
}

static void sweep_constants(ir_graph *graph, const int *uses) {
  int kept = 0;
  for (int i = 0; i < graph->num_constants; i++)
    if (uses[graph->constants[i]->id] > 0)
      graph->constants[kept++] = graph->constants[i];
  graph->num_constants = kept;
}

int dl_pass_dce(ir_graph *graph, dl_diag *diag) {
  int *uses = dl_count_uses(graph);
  if (!uses)
    return dl_error(diag, "out of memory while counting value uses");
  sweep_region(&graph->body, uses);
  sweep_constants(graph, uses);
  free(uses);
  return 0;
}
