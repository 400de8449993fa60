/* In-place reuse: when an elementwise kernel may write an output over the bytes of an input
 * that dies at it. Each thread of such a kernel reads the elements of one index and then
 * writes the outputs' elements at that index, so an input read at the output's own dims and
 * element size is never read again after its bytes are overwritten. */
#include "ir/memory_plan.h"

#include <stddef.h>

#include "ir/type.h"

const ir_value *ir_buffer_root(const ir_value *value) {
  while (value && value->kind == IR_VALUE_RESULT && value->producer &&
         ir_op_category_of(value->producer->op) == IR_OP_CATEGORY_VIEW &&
         value->producer->num_inputs > 0)
    value = value->producer->inputs[0];
  return value;
}

/* A read of `value` as the output's elements: same dims, same element size, not packed. */
static bool reads_at_output_index(const ir_value *value, const ir_value *output) {
  return ir_type_same_dims(&value->type, &output->type) &&
         !ir_dtype_is_packed(value->type.dtype) &&
         ir_dtype_size(value->type.dtype) == ir_dtype_size(output->type.dtype);
}

/* Whether every input of `reader` whose bytes are `root`'s (or, inside the group, that is a
 * parameter bound to such an input) is read at the output's index. */
static bool reads_root_at_output_index(const ir_node *group, const ir_node *reader,
                                       const ir_value *root, const ir_value *output) {
  for (int i = 0; i < reader->num_inputs; i++) {
    const ir_value *input = reader->inputs[i];
    if (!input)
      continue;
    const ir_value *source = input;
    if (group && input->kind == IR_VALUE_PARAM && input->region == group->body) {
      for (int p = 0; p < group->body->num_params; p++)
        if (group->body->params[p] == input && p < group->num_inputs)
          source = group->inputs[p];
    }
    if (ir_buffer_root(source) == root && !reads_at_output_index(input, output))
      return false;
  }
  return true;
}

/* ir_node_may_write_in_place without the condition on what `root` is. */
static bool may_write_over(const ir_node *node, const ir_value *root, const ir_value *output,
                           const char **why_not) {
  bool group = node->op == IR_OP_GROUP && node->body;
  if (!group && !ir_op_may_write_in_place(node->op)) {
    *why_not = "the node is not an elementwise kernel";
    return false;
  }
  for (const ir_node *inner = group ? node->body->first : NULL; inner; inner = inner->next)
    if (!ir_op_may_write_in_place(inner->op) || inner->body) {
      *why_not = "the group holds an op that is not elementwise";
      return false;
    }
  for (int i = 0; i < node->num_outputs; i++)
    if (!ir_type_same_dims(&node->outputs[i]->type, &output->type) ||
        ir_dtype_is_packed(node->outputs[i]->type.dtype)) {
      *why_not = "the node's outputs differ in shape or are packed";
      return false;
    }
  bool reads = false;
  for (int i = 0; i < node->num_inputs; i++)
    reads |= node->inputs[i] && ir_buffer_root(node->inputs[i]) == root;
  bool ok = reads && reads_root_at_output_index(NULL, node, root, output);
  for (const ir_node *inner = group ? node->body->first : NULL; ok && inner; inner = inner->next)
    ok = reads_root_at_output_index(node, inner, root, output);
  if (!ok) {
    *why_not = reads ? "the input is broadcast or differs in element size from the output"
                     : "the node does not read the input";
    return false;
  }
  return true;
}

bool ir_node_may_write_in_place(const ir_node *node, const ir_value *root, const ir_value *output,
                                const char **why_not) {
  const char *unused;
  if (!why_not)
    why_not = &unused;
  if (!root || root->kind != IR_VALUE_RESULT) {
    *why_not = "only a node's output may be overwritten (not a graph input or a constant)";
    return false;
  }
  return may_write_over(node, root, output, why_not);
}

/* Whether `node` (or a node of its body) reads `root`'s bytes. */
static bool reads_root(const ir_node *node, const ir_value *root) {
  for (int i = 0; i < node->num_inputs; i++)
    if (node->inputs[i] && ir_buffer_root(node->inputs[i]) == root)
      return true;
  for (const ir_node *inner = node->body ? node->body->first : NULL; inner; inner = inner->next)
    if (reads_root(inner, root))
      return true;
  return false;
}

static bool is_graph_output(const ir_graph *graph, const ir_value *value) {
  for (int i = 0; i < graph->body.num_results; i++)
    if (ir_buffer_root(graph->body.results[i]) == value)
      return true;
  return false;
}

bool ir_state_update_in_place(const ir_graph *graph, const ir_value *state, const ir_value *value) {
  const ir_node *producer = value->kind == IR_VALUE_RESULT ? value->producer : NULL;
  if (!producer || producer->parent != &graph->body || ir_buffer_root(value) != value ||
      ir_op_category_of(producer->op) == IR_OP_CATEGORY_VIEW || is_graph_output(graph, value))
    return false;
  /* A producer that reads the state must read it where it writes (an elementwise kernel);
   * one that does not read it (a gradient's contraction ending in the optimizer's update)
   * overwrites nothing it still needs. */
  const char *why_not;
  if (reads_root(producer, state) && !may_write_over(producer, state, value, &why_not))
    return false;
  for (const ir_node *later = producer->next; later; later = later->next)
    if (reads_root(later, state))
      return false;
  return true;
}
