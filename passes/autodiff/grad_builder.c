/* The gradient rules' builder (ir/build.h named after the node being differentiated, its
 * failures sticky and naming the node) and the ad_* helpers rules share on top of it. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ir/infer.h"
#include "passes/autodiff/grad.h"

static void report(ir_builder *build, const char *message) {
  ad_error(build->owner, "%s", message);
}

static int finish(ir_builder *build, ir_node *node) {
  if (ir_infer_node(build->graph, node, build->diag) == 0)
    return 0;
  return ad_error(build->owner, "a node the rule built is invalid (the message before says why)");
}

void grad_context_init(grad_context *ctx, ir_graph *graph, const ir_node *node, dl_diag *diag,
                       const bool *wanted) {
  const char *base = node ? ir_arena_printf(graph->arena, "%s/grad", node->name) : NULL;
  *ctx = (grad_context){
      .build = {.graph = graph,
                .base = base,
                .diag = diag,
                .constant_base = base ? ir_arena_printf(graph->arena, "%s.const", base) : NULL,
                .report = report,
                .finish = finish,
                .owner = ctx},
      .node = node,
      .wanted = wanted,
  };
}

int ad_status(const grad_context *ctx) { return ctx->build.failed ? -1 : 0; }

int ad_error(grad_context *ctx, const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  ctx->build.failed = true;
  return ir_node_error(ctx->build.diag, ctx->node, "gradient: %s", message);
}

ir_value *ad_input(const grad_context *ctx, int index) { return ir_node_input(ctx->node, index); }

bool ad_wanted(const grad_context *ctx, int index) {
  return index < ctx->node->num_inputs && ctx->wanted[index];
}

ir_value *ad_output_grad(grad_context *ctx, ir_value *const *output_grads, int index) {
  return output_grads[index] ? output_grads[index]
                             : ad_zeros(ctx, &ctx->node->outputs[index]->type);
}

ir_value *ad_scale(grad_context *ctx, ir_value *x, double value) {
  return ir_build_scaled_add(&ctx->build, value, x, NULL);
}

ir_value *ad_offset(grad_context *ctx, ir_value *x, double value) {
  return x ? ad_add(ctx, x, ir_build_scalar(&ctx->build, x->type.dtype, value)) : NULL;
}

ir_value *ad_compare(grad_context *ctx, ir_op op, ir_value *x, double value) {
  return x ? ad_binary(ctx, op, x, ir_build_scalar(&ctx->build, x->type.dtype, value)) : NULL;
}

ir_value *ad_mask(grad_context *ctx, ir_value *condition, ir_value *g) {
  return g ? ir_build_where(&ctx->build, condition, g,
                            ir_build_scalar(&ctx->build, g->type.dtype, 0.0))
           : NULL;
}

bool ad_require_static(grad_context *ctx, const ir_value *value) {
  if (ctx->build.failed || !value)
    return false;
  if (!ir_type_is_static(&value->type)) {
    ad_error(ctx, "value '%s' has symbolic dims; gradients need static shapes", value->name);
    return false;
  }
  return true;
}

ir_value *ad_zeros(grad_context *ctx, const ir_type *type) {
  return ad_expand(ctx, ir_build_scalar(&ctx->build, type->dtype, 0.0), type);
}

static bool has_dims(const ir_value *x, const int64_t *dims, int rank) {
  return x->type.rank == rank && memcmp(x->type.dims, dims, sizeof(int64_t) * (size_t)rank) == 0;
}

ir_value *ad_expand(grad_context *ctx, ir_value *x, const ir_type *type) {
  if (!x || ctx->build.failed || has_dims(x, type->dims, type->rank))
    return ctx->build.failed ? NULL : x;
  return ir_build_op(&ctx->build, IR_OP_EXPAND, x,
                     ir_build_ints(&ctx->build, type->dims, type->rank));
}

ir_value *ad_reshape_dims(grad_context *ctx, ir_value *x, const int64_t *dims, int rank) {
  if (!x || ctx->build.failed || has_dims(x, dims, rank))
    return ctx->build.failed ? NULL : x;
  return ir_build_reshape(&ctx->build, x, dims, rank);
}

ir_value *ad_reshape(grad_context *ctx, ir_value *x, const ir_type *type) {
  return ad_reshape_dims(ctx, x, type->dims, type->rank);
}

ir_value *ad_reduce(grad_context *ctx, ir_op op, ir_value *x, const int64_t *axes, int count,
                    bool keepdims) {
  if (!x || ctx->build.failed || count == 0)
    return ctx->build.failed ? NULL : x;
  return ir_build_reduce(&ctx->build, op, x, axes, count, keepdims);
}

ir_value *ad_reduce_sum(grad_context *ctx, ir_value *x, const int64_t *axes, int count,
                        bool keepdims) {
  return ad_reduce(ctx, IR_OP_REDUCE_SUM, x, axes, count, keepdims);
}

ir_value *ad_sum_to(grad_context *ctx, ir_value *g, const ir_type *type) {
  if (!g || ctx->build.failed)
    return NULL;
  int64_t axes[IR_MAX_RANK];
  int count = 0, extra = g->type.rank - type->rank;
  for (int d = 0; d < g->type.rank; d++)
    if (d < extra || (type->dims[d - extra] == 1 && g->type.dims[d] != 1))
      axes[count++] = d;
  return ad_reshape(ctx, ad_reduce_sum(ctx, g, axes, count, true), type);
}

ir_value *ad_swap_last(grad_context *ctx, ir_value *x) {
  if (!x || ctx->build.failed)
    return NULL;
  int64_t perm[IR_MAX_RANK];
  int rank = x->type.rank;
  for (int d = 0; d < rank; d++)
    perm[d] = d;
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return ir_build_transpose(&ctx->build, x, perm, rank);
}
