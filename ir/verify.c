/* The IR verifier. One walk over the regions checks scoping and links and re-runs
 * inference per node; a second pass over every value checks types and names. */
#include "ir/verify.h"

#include "ir/memory_plan.h"

#include "ir/array.h"
#include "ir/infer.h"
#include "ir/state.h"

#include <stdlib.h>
#include <string.h>

typedef struct verifier {
  ir_graph *graph; /* inference needs it mutable; every type it changes is restored */
  dl_diag *diag;
  unsigned char *in_scope; /* by value id */
  ir_type *recorded;       /* every value's type before verification, by id */
  int errors;
} verifier;

#define VERIFY_ERROR(v, ...) ((v)->errors++, dl_error((v)->diag, __VA_ARGS__))
#define VERIFY_NODE_ERROR(v, node, ...) ((v)->errors++, ir_node_error((v)->diag, node, __VA_ARGS__))

static bool id_valid(const verifier *v, const ir_value *value) {
  return value->id >= 0 && value->id < v->graph->num_values;
}

static bool in_scope(const verifier *v, const ir_value *value) {
  return id_valid(v, value) && v->in_scope[value->id];
}

static void set_scope(verifier *v, const ir_value *value, bool defined) {
  if (value && id_valid(v, value))
    v->in_scope[value->id] = defined;
}

static void check_outputs(verifier *v, const ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++) {
    const ir_value *output = node->outputs[i];
    if (!output) {
      VERIFY_NODE_ERROR(v, node, "output %d is missing", i);
      continue;
    }
    if (output->kind != IR_VALUE_RESULT || output->producer != node || output->producer_index != i)
      VERIFY_NODE_ERROR(v, node,
                        "output %d '%s' does not point back to this node as its "
                        "output %d",
                        i, output->name, i);
    if (in_scope(v, output))
      VERIFY_NODE_ERROR(v, node, "output %d '%s' is already defined earlier", i, output->name);
  }
}

/* Inputs must be in scope: defined earlier in this region or an enclosing one. */
static bool check_inputs(verifier *v, const ir_node *node, const ir_op_info *info) {
  bool ok = true;
  for (int i = 0; i < node->num_inputs; i++) {
    const ir_value *input = node->inputs[i];
    if (!input) {
      if (info && i < info->min_inputs) {
        VERIFY_NODE_ERROR(v, node, "required input %d is absent", i);
        ok = false;
      }
      continue;
    }
    if (!in_scope(v, input)) {
      VERIFY_NODE_ERROR(v, node,
                        "input %d '%s' is used before it is defined (not an earlier "
                        "value of this region or an enclosing one)",
                        i, input->name);
      ok = false;
    }
  }
  return ok;
}

static bool check_arity(verifier *v, const ir_node *node, const ir_op_info *info) {
  if (!info) {
    VERIFY_ERROR(v, "node '%s': invalid op %d", node->name, (int)node->op);
    return false;
  }
  bool ok = true;
  if (node->num_inputs < info->min_inputs || node->num_inputs > info->max_inputs) {
    VERIFY_NODE_ERROR(v, node, "has %d inputs; %s takes %d to %d", node->num_inputs, info->name,
                      info->min_inputs, info->max_inputs);
    ok = false;
  }
  if (node->num_outputs < info->min_outputs || node->num_outputs > info->max_outputs) {
    VERIFY_NODE_ERROR(v, node, "has %d outputs; %s gives %d to %d", node->num_outputs, info->name,
                      info->min_outputs, info->max_outputs);
    ok = false;
  }
  return ok;
}

static void check_group(verifier *v, const ir_node *node) {
  const ir_region *body = node->body;
  if (node->op != IR_OP_GROUP) {
    VERIFY_NODE_ERROR(v, node, "has a body but only dl.group nodes may");
    return;
  }
  if (body->owner != node)
    VERIFY_NODE_ERROR(v, node, "its body does not point back to it as owner");
  if (body->num_params != node->num_inputs)
    VERIFY_NODE_ERROR(v, node, "body has %d params for %d inputs", body->num_params,
                      node->num_inputs);
  if (body->num_results != node->num_outputs)
    VERIFY_NODE_ERROR(v, node, "body has %d results for %d outputs", body->num_results,
                      node->num_outputs);
  char a[160], b[160];
  for (int i = 0; i < body->num_params && i < node->num_inputs; i++) {
    const ir_value *param = body->params[i], *input = node->inputs[i];
    if (input && param && !ir_type_equal(&param->type, &input->type))
      VERIFY_NODE_ERROR(v, node, "body param %d '%s' has type %s but input %d '%s' has %s", i,
                        param->name, ir_format_type(v->graph, &param->type, a, sizeof(a)), i,
                        input->name, ir_format_type(v->graph, &input->type, b, sizeof(b)));
  }
  for (int i = 0; i < body->num_results && i < node->num_outputs; i++) {
    const ir_value *result = body->results[i], *output = node->outputs[i];
    if (result && output && !ir_type_equal(&result->type, &output->type))
      VERIFY_NODE_ERROR(v, node, "body result %d '%s' has type %s but output %d '%s' has %s", i,
                        result->name, ir_format_type(v->graph, &result->type, a, sizeof(a)), i,
                        output->name, ir_format_type(v->graph, &output->type, b, sizeof(b)));
  }
}

/* Puts back the recorded output types of `node` and of every node in its body. */
static void restore_types(verifier *v, ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++)
    if (node->outputs[i] && id_valid(v, node->outputs[i]))
      node->outputs[i]->type = v->recorded[node->outputs[i]->id];
  for (ir_node *inner = node->body ? node->body->first : NULL; inner; inner = inner->next)
    restore_types(v, inner);
}

/* Re-runs inference and compares with the recorded output types (restored afterwards). */
static void check_inference(verifier *v, ir_node *node) {
  dl_diag local;
  dl_diag_init(&local);
  if (ir_infer_node(v->graph, node, &local) != 0) {
    for (int i = 0; i < local.count && i < 4; i++)
      VERIFY_ERROR(v, "%s (re-running shape inference)", dl_diag_message(&local, i));
  } else {
    for (int i = 0; i < node->num_outputs; i++) {
      ir_value *output = node->outputs[i];
      if (!output || !id_valid(v, output))
        continue;
      const ir_type *recorded = &v->recorded[output->id];
      if (!ir_type_equal(recorded, &output->type)) {
        char a[160], b[160];
        VERIFY_NODE_ERROR(v, node, "output %d '%s' is recorded as %s but inference gives %s", i,
                          output->name, ir_format_type(v->graph, recorded, a, sizeof(a)),
                          ir_format_type(v->graph, &output->type, b, sizeof(b)));
      }
    }
  }
  restore_types(v, node);
  dl_diag_deinit(&local);
}

static void verify_state_updates(verifier *v);

static void verify_region(verifier *v, ir_region *region) {
  for (int i = 0; i < region->num_params; i++) {
    ir_value *param = region->params[i];
    if (!param) {
      VERIFY_ERROR(v, "a region has a missing param %d", i);
      continue;
    }
    if (param->kind != IR_VALUE_PARAM || param->region != region)
      VERIFY_ERROR(v, "param '%s' does not point back to its region", param->name);
    set_scope(v, param, true);
  }
  ir_node *previous = NULL;
  for (ir_node *node = region->first; node; previous = node, node = node->next) {
    if (node->parent != region || node->prev != previous)
      VERIFY_NODE_ERROR(v, node, "its region links (parent/prev) are inconsistent");
    const ir_op_info *info = ir_op_get(node->op);
    int errors_before = v->errors;
    bool arity_ok = check_arity(v, node, info);
    bool inputs_ok = check_inputs(v, node, info);
    check_outputs(v, node);
    if (node->body) {
      verify_region(v, node->body);
      check_group(v, node);
    } else if (node->op == IR_OP_GROUP) {
      VERIFY_NODE_ERROR(v, node, "dl.group has no body");
    }
    if (arity_ok && inputs_ok && v->errors == errors_before)
      check_inference(v, node);
    for (int i = 0; i < node->num_outputs; i++)
      set_scope(v, node->outputs[i], true);
  }
  if (region->last != previous)
    VERIFY_ERROR(v, "a region's last node link is inconsistent");
  for (int i = 0; i < region->num_results; i++) {
    const ir_value *result = region->results[i];
    const char *what = region->owner ? "body result" : "graph output";
    if (!result)
      VERIFY_ERROR(v, "%s %d is missing", what, i);
    else if (!in_scope(v, result))
      VERIFY_ERROR(v, "%s %d '%s' is not defined in its region", what, i, result->name);
    else if (region->owner && result->kind == IR_VALUE_STATE)
      VERIFY_ERROR(v, "body result %d '%s' is a state (a group yields values it computes; "
                   "its readers read the state itself)", i, result->name);
  }
  if (!region->owner)
    verify_state_updates(v);
  /* Values of this region go out of scope at its end. */
  for (int i = 0; i < region->num_params; i++)
    set_scope(v, region->params[i], false);
  for (ir_node *node = region->first; node; node = node->next)
    for (int i = 0; i < node->num_outputs; i++)
      set_scope(v, node->outputs[i], false);
}

/* Every value of the graph once: graph inputs, constants, node outputs, body params. */
typedef struct value_list {
  const ir_value **items; /* heap */
  int count;
  size_t capacity;
} value_list;

static int list_push(value_list *list, const ir_value *value) {
  return IR_ARRAY_APPEND(NULL, list->items, list->count, list->capacity, value);
}

static int collect_values(const ir_graph *graph, value_list *list) {
  for (int i = 0; i < graph->body.num_params; i++)
    if (graph->body.params[i] && list_push(list, graph->body.params[i]))
      return -1;
  for (int i = 0; i < graph->num_constants; i++)
    if (graph->constants[i] && list_push(list, graph->constants[i]))
      return -1;
  for (int i = 0; i < graph->num_states; i++)
    if (graph->states[i] && list_push(list, graph->states[i]))
      return -1;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    for (int i = 0; i < node->num_outputs; i++)
      if (node->outputs[i] && list_push(list, node->outputs[i]))
        return -1;
    for (int i = 0; node->body && i < node->body->num_params; i++)
      if (node->body->params[i] && list_push(list, node->body->params[i]))
        return -1;
  }
  return 0;
}

/* A bound input is a graph input, bound once, to a constant of the graph of its type. */
static void verify_bound_inputs(verifier *v) {
  const ir_graph *graph = v->graph;
  for (int i = 0; i < graph->num_bound_inputs; i++) {
    const ir_bound_input *bound = &graph->bound_inputs[i];
    bool is_input = false, is_constant = false, first = true;
    for (int j = 0; j < graph->body.num_params; j++)
      is_input |= graph->body.params[j] == bound->input;
    for (int j = 0; j < graph->num_constants; j++)
      is_constant |= graph->constants[j] == bound->value;
    for (int j = 0; j < i; j++)
      first &= graph->bound_inputs[j].input != bound->input;
    if (!is_input)
      VERIFY_ERROR(v, "bound value '%s' is not a graph input", bound->input->name);
    else if (!first)
      VERIFY_ERROR(v, "graph input '%s' is bound twice", bound->input->name);
    else if (!is_constant)
      VERIFY_ERROR(v, "graph input '%s' is bound to '%s', which is not a constant of the graph",
                   bound->input->name, bound->value->name);
    else if (!ir_type_equal(&bound->input->type, &bound->value->type))
      VERIFY_ERROR(v, "graph input '%s' and the constant '%s' bound to it differ in type",
                   bound->input->name, bound->value->name);
  }
}

static bool is_graph_state(const ir_graph *graph, const ir_value *value) {
  for (int i = 0; i < graph->num_states; i++)
    if (graph->states[i] == value)
      return true;
  return false;
}

/* Each update: a state of the graph, updated once, to a value of its type defined in the
 * graph body (checked at the body's end, while its values are in scope). */
static void verify_state_updates(verifier *v) {
  const ir_graph *graph = v->graph;
  char a[160], b[160];
  for (int i = 0; i < graph->num_state_updates; i++) {
    const ir_state_update *update = &graph->state_updates[i];
    const ir_value *state = update->state, *value = update->value;
    if (!state || !value) {
      VERIFY_ERROR(v, "state update %d is missing its state or its value", i);
      continue;
    }
    bool first = true;
    for (int j = 0; j < i; j++)
      first &= graph->state_updates[j].state != state;
    if (state->kind != IR_VALUE_STATE || !is_graph_state(graph, state))
      VERIFY_ERROR(v, "update of '%s', which is not a state of the graph", state->name);
    else if (!first)
      VERIFY_ERROR(v, "state '%s' is updated twice", state->name);
    else if (!in_scope(v, value))
      VERIFY_ERROR(v, "the update of state '%s' is '%s', which is not a value of the graph "
                   "body (values inside a group are not visible after it)",
                   state->name, value->name);
    else if (!ir_type_equal(&state->type, &value->type))
      VERIFY_ERROR(v, "state '%s' has type %s but its update '%s' has %s", state->name,
                   ir_format_type(graph, &state->type, a, sizeof(a)), value->name,
                   ir_format_type(graph, &value->type, b, sizeof(b)));
  }
}

static int compare_names(const void *a, const void *b) {
  return strcmp((*(const ir_value *const *)a)->name, (*(const ir_value *const *)b)->name);
}

static void check_value_type(verifier *v, const ir_value *value) {
  const ir_type *type = &value->type;
  if (type->dtype <= IR_DTYPE_INVALID || type->dtype >= IR_DTYPE_COUNT) {
    VERIFY_ERROR(v, "value '%s' has no valid element type", value->name);
    return;
  }
  if (type->rank < 0 || type->rank > IR_MAX_RANK) {
    VERIFY_ERROR(v, "value '%s' has rank %d (0 to %d allowed)", value->name, type->rank,
                 IR_MAX_RANK);
    return;
  }
  for (int i = 0; i < type->rank; i++) {
    int64_t dim = type->dims[i];
    if (!ir_dim_is_static(dim) && ir_dim_symbol_index(dim) >= v->graph->num_symbols)
      VERIFY_ERROR(v, "value '%s' dim %d refers to unknown dimension symbol %d", value->name, i,
                   ir_dim_symbol_index(dim));
  }
}

static void check_values(verifier *v, value_list *list) {
  for (int i = 0; i < list->count; i++) {
    const ir_value *value = list->items[i];
    if (!id_valid(v, value))
      VERIFY_ERROR(v, "value '%s' has id %d outside [0, %d)", value->name, value->id,
                   v->graph->num_values);
    check_value_type(v, value);
    if ((value->kind == IR_VALUE_CONSTANT || value->kind == IR_VALUE_STATE) && value->producer)
      VERIFY_ERROR(v, "%s '%s' has a producer node",
                   value->kind == IR_VALUE_STATE ? "state" : "constant", value->name);
  }
  if (list->count > 1) /* an empty list's items may be NULL, which qsort must not see */
    qsort(list->items, (size_t)list->count, sizeof(*list->items), compare_names);
  for (int i = 1; i < list->count; i++)
    if (strcmp(list->items[i - 1]->name, list->items[i]->name) == 0)
      VERIFY_ERROR(v, "value name '%s' is used twice", list->items[i]->name);
}

/* A recorded memory plan (plan-memory's offsets) must be complete and sound. */
static int verify_memory_plan(const ir_graph *graph, dl_diag *diag) {
  ir_memory_plan plan;
  if (ir_memory_plan_from_graph(graph, &plan, diag) != 0)
    return -1;
  int status = ir_memory_plan_verify(graph, &plan, diag);
  ir_memory_plan_deinit(&plan);
  return status;
}

int ir_verify_graph(const ir_graph *graph, dl_diag *diag) {
  int count = graph->num_values > 0 ? graph->num_values : 1;
  verifier v = {.graph = (ir_graph *)graph, .diag = diag};
  v.in_scope = calloc((size_t)count, 1);
  v.recorded = calloc((size_t)count, sizeof(ir_type));
  value_list values = {0};
  if (!v.in_scope || !v.recorded || collect_values(graph, &values) != 0) {
    free(v.in_scope);
    free(v.recorded);
    free(values.items);
    return dl_error(diag, "verifier: out of memory");
  }
  for (int i = 0; i < values.count; i++)
    if (id_valid(&v, values.items[i]))
      v.recorded[values.items[i]->id] = values.items[i]->type;
  check_values(&v, &values);
  for (int i = 0; i < graph->num_constants; i++) {
    const ir_value *constant = graph->constants[i];
    if (constant && constant->kind != IR_VALUE_CONSTANT)
      VERIFY_ERROR(&v, "value '%s' is in the constant list but is not a constant", constant->name);
    else if (constant)
      set_scope(&v, constant, true);
  }
  for (int i = 0; i < graph->num_states; i++) {
    const ir_value *state = graph->states[i];
    if (state && state->kind != IR_VALUE_STATE)
      VERIFY_ERROR(&v, "value '%s' is in the state list but is not a state", state->name);
    else if (state)
      set_scope(&v, state, true);
  }
  verify_bound_inputs(&v);
  verify_region(&v, &v.graph->body);
  /* Inference may have rewritten output types; put the recorded ones back. */
  for (int i = 0; i < values.count; i++)
    if (id_valid(&v, values.items[i]))
      ((ir_value *)values.items[i])->type = v.recorded[values.items[i]->id];
  free(v.in_scope);
  free(v.recorded);
  free(values.items);
  if (!v.errors && ir_graph_has_memory_plan(graph))
    return verify_memory_plan(graph, diag);
  return v.errors ? -1 : 0;
}

int ir_verify_constants_have_data(const ir_graph *graph, dl_diag *diag) {
  int status = 0;
  for (int i = 0; i < graph->num_states; i++)
    if (graph->states[i] && !graph->states[i]->data)
      status = dl_error(diag,
                        "state '%s' has no initial value (elided from a text dump); give the "
                        "side file with its data",
                        graph->states[i]->name);
  for (int i = 0; i < graph->num_constants; i++)
    if (graph->constants[i] && !graph->constants[i]->data)
      status = dl_error(diag,
                        "constant '%s' has no data (elided from a text dump); give the "
                        "side file with its data",
                        graph->constants[i]->name);
  return status;
}
