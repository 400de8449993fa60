/* Helpers the MatMul/Gemm/Conv/movement op tests share: random data, one-node graphs,
 * running a node on the host twin and comparing with a C reference. */
#ifndef DLCC_TESTS_OPS_DENSE_TEST_UTIL_H
#define DLCC_TESTS_OPS_DENSE_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "ir/graph.h"
#include "ir/infer.h"
#include "op_harness.h"

/* xorshift: the same data on every run, values in [-1, 1). */
static inline float dense_random(uint32_t *state) {
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return (float)((*state >> 8) * (2.0 / 16777216.0) - 1.0);
}

static inline float *dense_random_array(size_t count, uint32_t seed) {
  float *data = malloc((count ? count : 1) * sizeof *data);
  uint32_t state = seed * 2654435761u + 1;
  for (size_t i = 0; i < count; i++)
    data[i] = dense_random(&state);
  return data;
}

static inline ir_type dense_type(ir_dtype dtype, int rank, const int64_t *dims) {
  return ir_type_make(dtype, rank, dims);
}

/* Infers `node`, fails the test with the diagnostics if that fails. */
static inline void dense_infer(ir_graph *graph, ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_infer_node(graph, node, &diag);
  if (status != 0)
    dl_diag_print(&diag, stderr);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
}

/* Runs `node` on the host twin (outputs malloc'ed into outputs[]); prints the time. */
static inline void dense_run(const ir_graph *graph, const ir_node *node, const void *const *inputs,
                             void **outputs, const char *label) {
  dl_diag diag;
  dl_diag_init(&diag);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int status = op_harness_run(graph, node, inputs, outputs, &diag);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (status != 0)
    dl_diag_print(&diag, stderr);
  else if (label)
    printf("  %s: host twin %.1f ms (lowering + JIT + run)\n", label,
           (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
}

static inline void dense_check_ptx(const ir_graph *graph, const ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = op_harness_check_ptx(graph, node, &diag);
  if (status != 0)
    dl_diag_print(&diag, stderr);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
}

/* fp32 comparison at rtol 1e-4, atol 1e-5 (looser `atol` for long sums). */
static inline void dense_expect_close(const float *actual, const float *expected, size_t count,
                                      double atol) {
  size_t worst = 0;
  double excess = op_harness_excess(actual, expected, count, 1e-4, atol, &worst);
  if (excess > 0)
    fprintf(stderr, "  element %zu: got %.9g, expected %.9g\n", worst, actual[worst],
            expected[worst]);
  assert_true(excess <= 0);
}

static inline int64_t dense_count(const ir_type *type) {
  int64_t count = 0;
  assert_true(ir_type_element_count(type, &count));
  return count;
}

#endif
