/* Graph building for the training builders: one IR node at a time in the graph body, each
 * output named from a base ("loss/Sub", "loss/Sub.1", ...) and typed by inference at once.
 * Every builder takes a NULL input as an earlier failure and returns NULL, so a builder chains
 * them and checks the last result only; the first error is in the diagnostics. */
#ifndef DLCC_PASSES_TRAIN_BUILD_H
#define DLCC_PASSES_TRAIN_BUILD_H

#include <stdint.h>

#include "ir/diag.h"
#include "ir/graph.h"

typedef struct dl_builder {
  ir_graph *graph;
  const char *base; /* prefix of the names of what it builds */
  dl_diag *diag;
} dl_builder;

/* A node of `op` over `inputs` (attributes go on it next), or NULL. */
ir_node *dl_build_start(dl_builder *b, ir_op op, ir_value *const *inputs, int num_inputs);
/* Infers the node's type and returns its output 0, or NULL. */
ir_value *dl_build_finish(dl_builder *b, ir_node *node);
/* `op` of x, or of x and y (y NULL: one input). */
ir_value *dl_build_op(dl_builder *b, ir_op op, ir_value *x, ir_value *y);
ir_value *dl_build_where(dl_builder *b, ir_value *condition, ir_value *x, ir_value *y);
ir_value *dl_build_cast(dl_builder *b, ir_value *x, ir_dtype to); /* x itself if already `to` */
/* A reduction (ReduceSum, ReduceMean, ReduceSumSquare, ...) over every axis: a scalar. */
ir_value *dl_build_reduce_all(dl_builder *b, ir_op op, ir_value *x);
/* A reduction over `axes` keeping them as size-1 dims (keepdims 1) or dropping them. */
ir_value *dl_build_reduce(dl_builder *b, ir_op op, ir_value *x, const int64_t *axes, int count,
                          bool keepdims);
/* A constant int64 vector. */
ir_value *dl_build_ints(dl_builder *b, const int64_t *values, int count);
ir_value *dl_build_reshape(dl_builder *b, ir_value *x, const int64_t *dims, int rank);
/* A scalar constant of a floating-point or integer dtype. */
ir_value *dl_build_scalar(dl_builder *b, ir_dtype dtype, double value);
/* a * x + y for a number a (x * a alone when y is NULL). */
ir_value *dl_build_scaled_add(dl_builder *b, double a, ir_value *x, ir_value *y);
/* Whether the type is a one-element tensor (rank 0 or all dims 1). */
bool dl_type_is_scalar(const ir_type *type);

#endif
