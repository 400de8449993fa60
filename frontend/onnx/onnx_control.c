/* Control flow by inlining: If imports the branch its condition picks, Loop and Scan unroll
 * their body once per iteration (Scan before opset 9 once per batch entry too). dlcc compiles static graphs, so the condition, the trip count
 * and the sequence length must be known at compile time (constants, folded, or graph inputs
 * bound with --bind / by `dlcc run`); each inlined node gets the prefix of its copy. */
#include "onnx_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/infer.h"

enum { MAX_ITERATIONS = 4096, MAX_BODY_VALUES = 1024 };

/* Body-local ONNX names and the graph values they stand for in one inlined copy; a name not
 * defined in it comes from the body around it (`parent`), or from the graph. */
typedef struct body_scope {
  const char *names[2 * MAX_BODY_VALUES];
  const char *values[2 * MAX_BODY_VALUES]; /* graph value names */
  int count;
  const struct body_scope *parent;
} body_scope;

static const char *renamed(const body_scope *scope, const char *name) {
  for (; scope; scope = scope->parent)
    for (int i = scope->count - 1; i >= 0; i--)
      if (strcmp(scope->names[i], name) == 0)
        return scope->values[i];
  return name; /* from the graph */
}

static int add_name(onnx_import *import, body_scope *scope, const char *name, const char *value) {
  if (scope->count == 2 * MAX_BODY_VALUES)
    return onnx_error(import, "a control-flow body has more than %d values", MAX_BODY_VALUES);
  scope->names[scope->count] = name;
  scope->values[scope->count++] = value;
  return 0;
}

static const Onnx__GraphProto *graph_attr(const Onnx__NodeProto *proto, const char *name) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, name);
  return attr ? attr->g : NULL;
}

static const char *copy_prefix(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               const char *what, int iteration) {
  const char *node = onnx_node_display_name(import, proto, index);
  return iteration < 0 ? ir_arena_printf(import->graph->arena, "%s/%s", node, what)
                       : ir_arena_printf(import->graph->arena, "%s/%s%d", node, what, iteration);
}

int onnx_inline_body(onnx_import *import, const Onnx__GraphProto *body, const char *prefix,
                     ir_value *const *inputs, int num_inputs, ir_value **outputs) {
  ir_arena *arena = import->graph->arena;
  body_scope *scope = calloc(1, sizeof(body_scope));
  if (!scope)
    return onnx_error(import, "out of memory");
  scope->parent = import->inline_scope;
  import->inline_scope = scope;
  int status = 0;
  if ((int)body->n_input != num_inputs)
    status = onnx_error(import, "%s: the body takes %zu inputs, %d are given", prefix,
                        body->n_input, num_inputs);
  for (int i = 0; status == 0 && i < num_inputs; i++)
    status = add_name(import, scope, onnx_text(body->input[i]->name), inputs[i]->name);
  for (size_t i = 0; status == 0 && i < body->n_initializer; i++) {
    const char *name = onnx_text(body->initializer[i]->name);
    const char *value = ir_graph_unique_name(import->graph,
                                             ir_arena_printf(arena, "%s/%s", prefix, name));
    status = !value || !onnx_import_tensor(import, body->initializer[i], value)
                 ? -1
                 : add_name(import, scope, name, value);
  }
  for (size_t n = 0; status == 0 && n < body->n_node; n++) {
    const Onnx__NodeProto *source = body->node[n];
    Onnx__NodeProto copy = *source;
    copy.input = ir_arena_alloc_array(arena, source->n_input + 1, sizeof(char *));
    copy.output = ir_arena_alloc_array(arena, source->n_output + 1, sizeof(char *));
    copy.name = ir_arena_printf(arena, "%s/%s", prefix,
                                onnx_node_display_name(import, source, (int)n));
    if (!copy.input || !copy.output || !copy.name) {
      status = onnx_error(import, "out of memory");
      break;
    }
    for (size_t i = 0; i < source->n_input; i++)
      copy.input[i] = (char *)(*onnx_text(source->input[i]) ? renamed(scope, source->input[i]) : "");
    for (size_t i = 0; status == 0 && i < source->n_output; i++) {
      const char *name = onnx_text(source->output[i]);
      const char *value = !*name ? "" : ir_graph_unique_name(
                                            import->graph, ir_arena_printf(arena, "%s/%s", prefix, name));
      copy.output[i] = (char *)value;
      status = !value ? onnx_error(import, "out of memory")
                      : *name ? add_name(import, scope, name, value) : 0;
    }
    if (status == 0)
      status = onnx_import_node(import, &copy, (int)n);
  }
  for (size_t i = 0; status == 0 && i < body->n_output; i++) {
    const char *name = renamed(scope, onnx_text(body->output[i]->name));
    outputs[i] = onnx_lookup_value(import, name);
    if (!outputs[i])
      status = onnx_error(import, "%s: body output '%s' is not computed", prefix, name);
  }
  import->inline_scope = (body_scope *)scope->parent;
  free(scope);
  return status;
}

/* Gives node output `name` the value `value` (a view, so the name is the model's). */
static int name_output(onnx_import *import, const char *name, ir_value *value) {
  if (!*name)
    return 0;
  ir_node *node = ir_graph_add_node(import->graph, NULL, IR_OP_IDENTITY, name, &value, 1, &name, 1);
  return node ? onnx_finish_node(import, node) : onnx_error(import, "out of memory");
}

static ir_node *add_node(onnx_import *import, ir_op op, const char *name, ir_value **inputs,
                         int num_inputs) {
  const char *output = ir_graph_unique_name(import->graph, name);
  return output ? ir_graph_add_node(import->graph, NULL, op, output, inputs, num_inputs, &output, 1)
                : NULL;
}

/* Stacks `count` values along a new axis `axis` (Unsqueeze each, then Concat). */
static ir_value *stack(onnx_import *import, const char *name, ir_value **values, int count,
                       int64_t axis) {
  ir_value **parts = calloc((size_t)count + 1, sizeof(ir_value *));
  if (!parts)
    return NULL;
  ir_value *result = NULL;
  ir_value *axes = onnx_ints_constant(import, name, &axis, 1);
  for (int i = 0; axes && i < count; i++) {
    ir_value *inputs[2] = {values[i], axes};
    ir_node *unsqueeze = add_node(import, IR_OP_UNSQUEEZE, name, inputs, 2);
    if (!unsqueeze || onnx_finish_node(import, unsqueeze) != 0)
      goto done;
    parts[i] = unsqueeze->outputs[0];
  }
  ir_node *concat = axes ? add_node(import, IR_OP_CONCAT, name, parts, count) : NULL;
  if (concat && ir_node_set_int(import->graph, concat, "axis", axis) == 0 &&
      onnx_finish_node(import, concat) == 0)
    result = concat->outputs[0];
done:
  free(parts);
  return result;
}

static int import_if(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  ir_value *condition = proto->n_input ? onnx_lookup_value(import, onnx_text(proto->input[0])) : NULL;
  if (!condition)
    return onnx_node_error(import, proto, index, "needs its condition input");
  if (onnx_need_constant(import, proto, index, condition, "the condition") != 0)
    return -1;
  bool taken = ir_element_get_int(condition->type.dtype, condition->data, 0) != 0;
  const Onnx__GraphProto *branch = graph_attr(proto, taken ? "then_branch" : "else_branch");
  if (!branch || branch->n_output != proto->n_output)
    return onnx_node_error(import, proto, index, "its %s branch is missing or does not give "
                                                 "one value per output",
                           taken ? "then" : "else");
  ir_value **outputs = calloc(branch->n_output + 1, sizeof(ir_value *));
  int status = outputs ? onnx_inline_body(import, branch, copy_prefix(import, proto, index,
                                                                  taken ? "then" : "else", -1),
                                     NULL, 0, outputs)
                       : onnx_error(import, "out of memory");
  for (size_t i = 0; status == 0 && i < proto->n_output; i++)
    status = name_output(import, onnx_text(proto->output[i]), outputs[i]);
  free(outputs);
  return status;
}

/* The iterations' values of the body outputs past the loop-carried ones, stacked. */
typedef struct scan_outputs {
  ir_value **values; /* [iteration][output] */
  int iterations, count;
} scan_outputs;

static int finish_scan_outputs(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               int first_output, const scan_outputs *scans, const int64_t *axes,
                               const int64_t *reverse) {
  ir_value **column = calloc((size_t)scans->iterations + 1, sizeof(ir_value *));
  int status = column ? 0 : onnx_error(import, "out of memory");
  for (int k = 0; status == 0 && k < scans->count; k++) {
    if (scans->iterations == 0) {
      status = onnx_node_error(import, proto, index,
                               "unsupported: a scan output of zero iterations (its shape is "
                               "not known)");
      break;
    }
    for (int t = 0; t < scans->iterations; t++) {
      int at = reverse && reverse[k] ? scans->iterations - 1 - t : t;
      column[t] = scans->values[at * scans->count + k];
    }
    const char *name = ir_arena_printf(import->graph->arena, "%s/scan%d",
                                       onnx_node_display_name(import, proto, index), k);
    ir_value *stacked = stack(import, name, column, scans->iterations, axes ? axes[k] : 0);
    status = stacked ? name_output(import, onnx_text(proto->output[first_output + k]), stacked)
                     : -1;
  }
  free(column);
  return status;
}

static int import_loop(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  const Onnx__GraphProto *body = graph_attr(proto, "body");
  int carried = (int)proto->n_input - 2;
  if (!body || carried < 0 || body->n_input != (size_t)carried + 2 ||
      body->n_output < (size_t)carried + 1 || proto->n_output != body->n_output - 1)
    return onnx_node_error(import, proto, index, "its body does not match its inputs and outputs");
  ir_value *trip = *onnx_text(proto->input[0]) ? onnx_lookup_value(import, proto->input[0]) : NULL;
  ir_value *condition = *onnx_text(proto->input[1]) ? onnx_lookup_value(import, proto->input[1]) : NULL;
  if ((trip && onnx_need_constant(import, proto, index, trip, "the trip count") != 0) ||
      (condition && onnx_need_constant(import, proto, index, condition, "the condition") != 0))
    return -1;
  int64_t trips = trip ? ir_element_get_int(trip->type.dtype, trip->data, 0) : MAX_ITERATIONS + 1;
  if (!trip && !condition)
    return onnx_node_error(import, proto, index, "unsupported: a loop with neither a trip count "
                                                 "nor a condition runs forever");
  int scan_count = (int)body->n_output - 1 - carried;
  ir_value **state = calloc((size_t)carried + 2, sizeof(ir_value *));
  ir_value **outputs = calloc(body->n_output + 1, sizeof(ir_value *));
  scan_outputs scans = {.count = scan_count};
  int status = state && outputs ? 0 : onnx_error(import, "out of memory");
  for (int i = 0; status == 0 && i < carried; i++)
    if (!(state[2 + i] = onnx_lookup_value(import, onnx_text(proto->input[2 + i]))))
      status = onnx_node_error(import, proto, index, "input '%s' is not defined", proto->input[2 + i]);
  bool keep_going = !condition || ir_element_get_int(condition->type.dtype, condition->data, 0);
  ir_type iteration_type = ir_type_scalar(IR_DTYPE_I64);
  for (int64_t i = 0; status == 0 && keep_going && i < trips; i++) {
    if (i == MAX_ITERATIONS) {
      status = onnx_node_error(import, proto, index, "unsupported: more than %d iterations to unroll",
                               MAX_ITERATIONS);
      break;
    }
    const char *prefix = copy_prefix(import, proto, index, "iteration", (int)i);
    state[0] = ir_graph_add_constant_copy(import->graph,
                                          ir_graph_unique_name(import->graph, ir_arena_printf(import->graph->arena, "%s/i", prefix)),
                                          iteration_type, &i);
    bool truth = true;
    state[1] = condition ? condition : ir_graph_add_constant_copy(import->graph,
                                         ir_graph_unique_name(import->graph, ir_arena_printf(import->graph->arena, "%s/cond", prefix)),
                                         ir_type_scalar(IR_DTYPE_BOOL), &truth);
    if (!state[0] || !state[1]) {
      status = onnx_error(import, "out of memory");
      break;
    }
    status = onnx_inline_body(import, body, prefix, state, carried + 2, outputs);
    if (status != 0)
      break;
    condition = outputs[0];
    if (onnx_need_constant(import, proto, index, condition, "the condition after an iteration") != 0) {
      status = -1;
      break;
    }
    keep_going = ir_element_get_int(condition->type.dtype, condition->data, 0) != 0;
    for (int k = 0; k < carried; k++)
      state[2 + k] = outputs[1 + k];
    ir_value **grown = realloc(scans.values, (size_t)(scans.iterations + 1) * (size_t)(scan_count + 1) * sizeof(ir_value *));
    if (!grown) {
      status = onnx_error(import, "out of memory");
      break;
    }
    scans.values = grown;
    for (int k = 0; k < scan_count; k++)
      scans.values[scans.iterations * scan_count + k] = outputs[1 + carried + k];
    scans.iterations++;
  }
  for (int k = 0; status == 0 && k < carried; k++)
    status = name_output(import, onnx_text(proto->output[k]), state[2 + k]);
  if (status == 0)
    status = finish_scan_outputs(import, proto, index, carried, &scans, NULL, NULL);
  free(scans.values);
  free(state);
  free(outputs);
  return status;
}

static const int64_t *ints_attr(const Onnx__NodeProto *proto, const char *name, size_t count) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, name);
  return attr && attr->n_ints == count ? attr->ints : NULL;
}

/* Scan from opset 9 on: unrolled over the sequence. */
static int unroll_scan(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  const Onnx__GraphProto *body = graph_attr(proto, "body");
  const Onnx__AttributeProto *count_attr = onnx_find_attr(proto, "num_scan_inputs");
  int scanned = count_attr ? (int)count_attr->i : -1, states = (int)proto->n_input - scanned;
  if (!body || scanned < 1 || states < 0 || body->n_input != proto->n_input ||
      body->n_output != proto->n_output || (int)body->n_output < states)
    return onnx_node_error(import, proto, index, "its body does not match its inputs and outputs");
  int scan_count = (int)body->n_output - states;
  const int64_t *input_axes = ints_attr(proto, "scan_input_axes", (size_t)scanned);
  const int64_t *input_reverse = ints_attr(proto, "scan_input_directions", (size_t)scanned);
  const int64_t *output_axes = ints_attr(proto, "scan_output_axes", (size_t)scan_count);
  const int64_t *output_reverse = ints_attr(proto, "scan_output_directions", (size_t)scan_count);
  ir_value **inputs = calloc(proto->n_input + 1, sizeof(ir_value *));
  ir_value **step = calloc(proto->n_input + 1, sizeof(ir_value *));
  ir_value **outputs = calloc(body->n_output + 1, sizeof(ir_value *));
  scan_outputs scans = {.count = scan_count};
  int status = inputs && step && outputs ? 0 : onnx_error(import, "out of memory");
  int64_t length = -1;
  for (size_t i = 0; status == 0 && i < proto->n_input; i++) {
    if (!(inputs[i] = onnx_lookup_value(import, onnx_text(proto->input[i]))))
      status = onnx_node_error(import, proto, index, "input '%s' is not defined", proto->input[i]);
    else if ((int)i >= states) {
      const ir_type *type = &inputs[i]->type;
      int64_t axis = input_axes ? input_axes[i - (size_t)states] : 0;
      if (axis < 0)
        axis += type->rank;
      if (axis < 0 || axis >= type->rank || !ir_dim_is_static(type->dims[axis]) ||
          (length >= 0 && type->dims[axis] != length))
        status = onnx_node_error(import, proto, index,
                                 "scan input '%s' has no static sequence length along axis %lld "
                                 "shared by the others", inputs[i]->name, (long long)axis);
      else
        length = type->dims[axis];
    }
  }
  if (status == 0 && length > MAX_ITERATIONS)
    status = onnx_node_error(import, proto, index, "unsupported: more than %d iterations to unroll",
                             MAX_ITERATIONS);
  for (int i = 0; status == 0 && i < states; i++)
    step[i] = inputs[i];
  for (int64_t t = 0; status == 0 && t < length; t++) {
    const char *prefix = copy_prefix(import, proto, index, "step", (int)t);
    for (int j = 0; status == 0 && j < scanned; j++) {
      ir_value *input = inputs[states + j];
      int64_t axis = input_axes ? input_axes[j] : 0, at = input_reverse && input_reverse[j] ? length - 1 - t : t;
      if (axis < 0)
        axis += input->type.rank;
      ir_value *gather_inputs[2] = {input, ir_graph_add_constant_copy(import->graph,
                                                  ir_graph_unique_name(import->graph, ir_arena_printf(import->graph->arena, "%s/index%d", prefix, j)),
                                                  ir_type_scalar(IR_DTYPE_I64), &at)};
      ir_node *gather = gather_inputs[1] ? add_node(import, IR_OP_GATHER,
                                                    ir_arena_printf(import->graph->arena, "%s/slice%d", prefix, j),
                                                    gather_inputs, 2)
                                         : NULL;
      if (!gather || ir_node_set_int(import->graph, gather, "axis", axis) != 0)
        status = onnx_error(import, "out of memory");
      else if ((status = onnx_finish_node(import, gather)) == 0)
        step[states + j] = gather->outputs[0];
    }
    if (status == 0)
      status = onnx_inline_body(import, body, prefix, step, (int)proto->n_input, outputs);
    if (status != 0)
      break;
    for (int i = 0; i < states; i++)
      step[i] = outputs[i];
    ir_value **grown = realloc(scans.values, (size_t)(scans.iterations + 1) * (size_t)(scan_count + 1) * sizeof(ir_value *));
    if (!grown) {
      status = onnx_error(import, "out of memory");
      break;
    }
    scans.values = grown;
    for (int k = 0; k < scan_count; k++)
      scans.values[scans.iterations * scan_count + k] = outputs[states + k];
    scans.iterations++;
  }
  for (int i = 0; status == 0 && i < states; i++)
    status = name_output(import, onnx_text(proto->output[i]), step[i]);
  if (status == 0)
    status = finish_scan_outputs(import, proto, index, states, &scans, output_axes, output_reverse);
  free(scans.values);
  free(inputs);
  free(step);
  free(outputs);
  return status;
}

/* Scan before opset 9: inputs [sequence_lens], states and scans with a batch axis 0 (the
 * scans' sequence axis is 1). Each batch entry is the later Scan of its slices, unrolled; the
 * entries' outputs are stacked back along axis 0. sequence_lens must be absent or the full
 * length, and `directions` all forward. */
static int import_batched_scan(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  const Onnx__AttributeProto *directions = onnx_find_attr(proto, "directions");
  for (size_t i = 0; directions && i < directions->n_ints; i++)
    if (directions->ints[i] != 0)
      return onnx_node_error(import, proto, index, "unsupported: reversed scan directions "
                                                   "before opset 9");
  if (proto->n_input < 2 || proto->n_output < 1)
    return onnx_node_error(import, proto, index, "needs states or scan inputs and outputs");
  ir_arena *arena = import->graph->arena;
  ir_value *first = onnx_lookup_value(import, onnx_text(proto->input[1]));
  if (!first || first->type.rank < 1 || !ir_dim_is_static(first->type.dims[0]) ||
      first->type.dims[0] > MAX_ITERATIONS)
    return onnx_node_error(import, proto, index, "needs a static batch axis 0");
  int64_t batch = first->type.dims[0];
  ir_value *lengths = *onnx_text(proto->input[0]) ? onnx_lookup_value(import, proto->input[0])
                                                   : NULL;
  if (lengths) {
    ir_value *last = onnx_lookup_value(import, onnx_text(proto->input[proto->n_input - 1]));
    int64_t full = last && last->type.rank > 1 ? last->type.dims[1] : -1;
    if (onnx_need_constant(import, proto, index, lengths, "sequence_lens") != 0)
      return -1;
    for (int64_t b = 0; b < batch && b < lengths->type.dims[0]; b++)
      if (ir_element_get_int(lengths->type.dtype, lengths->data, b) != full)
        return onnx_node_error(import, proto, index,
                               "unsupported: sequence_lens shorter than the sequence");
  }
  size_t inputs = proto->n_input - 1, outputs = proto->n_output;
  ir_value **entries = calloc(outputs * (size_t)batch + 1, sizeof(ir_value *));
  int status = entries ? 0 : onnx_error(import, "out of memory");
  for (int64_t b = 0; status == 0 && b < batch; b++) {
    const char *prefix = copy_prefix(import, proto, index, "batch", (int)b);
    Onnx__NodeProto copy = *proto;
    copy.name = (char *)prefix;
    copy.n_input = inputs;
    copy.input = ir_arena_alloc_array(arena, inputs + 1, sizeof(char *));
    copy.output = ir_arena_alloc_array(arena, outputs + 1, sizeof(char *));
    if (!copy.input || !copy.output) {
      status = onnx_error(import, "out of memory");
      break;
    }
    for (size_t i = 0; status == 0 && i < inputs; i++) {
      ir_value *whole = onnx_lookup_value(import, onnx_text(proto->input[i + 1]));
      ir_value *at = whole ? ir_graph_add_constant_copy(
                                 import->graph, ir_graph_unique_name(import->graph, prefix),
                                 ir_type_scalar(IR_DTYPE_I64), &b)
                           : NULL;
      ir_value *gather_inputs[2] = {whole, at};
      ir_node *gather = at ? add_node(import, IR_OP_GATHER, prefix, gather_inputs, 2) : NULL;
      if (!gather)
        status = onnx_node_error(import, proto, index, "input %zu is missing", i + 1);
      else if ((status = onnx_finish_node(import, gather)) == 0)
        copy.input[i] = (char *)gather->outputs[0]->name;
    }
    for (size_t k = 0; status == 0 && k < outputs; k++)
      if (!(copy.output[k] = (char *)ir_graph_unique_name(
                import->graph, ir_arena_printf(arena, "%s/output%zu", prefix, k))))
        status = onnx_error(import, "out of memory");
    if (status == 0)
      status = unroll_scan(import, &copy, index);
    for (size_t k = 0; status == 0 && k < outputs; k++)
      entries[k * (size_t)batch + (size_t)b] = onnx_lookup_value(import, copy.output[k]);
  }
  for (size_t k = 0; status == 0 && k < outputs; k++) {
    ir_value *stacked = stack(import, copy_prefix(import, proto, index, "stacked", -1),
                              &entries[k * (size_t)batch], (int)batch, 0);
    status = stacked ? name_output(import, onnx_text(proto->output[k]), stacked) : -1;
  }
  free(entries);
  return status;
}

static int import_scan(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  return import->opset < 9 ? import_batched_scan(import, proto, index)
                           : unroll_scan(import, proto, index);
}

bool onnx_is_inlined_control_flow(const char *op) {
  return strcmp(op, "If") == 0 || strcmp(op, "Loop") == 0 || strcmp(op, "Scan") == 0;
}

int onnx_import_control_flow(onnx_import *import, const Onnx__NodeProto *proto, int index) {
  const char *op = onnx_text(proto->op_type);
  if (strcmp(op, "If") == 0)
    return import_if(import, proto, index);
  if (strcmp(op, "Loop") == 0)
    return import_loop(import, proto, index);
  return import_scan(import, proto, index);
}
