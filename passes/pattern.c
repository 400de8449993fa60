/* Matching helpers of the pattern passes (see pattern.h). */
#include "passes/pattern.h"

#include <math.h>
#include <stdlib.h>

#include "ir/infer.h"
#include "passes/rewrite.h"

int dl_pattern_init(dl_pattern *p, ir_graph *graph, dl_diag *diag) {
  p->graph = graph;
  p->uses = dl_count_uses(graph);
  return p->uses ? 0 : dl_error(diag, "out of memory counting uses");
}

void dl_pattern_deinit(dl_pattern *p) {
  free(p->uses);
  p->uses = NULL;
}

ir_node *dl_pattern_producer(const ir_value *value, ir_op op) {
  ir_node *node = value && value->kind == IR_VALUE_RESULT ? value->producer : NULL;
  return node && node->op == op && !node->parent->owner ? node : NULL;
}

bool dl_pattern_private(const dl_pattern *p, const ir_value *value, int readers) {
  return value->id < p->graph->num_values && p->uses[value->id] == readers &&
         !dl_region_yields(&p->graph->body, value);
}

ir_node *dl_pattern_sole_reader(const dl_pattern *p, const ir_value *value) {
  if (!dl_pattern_private(p, value, 1) || !value->producer)
    return NULL;
  for (ir_node *node = value->producer->next; node; node = node->next)
    for (int k = 0; k < node->num_inputs; k++)
      if (node->inputs[k] == value)
        return node;
  return NULL; /* read inside a region: not a pattern this helper follows */
}

bool dl_pattern_scalar(const ir_value *value, double *out) {
  int64_t count = 0;
  if (!value || value->kind != IR_VALUE_CONSTANT || !value->data ||
      !ir_dtype_is_float(value->type.dtype) || !ir_type_element_count(&value->type, &count) ||
      count != 1)
    return false;
  *out = ir_element_get_float(value->type.dtype, value->data, 0);
  return true;
}

bool dl_pattern_scalar_near(const ir_value *value, double want) {
  double got;
  return dl_pattern_scalar(value, &got) && fabs(got - want) <= 1e-4 * fabs(want);
}

ir_value *dl_pattern_other(const ir_node *node, const ir_value *one) {
  if (node->num_inputs != 2)
    return NULL;
  return node->inputs[0] == one ? node->inputs[1] : node->inputs[1] == one ? node->inputs[0] : NULL;
}

static bool collect_factors(const dl_pattern *p, ir_value *value, bool root, ir_value **factors,
                            int *count, ir_node **muls, int *mul_count) {
  ir_node *mul = dl_pattern_producer(value, IR_OP_MUL);
  if (mul && (root || dl_pattern_private(p, value, 1))) {
    muls[(*mul_count)++] = mul;
    return *mul_count < DL_PATTERN_MAX_FACTORS &&
           collect_factors(p, mul->inputs[0], false, factors, count, muls, mul_count) &&
           collect_factors(p, mul->inputs[1], false, factors, count, muls, mul_count);
  }
  if (*count == DL_PATTERN_MAX_FACTORS)
    return false;
  factors[(*count)++] = value;
  return true;
}

int dl_pattern_factors(const dl_pattern *p, ir_value *value, ir_value **factors,
                       ir_node **muls, int *mul_count) {
  int count = 0;
  *mul_count = 0;
  return collect_factors(p, value, true, factors, &count, muls, mul_count) ? count : 0;
}

ir_node *dl_pattern_build(dl_pattern *p, ir_node *last, ir_op op, ir_value *const *inputs,
                          int count, const char *suffix) {
  const char *name = last->name && suffix[0]
                         ? ir_arena_printf(p->graph->arena, "%s%s", last->name, suffix)
                         : last->name;
  ir_node *node = ir_graph_add_node(p->graph, last->parent, op, name, inputs, count,
                                    (const char *const[]){NULL}, 1);
  if (!node)
    return NULL;
  ir_region_remove(last->parent, node);
  ir_region_insert_before(last->parent, last, node);
  return node;
}

int dl_pattern_commit(dl_pattern *p, ir_node *node, ir_node *last, ir_node *const *dead,
                      int dead_count, dl_diag *diag) {
  ir_value *output = last->outputs[0], *unused = node->outputs[0];
  node->outputs[0] = output;
  output->producer = node;
  output->producer_index = 0;
  last->outputs[0] = unused;
  unused->producer = last;
  for (int i = 0; i < dead_count; i++)
    if (dead[i]->parent)
      ir_region_remove(dead[i]->parent, dead[i]);
  if (ir_infer_node(p->graph, node, diag) != 0)
    return -1;
  free(p->uses);
  p->uses = dl_count_uses(p->graph);
  return p->uses ? 0 : dl_error(diag, "out of memory counting uses");
}
