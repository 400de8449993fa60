/* What gradient rules see (the GRAD column of ir/ops.def): the node being differentiated, the
 * gradients of its outputs, a builder of typed nodes in the graph body (ir/build.h) and the
 * helpers rules share on top of it (ad_*). */
#ifndef DLCC_PASSES_AUTODIFF_GRAD_H
#define DLCC_PASSES_AUTODIFF_GRAD_H

#include <stdbool.h>

#include "ir/build.h"
#include "ir/diag.h"
#include "ir/graph.h"

typedef struct grad_context {
  /* Builds the rule's nodes: outputs named "NODE/grad", "NODE/grad.1", ..., constants
   * "NODE/grad.const"; failures name the node and are sticky, so a rule may build a whole
   * expression and check ad_status at the end. */
  ir_builder build;
  const ir_node *node; /* the node whose rule runs */
  const bool *wanted;  /* per input of `node`: whether the driver needs its gradient */
} grad_context;

/* A context for `node`'s rule (node may be NULL where nothing is built). */
void grad_context_init(grad_context *ctx, ir_graph *graph, const ir_node *node, dl_diag *diag,
                       const bool *wanted);

/* A rule: from output_grads[j] (d loss / d output j; NULL where no gradient reaches output j)
 * sets input_grads[k] (same type as input k) for each wanted input k, leaving NULL those it
 * has no gradient for (integer indices, shapes, masks). Returns 0, or -1 after a message that
 * names the node. The ad_* helpers and ir_build_* on ctx->build return NULL once one failed. */
typedef int (*grad_fn)(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads);

#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  int GRAD(grad_context *ctx, ir_value *const *output_grads, ir_value **input_grads);
#include "ir/ops.def"
#undef OP

/* The rule of `op` (grad_none for ops without one). */
grad_fn grad_rule(ir_op op);

/* 0, or -1 when a helper failed. */
int ad_status(const grad_context *ctx);
/* Adds "node 'N' (Op): gradient: <message>" about ctx->node and fails the context. */
int ad_error(grad_context *ctx, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Input k of the node (NULL when absent). */
ir_value *ad_input(const grad_context *ctx, int index);
/* Whether the driver needs input k's gradient. */
bool ad_wanted(const grad_context *ctx, int index);
/* The gradient of output `index`, or zeros of its type where none reached it. */
ir_value *ad_output_grad(grad_context *ctx, ir_value *const *output_grads, int index);

/* Nodes without attributes (NULL when an input is). */
static inline ir_value *ad_unary(grad_context *ctx, ir_op op, ir_value *x) {
  return ir_build_op(&ctx->build, op, x, NULL);
}
static inline ir_value *ad_binary(grad_context *ctx, ir_op op, ir_value *a, ir_value *b) {
  return a && b ? ir_build_op(&ctx->build, op, a, b) : NULL;
}
static inline ir_value *ad_add(grad_context *ctx, ir_value *a, ir_value *b) {
  return ad_binary(ctx, IR_OP_ADD, a, b);
}
static inline ir_value *ad_sub(grad_context *ctx, ir_value *a, ir_value *b) {
  return ad_binary(ctx, IR_OP_SUB, a, b);
}
static inline ir_value *ad_mul(grad_context *ctx, ir_value *a, ir_value *b) {
  return ad_binary(ctx, IR_OP_MUL, a, b);
}
static inline ir_value *ad_div(grad_context *ctx, ir_value *a, ir_value *b) {
  return ad_binary(ctx, IR_OP_DIV, a, b);
}

/* x * value, x + value with a scalar of x's dtype. */
ir_value *ad_scale(grad_context *ctx, ir_value *x, double value);
ir_value *ad_offset(grad_context *ctx, ir_value *x, double value);
/* x compared with a scalar of its dtype (a bool tensor). */
ir_value *ad_compare(grad_context *ctx, ir_op op, ir_value *x, double value);
/* Where(condition, g, 0): g where the condition holds, zeros elsewhere. */
ir_value *ad_mask(grad_context *ctx, ir_value *condition, ir_value *g);

/* Zeros of `type` (an Expand of a scalar; the type must be static). */
ir_value *ad_zeros(grad_context *ctx, const ir_type *type);
/* x broadcast to `type`'s dims (Expand); x itself when the dims are already those. */
ir_value *ad_expand(grad_context *ctx, ir_value *x, const ir_type *type);
/* x (same element count) with `type`'s dims (Reshape); x itself when they are already. */
ir_value *ad_reshape(grad_context *ctx, ir_value *x, const ir_type *type);
ir_value *ad_reshape_dims(grad_context *ctx, ir_value *x, const int64_t *dims, int rank);
/* A Reduce* op (ReduceSum, ReduceMean...) of x over `axes` (count of them; x itself when 0),
 * dims kept or dropped. */
ir_value *ad_reduce(grad_context *ctx, ir_op op, ir_value *x, const int64_t *axes, int count,
                    bool keepdims);
ir_value *ad_reduce_sum(grad_context *ctx, ir_value *x, const int64_t *axes, int count,
                        bool keepdims);
/* A gradient g of a broadcast result summed back to the shape of the input it came from:
 * ReduceSum over the axes broadcasting added or stretched, then a Reshape to `type`. */
ir_value *ad_sum_to(grad_context *ctx, ir_value *g, const ir_type *type);
/* x with its last two axes swapped. */
ir_value *ad_swap_last(grad_context *ctx, ir_value *x);

/* A sliding window (Conv, the pools) with its pads resolved: begins, then ends. */
typedef struct ad_window {
  int rank; /* spatial axes */
  int64_t kernel[IR_MAX_RANK], strides[IR_MAX_RANK], dilations[IR_MAX_RANK];
  int64_t pads[2 * IR_MAX_RANK];
  int64_t group;
  bool ceil_mode;
} ad_window;
/* The node's window for its input 0's spatial dims (kernel: Conv's from the weights, NULL for
 * the pools' kernel_shape); group 1. */
int ad_read_window(grad_context *ctx, const int64_t *kernel, ad_window *out);
/* A Conv or ConvTranspose (op) of x by w with the window's strides, dilations, pads and group,
 * and output_padding (ConvTranspose; NULL for none). */
ir_value *ad_window_op(grad_context *ctx, ir_op op, ir_value *x, ir_value *w,
                       const ad_window *window, const int64_t *output_padding);
/* The output_padding a ConvTranspose over the window needs to map `output` sizes back to
 * `input` sizes (the end rows a stride left out). */
void ad_output_padding(const ad_window *window, const int64_t *kernel, const int64_t *input,
                       const int64_t *output, int64_t *out);

/* Static dims of a value the rule needs; fails naming the node otherwise. */
bool ad_require_static(grad_context *ctx, const ir_value *value);

#endif
