/* The ad_* helpers of gradient rules: append typed nodes of existing ops to the graph body,
 * named after the node being differentiated ("NODE/grad", "NODE/grad.1", ...). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ir/infer.h"
#include "passes/autodiff/grad.h"

int ad_status(const grad_context *ctx) { return ctx->failed ? -1 : 0; }

int ad_error(grad_context *ctx, const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  ctx->failed = true;
  return ir_node_error(ctx->diag, ctx->node, "gradient: %s", message);
}

ir_value *ad_input(const grad_context *ctx, int index) { return ir_node_input(ctx->node, index); }

bool ad_wanted(const grad_context *ctx, int index) {
  return index < ctx->node->num_inputs && ctx->wanted[index];
}

ir_value *ad_output_grad(grad_context *ctx, ir_value *const *output_grads, int index) {
  return output_grads[index] ? output_grads[index]
                             : ad_zeros(ctx, &ctx->node->outputs[index]->type);
}

ir_node *ad_node(grad_context *ctx, ir_op op, ir_value *const *inputs, int num_inputs,
                 int num_outputs) {
  if (ctx->failed)
    return NULL;
  const ir_op_info *info = ir_op_get(op);
  for (int k = 0; k < num_inputs && k < info->min_inputs; k++)
    if (!inputs[k])
      return NULL; /* an earlier helper failed and said why */
  const char *base = ir_arena_printf(ctx->graph->arena, "%s/grad", ctx->node->name);
  const char *names[4] = {0};
  if (base && num_outputs == 1)
    names[0] = ir_graph_unique_name(ctx->graph, base);
  ir_node *node = base ? ir_graph_add_node(ctx->graph, NULL, op, base, inputs, num_inputs,
                                           num_outputs == 1 ? names : NULL, num_outputs)
                       : NULL;
  if (!node) {
    ad_error(ctx, "out of memory");
    return NULL;
  }
  return node;
}

ir_value *ad_finish(grad_context *ctx, ir_node *node) {
  if (ctx->failed || !node)
    return NULL;
  if (ir_infer_node(ctx->graph, node, ctx->diag) != 0) {
    ad_error(ctx, "a node the rule built is invalid (the message before says why)");
    return NULL;
  }
  return node->outputs[0];
}

void ad_set_int(grad_context *ctx, ir_node *node, const char *name, int64_t value) {
  if (node && ir_node_set_int(ctx->graph, node, name, value) != 0)
    ad_error(ctx, "out of memory");
}

void ad_set_float(grad_context *ctx, ir_node *node, const char *name, double value) {
  if (node && ir_node_set_float(ctx->graph, node, name, (float)value) != 0)
    ad_error(ctx, "out of memory");
}

void ad_set_ints(grad_context *ctx, ir_node *node, const char *name, const int64_t *values,
                 int count) {
  if (node && ir_node_set_ints(ctx->graph, node, name, values, count) != 0)
    ad_error(ctx, "out of memory");
}

ir_value *ad_unary(grad_context *ctx, ir_op op, ir_value *x) {
  return ad_finish(ctx, ad_node(ctx, op, &x, 1, 1));
}

ir_value *ad_binary(grad_context *ctx, ir_op op, ir_value *a, ir_value *b) {
  ir_value *inputs[2] = {a, b};
  return ad_finish(ctx, ad_node(ctx, op, inputs, 2, 1));
}

ir_value *ad_where(grad_context *ctx, ir_value *condition, ir_value *a, ir_value *b) {
  ir_value *inputs[3] = {condition, a, b};
  return ad_finish(ctx, ad_node(ctx, IR_OP_WHERE, inputs, 3, 1));
}

ir_value *ad_constant(grad_context *ctx, ir_type type, const void *data) {
  if (ctx->failed)
    return NULL;
  const char *name = ir_arena_printf(ctx->graph->arena, "%s/grad.const", ctx->node->name);
  ir_value *value = name ? ir_graph_add_constant_copy(
                               ctx->graph, ir_graph_unique_name(ctx->graph, name), type, data)
                         : NULL;
  if (!value)
    ad_error(ctx, "out of memory");
  return value;
}

ir_value *ad_scalar(grad_context *ctx, ir_dtype dtype, double value) {
  unsigned char data[16] = {0};
  ir_element_set_float(dtype, data, 0, value);
  return ad_constant(ctx, ir_type_scalar(dtype), data);
}

ir_value *ad_ints(grad_context *ctx, const int64_t *values, int count) {
  int64_t dims[1] = {count};
  return ad_constant(ctx, ir_type_make(IR_DTYPE_I64, 1, dims), values);
}

ir_value *ad_scale(grad_context *ctx, ir_value *x, double value) {
  return x ? ad_mul(ctx, x, ad_scalar(ctx, x->type.dtype, value)) : NULL;
}

ir_value *ad_offset(grad_context *ctx, ir_value *x, double value) {
  return x ? ad_add(ctx, x, ad_scalar(ctx, x->type.dtype, value)) : NULL;
}

ir_value *ad_compare(grad_context *ctx, ir_op op, ir_value *x, double value) {
  return x ? ad_binary(ctx, op, x, ad_scalar(ctx, x->type.dtype, value)) : NULL;
}

ir_value *ad_mask(grad_context *ctx, ir_value *condition, ir_value *g) {
  return g ? ad_where(ctx, condition, g, ad_scalar(ctx, g->type.dtype, 0.0)) : NULL;
}

bool ad_require_static(grad_context *ctx, const ir_value *value) {
  if (ctx->failed || !value)
    return false;
  if (!ir_type_is_static(&value->type)) {
    ad_error(ctx, "value '%s' has symbolic dims; gradients need static shapes", value->name);
    return false;
  }
  return true;
}

ir_value *ad_zeros(grad_context *ctx, const ir_type *type) {
  return ad_expand(ctx, ad_scalar(ctx, type->dtype, 0.0), type);
}

ir_value *ad_expand(grad_context *ctx, ir_value *x, const ir_type *type) {
  if (!x || ctx->failed)
    return NULL;
  if (x->type.rank == type->rank &&
      memcmp(x->type.dims, type->dims, sizeof(int64_t) * (size_t)type->rank) == 0)
    return x;
  ir_value *inputs[2] = {x, ad_ints(ctx, type->dims, type->rank)};
  return ad_finish(ctx, ad_node(ctx, IR_OP_EXPAND, inputs, 2, 1));
}

ir_value *ad_reshape_dims(grad_context *ctx, ir_value *x, const int64_t *dims, int rank) {
  if (!x || ctx->failed)
    return NULL;
  if (x->type.rank == rank && memcmp(x->type.dims, dims, sizeof(int64_t) * (size_t)rank) == 0)
    return x;
  ir_value *inputs[2] = {x, ad_ints(ctx, dims, rank)};
  return ad_finish(ctx, ad_node(ctx, IR_OP_RESHAPE, inputs, 2, 1));
}

ir_value *ad_reshape(grad_context *ctx, ir_value *x, const ir_type *type) {
  return ad_reshape_dims(ctx, x, type->dims, type->rank);
}

ir_value *ad_reduce(grad_context *ctx, ir_op op, ir_value *x, const int64_t *axes, int count,
                    bool keepdims) {
  if (!x || ctx->failed)
    return NULL;
  if (count == 0)
    return x;
  ir_value *inputs[2] = {x, ad_ints(ctx, axes, count)};
  ir_node *node = ad_node(ctx, op, inputs, 2, 1);
  ad_set_int(ctx, node, "keepdims", keepdims ? 1 : 0);
  return ad_finish(ctx, node);
}

ir_value *ad_reduce_sum(grad_context *ctx, ir_value *x, const int64_t *axes, int count,
                        bool keepdims) {
  return ad_reduce(ctx, IR_OP_REDUCE_SUM, x, axes, count, keepdims);
}

ir_value *ad_sum_to(grad_context *ctx, ir_value *g, const ir_type *type) {
  if (!g || ctx->failed)
    return NULL;
  int64_t axes[IR_MAX_RANK];
  int count = 0, extra = g->type.rank - type->rank;
  for (int d = 0; d < g->type.rank; d++)
    if (d < extra || (type->dims[d - extra] == 1 && g->type.dims[d] != 1))
      axes[count++] = d;
  return ad_reshape(ctx, ad_reduce_sum(ctx, g, axes, count, true), type);
}

ir_value *ad_transpose(grad_context *ctx, ir_value *x, const int64_t *perm, int rank) {
  ir_node *node = ad_node(ctx, IR_OP_TRANSPOSE, &x, 1, 1);
  ad_set_ints(ctx, node, "perm", perm, rank);
  return ad_finish(ctx, node);
}

ir_value *ad_swap_last(grad_context *ctx, ir_value *x) {
  if (!x || ctx->failed)
    return NULL;
  int64_t perm[IR_MAX_RANK];
  int rank = x->type.rank;
  for (int d = 0; d < rank; d++)
    perm[d] = d;
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return ad_transpose(ctx, x, perm, rank);
}

ir_value *ad_cast(grad_context *ctx, ir_value *x, ir_dtype dtype) {
  if (!x || ctx->failed)
    return NULL;
  if (x->type.dtype == dtype)
    return x;
  ir_node *node = ad_node(ctx, IR_OP_CAST, &x, 1, 1);
  if (node && ir_node_set_dtype(ctx->graph, node, "to", dtype) != 0)
    ad_error(ctx, "out of memory");
  return ad_finish(ctx, node);
}
