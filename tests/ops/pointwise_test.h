/* Shared helpers of the pointwise/reduction/pooling op tests: build a one-node graph, run
 * it on the host twin, compare with a C reference, and assemble its PTX with ptxas. */
#ifndef DLCC_TESTS_OPS_POINTWISE_TEST_H
#define DLCC_TESTS_OPS_POINTWISE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/ops/pointwise_util.h"
#include "ir/infer.h"
#include "op_harness.h"

/* Default fp32 tolerance of the op tests (exact-math ops meet it with margin). */
#define PT_RTOL 1e-4
#define PT_ATOL 1e-5

static inline void pt_print_diag(const dl_diag *diag) {
  for (int i = 0; i < diag->stored; i++)
    print_error("  %s\n", dl_diag_message(diag, i));
}

static inline ir_value *pt_input(ir_graph *graph, const char *name, ir_dtype dtype, int rank,
                                 const int64_t *dims) {
  ir_value *value = ir_graph_add_input(graph, name, ir_type_make(dtype, rank, dims));
  assert_non_null(value);
  return value;
}

static inline ir_value *pt_constant(ir_graph *graph, const char *name, ir_dtype dtype, int rank,
                                    const int64_t *dims, const void *data) {
  ir_value *value = ir_graph_add_constant_copy(graph, name, ir_type_make(dtype, rank, dims), data);
  assert_non_null(value);
  return value;
}

static inline ir_node *pt_node(ir_graph *graph, ir_op op, ir_value *const *inputs, int count,
                               int outputs) {
  ir_node *node = ir_graph_add_node(graph, NULL, op, ir_op_name(op), inputs, count, NULL, outputs);
  assert_non_null(node);
  return node;
}

/* Infers the node's output types (call after setting attributes). */
static inline void pt_infer(ir_graph *graph, ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_infer_node(graph, node, &diag);
  if (status != 0)
    pt_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
}

/* Runs the node on the host twin; outputs[i] are malloc'ed (caller frees). */
static inline void pt_run(ir_graph *graph, ir_node *node, const void *const *inputs,
                          void **outputs) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = op_harness_run(graph, node, inputs, outputs, &diag);
  if (status != 0)
    pt_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
}

static inline void pt_check_ptx(ir_graph *graph, ir_node *node);

/* Infers `node`, runs it on `inputs`, assembles its PTX and destroys the graph; returns output
 * 0 (caller frees). */
static inline void *pt_run_once(ir_graph *graph, ir_node *node, const void *const *inputs) {
  pt_infer(graph, node);
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  pt_check_ptx(graph, node);
  ir_graph_destroy(graph);
  return outputs[0];
}

static inline void pt_check_ptx(ir_graph *graph, ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = op_harness_check_ptx(graph, node, &diag);
  if (status != 0)
    pt_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
}

/* Runs Cast(to) on `n` elements of `from` (with `saturate` unless it is -1) and returns the
 * output (caller frees); assembles the PTX too when `check_ptx`. */
static inline void *pt_run_cast(ir_dtype from, ir_dtype to, int saturate, const void *data,
                                int64_t n, bool check_ptx) {
  ir_graph *graph = ir_graph_create("cast");
  ir_value *x = pt_input(graph, "x", from, 1, &n);
  ir_node *node = pt_node(graph, IR_OP_CAST, &x, 1, 1);
  ir_node_set_dtype(graph, node, "to", to);
  if (saturate >= 0)
    ir_node_set_int(graph, node, "saturate", saturate);
  pt_infer(graph, node);
  const void *inputs[1] = {data};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  if (check_ptx)
    pt_check_ptx(graph, node);
  ir_graph_destroy(graph);
  return outputs[0];
}

/* Lowering must fail with a message containing `needle`. */
static inline void pt_expect_lower_error(ir_graph *graph, ir_node *node, const char *needle) {
  dl_diag diag;
  dl_diag_init(&diag);
  void *outputs[4] = {0};
  int status = op_harness_run(graph, node, NULL, outputs, &diag);
  assert_int_equal(status, -1);
  int found = 0;
  for (int i = 0; i < diag.stored; i++)
    found |= strstr(dl_diag_message(&diag, i), needle) != NULL;
  if (!found)
    pt_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_true(found);
}

static inline void pt_expect_close(const float *actual, const float *expected, size_t n,
                                   double rtol, double atol) {
  size_t worst = 0;
  double excess = op_harness_excess(actual, expected, n, rtol, atol, &worst);
  if (excess > 0)
    print_error("element %zu: got %.9g, expected %.9g (excess %.3g)\n", worst,
                (double)actual[worst], (double)expected[worst], excess);
  assert_true(excess <= 0);
}

/* Deterministic uniform floats in [low, high). */
static inline void pt_random(float *data, size_t n, uint32_t seed, float low, float high) {
  uint32_t state = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    state = state * 1664525u + 1013904223u;
    data[i] = low + (high - low) * (float)(state >> 8) / 16777216.0f;
  }
}

static inline float *pt_random_alloc(size_t n, uint32_t seed, float low, float high) {
  float *data = malloc(n * sizeof(float) + 1);
  assert_non_null(data);
  pt_random(data, n, seed, low, high);
  return data;
}

static inline int64_t pt_count(int rank, const int64_t *dims) {
  int64_t count = 1;
  for (int i = 0; i < rank; i++)
    count *= dims[i];
  return count;
}

#endif
