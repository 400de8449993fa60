/* Building IR one node at a time: each node appended to the graph body, its output named from
 * the builder's base and typed at once. Every function takes a NULL input as an earlier
 * failure and returns NULL, so a caller chains them and checks the last result only. The first
 * failure is in the diagnostics and marks the builder failed; a failed builder builds nothing.
 * The importer, the training builders and the gradient rules each configure one. */
#ifndef DLCC_IR_BUILD_H
#define DLCC_IR_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/graph.h"

typedef struct ir_builder ir_builder;
struct ir_builder {
  ir_graph *graph;
  const char *base; /* what the names of what it builds start with */
  dl_diag *diag;
  /* Names "<base>/<Op>" (constants "<base>/shape", "<base>/constant") rather than "<base>";
   * either gets ".1", ".2", ... where taken. */
  bool op_names;
  const char *constant_base; /* without op_names: what constants are named from (NULL: base) */
  /* The name of every one-output node's output instead of a fresh one: set in a builder made
   * for one node (the importer names an expansion's last node after the ONNX output). */
  const char *output;
  bool failed;
  /* Says why the builder itself failed ("out of memory"); NULL: "<base>: <message>". */
  void (*report)(ir_builder *builder, const char *message);
  /* Types a node just built, returning 0 or -1 after a message; NULL: ir_infer_node. */
  int (*finish)(ir_builder *builder, ir_node *node);
  void *owner; /* what the hooks need */
};

/* Reports `message` the builder's way and fails it; returns NULL. */
void *ir_build_fail(ir_builder *b, const char *message);

/* A node of `op` over `inputs` with one output (attributes go on it next), or NULL. */
ir_node *ir_build_start(ir_builder *b, ir_op op, ir_value *const *inputs, int num_inputs);
/* The same with `num_outputs` outputs, named by the graph; the node is named from the base. */
ir_node *ir_build_start_outputs(ir_builder *b, ir_op op, ir_value *const *inputs, int num_inputs,
                                int num_outputs);
/* Types the node and returns its output 0, or NULL. */
ir_value *ir_build_finish(ir_builder *b, ir_node *node);
/* Attributes of a node just started (nothing when node is NULL). */
void ir_build_set_int(ir_builder *b, ir_node *node, const char *name, int64_t value);
void ir_build_set_float(ir_builder *b, ir_node *node, const char *name, double value);
void ir_build_set_ints(ir_builder *b, ir_node *node, const char *name, const int64_t *values,
                       int count);
void ir_build_set_dtype(ir_builder *b, ir_node *node, const char *name, ir_dtype value);

/* `op` of x, or of x and y (y NULL: one input). */
ir_value *ir_build_op(ir_builder *b, ir_op op, ir_value *x, ir_value *y);
ir_value *ir_build_where(ir_builder *b, ir_value *condition, ir_value *x, ir_value *y);
/* x itself if already `to` (and no output name is set). */
ir_value *ir_build_cast(ir_builder *b, ir_value *x, ir_dtype to);
/* A reduction (ReduceSum, ReduceMean, ReduceSumSquare, ...) over every axis: a scalar. */
ir_value *ir_build_reduce_all(ir_builder *b, ir_op op, ir_value *x);
/* A reduction over `axes` keeping them as size-1 dims (keepdims 1) or dropping them. */
ir_value *ir_build_reduce(ir_builder *b, ir_op op, ir_value *x, const int64_t *axes, int count,
                          bool keepdims);
ir_value *ir_build_reshape(ir_builder *b, ir_value *x, const int64_t *dims, int rank);
ir_value *ir_build_transpose(ir_builder *b, ir_value *x, const int64_t *perm, int rank);
/* a * x + y for a number a (x * a alone when y is NULL). */
ir_value *ir_build_scaled_add(ir_builder *b, double a, ir_value *x, ir_value *y);

/* A constant of `type` holding a copy of `data` (little-endian elements). */
ir_value *ir_build_constant(ir_builder *b, ir_type type, const void *data);
/* A constant int64 vector. */
ir_value *ir_build_ints(ir_builder *b, const int64_t *values, int count);
/* A scalar constant of a floating-point or integer dtype. */
ir_value *ir_build_scalar(ir_builder *b, ir_dtype dtype, double value);

#endif
