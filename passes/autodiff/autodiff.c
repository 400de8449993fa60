/* dl_autodiff: reverse-mode differentiation of the graph body (docs/autodiff.md).
 * 1. Active values: float values that depend on a wrt (forward over the body; random draws,
 *    shape reads and non-float values end the dependence).
 * 2. Needed values: those the loss depends on (backward).
 * 3. Backward over the nodes with an output both active and needed: the node's rule (the GRAD
 *    column of ir/ops.def) turns its output gradients into input gradients; the contributions
 *    a value receives are summed in the order they were made, so the graph is deterministic. */
#include <stdlib.h>

#include "ir/infer.h"
#include "passes/autodiff/autodiff.h"
#include "passes/autodiff/grad.h"

static const grad_fn RULES[IR_OP_COUNT] = {
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  [IR_OP_##ENUM] = GRAD,
#include "ir/ops.def"
#undef OP
};

grad_fn grad_rule(ir_op op) { return ir_op_get(op) ? RULES[op] : grad_none; }

int grad_none(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads) {
  (void)output_grads, (void)input_grads;
  return ad_error(ctx,
                  "%s has no gradient rule, and the loss depends on a value to "
                  "differentiate through it",
                  ir_op_name(ctx->node->op));
}

/* One contribution to a value's gradient, in the order made. */
typedef struct contribution {
  ir_value *grad;
  struct contribution *next;
} contribution;

typedef struct autodiff_state {
  ir_graph *graph;
  dl_diag *diag;
  int num_values; /* ids below this existed before differentiation began */
  bool *active, *needed;
  contribution **first, **last;
  ir_value **total; /* the summed gradient, once taken */
  ir_node **nodes;
  int num_nodes;
} autodiff_state;

static bool useful(const autodiff_state *state, const ir_value *value) {
  return value && value->id < state->num_values && state->active[value->id] &&
         state->needed[value->id];
}

/* Whether an op carries a derivative from its inputs to its outputs at all. */
static bool propagates(ir_op op) {
  return !ir_op_has_flag(op, IR_OP_FLAG_RANDOM) && !ir_op_has_flag(op, IR_OP_FLAG_READS_DIMS) &&
         ir_op_category_of(op) != IR_OP_CATEGORY_SHAPE;
}

static void mark_active(autodiff_state *state, ir_value *const *wrt, int num_wrt) {
  for (int i = 0; i < num_wrt; i++)
    state->active[wrt[i]->id] = true;
  for (int n = 0; n < state->num_nodes; n++) {
    const ir_node *node = state->nodes[n];
    bool any = false;
    for (int k = 0; k < node->num_inputs; k++)
      any = any || (node->inputs[k] && state->active[node->inputs[k]->id]);
    if (!any || !propagates(node->op))
      continue;
    for (int j = 0; j < node->num_outputs; j++)
      if (ir_dtype_is_float(node->outputs[j]->type.dtype))
        state->active[node->outputs[j]->id] = true;
  }
}

static void mark_needed(autodiff_state *state, const ir_value *loss) {
  state->needed[loss->id] = true;
  for (int n = state->num_nodes - 1; n >= 0; n--) {
    const ir_node *node = state->nodes[n];
    bool any = false;
    for (int j = 0; j < node->num_outputs; j++)
      any = any || state->needed[node->outputs[j]->id];
    for (int k = 0; any && k < node->num_inputs; k++)
      if (node->inputs[k])
        state->needed[node->inputs[k]->id] = true;
  }
}

static int add_contribution(autodiff_state *state, ir_value *value, ir_value *grad) {
  contribution *item = ir_arena_alloc(state->graph->arena, sizeof(contribution));
  if (!item)
    return dl_error(state->diag, "autodiff: out of memory");
  item->grad = grad;
  item->next = NULL;
  if (state->last[value->id])
    state->last[value->id]->next = item;
  else
    state->first[value->id] = item;
  state->last[value->id] = item;
  return 0;
}

/* The sum of a value's contributions in the order made (NULL when none), built once. */
static ir_value *total_of(autodiff_state *state, grad_context *ctx, const ir_value *value) {
  if (state->total[value->id] || !state->first[value->id])
    return state->total[value->id];
  ir_value *sum = state->first[value->id]->grad;
  for (contribution *item = state->first[value->id]->next; item; item = item->next)
    sum = ad_add(ctx, sum, item->grad);
  state->total[value->id] = sum;
  return sum;
}

static int differentiate_node(autodiff_state *state, ir_node *node) {
  bool wanted[1024] = {0}, any_input = false, any_output = false;
  for (int k = 0; k < node->num_inputs && k < 1024; k++) {
    wanted[k] = useful(state, node->inputs[k]);
    any_input = any_input || wanted[k];
  }
  for (int j = 0; j < node->num_outputs; j++)
    any_output = any_output || useful(state, node->outputs[j]);
  if (!any_input || !any_output)
    return 0;
  grad_context ctx;
  grad_context_init(&ctx, state->graph, node, state->diag, wanted);
  ir_value *output_grads[1024] = {0}, *input_grads[1024] = {0};
  for (int j = 0; j < node->num_outputs && j < 1024; j++)
    output_grads[j] =
        useful(state, node->outputs[j]) ? total_of(state, &ctx, node->outputs[j]) : NULL;
  if (ad_status(&ctx) != 0 || RULES[node->op](&ctx, output_grads, input_grads) != 0 ||
      ad_status(&ctx) != 0)
    return -1;
  for (int k = 0; k < node->num_inputs && k < 1024; k++) {
    if (!wanted[k])
      continue;
    ir_value *input = node->inputs[k], *grad = input_grads[k];
    if (!grad)
      return ad_error(&ctx,
                      "no gradient for input %d '%s' (the rule differentiates only some "
                      "inputs; this one depends on a value to differentiate)",
                      k, input->name);
    if (!ir_type_equal(&grad->type, &input->type)) {
      char want[96], got[96];
      return ad_error(&ctx, "the gradient of input %d '%s' has type %s, not %s (a bug in the rule)",
                      k, input->name, ir_format_type(state->graph, &grad->type, got, sizeof got),
                      ir_format_type(state->graph, &input->type, want, sizeof want));
    }
    if (add_contribution(state, input, grad) != 0)
      return -1;
  }
  return 0;
}

static int check_arguments(ir_graph *graph, const ir_value *loss, ir_value *const *wrt, int num_wrt,
                           dl_diag *diag) {
  char text[96];
  if (!loss || loss->type.rank != 0 || !ir_dtype_is_float(loss->type.dtype))
    return dl_error(diag, "autodiff: the loss '%s' must be a float scalar, not %s",
                    loss ? loss->name : "(none)",
                    loss ? ir_format_type(graph, &loss->type, text, sizeof text) : "nothing");
  for (int i = 0; i < num_wrt; i++) {
    if (!wrt[i] || !ir_dtype_is_float(wrt[i]->type.dtype) || !ir_type_is_static(&wrt[i]->type))
      return dl_error(diag,
                      "autodiff: value %d '%s' to differentiate by must be a float tensor "
                      "of static shape, not %s",
                      i, wrt[i] ? wrt[i]->name : "(none)",
                      wrt[i] ? ir_format_type(graph, &wrt[i]->type, text, sizeof text) : "nothing");
  }
  return 0;
}

static int run(autodiff_state *state, ir_value *loss, ir_value *const *wrt, int num_wrt,
               ir_value **out_grads) {
  int count = 0;
  for (ir_node *node = state->graph->body.first; node; node = node->next)
    count++;
  state->nodes = calloc((size_t)count + 1, sizeof(ir_node *));
  if (!state->nodes)
    return dl_error(state->diag, "autodiff: out of memory");
  for (ir_node *node = state->graph->body.first; node; node = node->next)
    state->nodes[state->num_nodes++] = node;
  mark_active(state, wrt, num_wrt);
  mark_needed(state, loss);
  /* The seed: d loss / d loss = 1. */
  grad_context seed;
  grad_context_init(&seed, state->graph, loss->producer, state->diag, NULL);
  if (loss->producer) {
    ir_value *one = ir_build_scalar(&seed.build, loss->type.dtype, 1.0);
    if (!one || add_contribution(state, loss, one) != 0)
      return -1;
  }
  for (int n = state->num_nodes - 1; n >= 0; n--)
    if (differentiate_node(state, state->nodes[n]) != 0)
      return -1;
  for (int i = 0; i < num_wrt; i++) {
    grad_context ctx;
    grad_context_init(&ctx, state->graph, wrt[i]->producer ? wrt[i]->producer : loss->producer,
                      state->diag, NULL);
    if (!ctx.node)
      return dl_error(state->diag, "autodiff: the loss '%s' is not computed by a node", loss->name);
    out_grads[i] = total_of(state, &ctx, wrt[i]);
    if (!out_grads[i])
      out_grads[i] = ad_zeros(&ctx, &wrt[i]->type);
    if (!out_grads[i])
      return -1;
  }
  return 0;
}

int dl_autodiff(ir_graph *graph, ir_value *loss, ir_value *const *wrt, int num_wrt,
                ir_value **out_grads, dl_diag *diag) {
  if (check_arguments(graph, loss, wrt, num_wrt, diag) != 0)
    return -1;
  if (!loss->producer)
    return dl_error(diag, "autodiff: the loss '%s' is not computed by a node of the graph body",
                    loss->name);
  size_t n = (size_t)graph->num_values;
  autodiff_state state = {
      .graph = graph,
      .diag = diag,
      .num_values = graph->num_values,
      .active = calloc(n, sizeof(bool)),
      .needed = calloc(n, sizeof(bool)),
      .first = calloc(n, sizeof(contribution *)),
      .last = calloc(n, sizeof(contribution *)),
      .total = calloc(n, sizeof(ir_value *)),
  };
  int status = state.active && state.needed && state.first && state.last && state.total
                   ? run(&state, loss, wrt, num_wrt, out_grads)
                   : dl_error(diag, "autodiff: out of memory");
  free(state.active);
  free(state.needed);
  free(state.first);
  free(state.last);
  free(state.total);
  free(state.nodes);
  return status;
}
