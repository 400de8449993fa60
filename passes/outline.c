/* Outlining: moves a set of nodes of the graph body into a new dl.group node. The group
 * reads the outside values its members use (constants stay references), yields the member
 * values used after it, and takes the place of the last member; the values it yields keep
 * their names, so graph outputs and later nodes are untouched. */
#include "passes/outline.h"

#include <stdlib.h>
#include <string.h>

#include "ir/array.h"
#include "ir/infer.h"
#include "passes/rewrite.h"

typedef struct outline {
  ir_graph *graph;
  bool *member;       /* by node id */
  ir_value **params;  /* outside values read, in first-use order */
  int param_count;
  size_t param_capacity;
  ir_value **results; /* member values used outside the group */
  int result_count;
  size_t result_capacity;
} outline;

static bool is_member(const outline *o, const ir_node *node) {
  return node && node->id < o->graph->num_nodes && o->member[node->id];
}

static int index_of(ir_value *const *values, int count, const ir_value *value) {
  for (int i = 0; i < count; i++)
    if (values[i] == value)
      return i;
  return -1;
}

/* Every non-constant value a member reads that no member computes. */
static int collect_params(outline *o, ir_node *const *members, int count) {
  for (int m = 0; m < count; m++)
    for (int k = 0; k < members[m]->num_inputs; k++) {
      ir_value *input = members[m]->inputs[k];
      if (!input || input->kind == IR_VALUE_CONSTANT || is_member(o, input->producer) ||
          index_of(o->params, o->param_count, input) >= 0)
        continue;
      if (IR_ARRAY_APPEND(NULL, o->params, o->param_count, o->param_capacity, input) != 0)
        return -1;
    }
  return 0;
}

/* Member outputs that a non-member node or the graph's outputs use. */
static int collect_results(outline *o, ir_node *const *members, int count, const int *uses) {
  for (int m = 0; m < count; m++)
    for (int j = 0; j < members[m]->num_outputs; j++) {
      ir_value *value = members[m]->outputs[j];
      int inside = 0;
      for (int n = 0; n < count; n++)
        for (int k = 0; k < members[n]->num_inputs; k++)
          inside += members[n]->inputs[k] == value;
      if (uses[value->id] > inside &&
          IR_ARRAY_APPEND(NULL, o->results, o->result_count, o->result_capacity, value) != 0)
        return -1;
    }
  return 0;
}

/* Member inputs that read `from` read `to` instead. */
static void redirect(ir_node *const *members, int count, const ir_value *from, ir_value *to) {
  for (int m = 0; m < count; m++)
    for (int k = 0; k < members[m]->num_inputs; k++)
      if (members[m]->inputs[k] == from)
        members[m]->inputs[k] = to;
}

static const char *inner_name(ir_graph *graph, const ir_value *value) {
  return ir_graph_unique_name(graph, value->name);
}

/* Builds the group node in place of the last member: params and inner result values. */
static ir_node *build_group(outline *o, ir_node *const *members, int count, const char *name) {
  ir_graph *graph = o->graph;
  const char **names = calloc((size_t)o->result_count + 1, sizeof(char *));
  if (!names)
    return NULL;
  for (int r = 0; r < o->result_count; r++)
    names[r] = inner_name(graph, o->results[r]);
  ir_node *last = members[count - 1];
  ir_node *group = ir_graph_add_node(graph, last->parent, IR_OP_GROUP, name, o->params,
                                     o->param_count, names, o->result_count);
  free(names);
  if (!group || !ir_node_create_body(graph, group))
    return NULL;
  ir_region_remove(last->parent, group);
  ir_region_insert_before(last->parent, last->next, group);
  for (int p = 0; p < o->param_count; p++) {
    ir_value *param = ir_region_add_param(graph, group->body, inner_name(graph, o->params[p]),
                                          o->params[p]->type);
    if (!param)
      return NULL;
    redirect(members, count, o->params[p], param);
  }
  /* The group's fresh outputs become the members' inner values; the original values, with
   * their names and outside uses, become the group's outputs. */
  for (int r = 0; r < o->result_count; r++) {
    ir_value *original = o->results[r], *inner = group->outputs[r];
    ir_node *producer = original->producer;
    inner->type = original->type;
    inner->producer = producer;
    inner->producer_index = original->producer_index;
    producer->outputs[original->producer_index] = inner;
    redirect(members, count, original, inner);
    group->outputs[r] = original;
    original->producer = group;
    original->producer_index = r;
    if (ir_region_add_result(graph, group->body, inner) != 0)
      return NULL;
  }
  for (int m = 0; m < count; m++) {
    ir_region_remove(members[m]->parent, members[m]);
    ir_region_insert_before(group->body, NULL, members[m]);
  }
  return group;
}

ir_node *dl_outline_group(ir_graph *graph, ir_node *const *members, int count, const char *name,
                          const int *uses, dl_diag *diag) {
  outline o = {.graph = graph};
  o.member = calloc((size_t)graph->num_nodes + 1, sizeof(bool));
  ir_node *group = NULL;
  if (o.member) {
    for (int m = 0; m < count; m++)
      o.member[members[m]->id] = true;
    if (collect_params(&o, members, count) == 0 &&
        collect_results(&o, members, count, uses) == 0 && o.result_count > 0)
      group = build_group(&o, members, count, name);
  }
  free(o.member);
  free(o.params);
  free(o.results);
  if (!group) {
    dl_error(diag, "cannot outline a group at node '%s' (out of memory)",
             members[0]->name ? members[0]->name : ir_op_name(members[0]->op));
    return NULL;
  }
  if (ir_infer_node(graph, group, diag) != 0)
    return NULL;
  return group;
}
