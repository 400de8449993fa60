/* Mutation tests of the sanitizer on the op lowerings: each kb_barrier of the tiled GEMM
 * (plain and split-K), the row reductions, Softmax and LayerNormalization is dropped in turn
 * (kb_target_options.test_drop_barrier), and so is each kb_fence of the split-K GEMM (the
 * writers' release and the last block's acquire); the checked twin must report a race, while
 * the unmutated kernels run clean. The one barrier a GPU does not need either — the trailing
 * barrier of a kernel's last group reduction, which no later shared access follows — must
 * stay unreported: the sanitizer flags bugs, not barriers. */
#include <string.h>

#include "pointwise_test.h"

typedef struct mutation_case {
  const char *what;
  ir_graph *graph;
  ir_node *node;
  const void *inputs[3];
  int harmless_barrier; /* the kernel's barrier that orders nothing, or 0 */
} mutation_case;

static float *random_input(ir_value *value, uint32_t seed) {
  return pt_random_alloc((size_t)pt_count(value->type.rank, value->type.dims), seed, -1, 1);
}

/* 0: clean; 1: a race was reported; other failures fail the test. */
static int run_case(const mutation_case *c, int drop_barrier, int drop_fence) {
  dl_diag diag;
  dl_diag_init(&diag);
  void *outputs[2] = {NULL, NULL};
  int status = op_harness_run_mutated(c->graph, c->node, c->inputs, outputs, 1, drop_barrier,
                                      drop_fence, &diag);
  int raced = 0;
  if (status != 0) {
    const char *message = diag.stored ? dl_diag_message(&diag, 0) : "";
    if (!strstr(message, "sanitizer:") || strstr(message, "races 0"))
      pt_print_diag(&diag);
    assert_non_null(strstr(message, "sanitizer:"));
    assert_null(strstr(message, "races 0"));
    raced = 1;
  }
  for (int i = 0; i < c->node->num_outputs; i++)
    free(outputs[i]);
  dl_diag_deinit(&diag);
  return raced;
}

static void check_every_barrier(const mutation_case *c, int expected_barriers) {
  dl_diag diag;
  dl_diag_init(&diag);
  int barriers = op_harness_max_barriers(c->graph, c->node, &diag);
  dl_diag_deinit(&diag);
  print_message("%s: %d barriers\n", c->what, barriers);
  assert_int_equal(barriers, expected_barriers);
  assert_int_equal(run_case(c, 0, 0), 0);
  for (int drop = 1; drop <= barriers; drop++) {
    int raced = run_case(c, drop, 0);
    if (drop == c->harmless_barrier) {
      if (raced)
        fail_msg("%s: barrier %d was expected to order nothing", c->what, drop);
    } else if (!raced) {
      fail_msg("%s: dropping barrier %d was not reported", c->what, drop);
    }
  }
}

static mutation_case matmul_case(const char *what, int64_t m, int64_t k, int64_t n) {
  mutation_case c = {.what = what, .graph = ir_graph_create("mutation")};
  const int64_t a_dims[2] = {m, k}, b_dims[2] = {k, n};
  ir_value *inputs[2] = {pt_input(c.graph, "a", IR_DTYPE_F32, 2, a_dims),
                         pt_input(c.graph, "b", IR_DTYPE_F32, 2, b_dims)};
  c.node = pt_node(c.graph, IR_OP_MATMUL, inputs, 2, 1);
  pt_infer(c.graph, c.node);
  c.inputs[0] = random_input(inputs[0], 1);
  c.inputs[1] = random_input(inputs[1], 2);
  return c;
}

static mutation_case rows_case(const char *what, ir_op op, int64_t rows, int64_t length) {
  mutation_case c = {.what = what, .graph = ir_graph_create("mutation")};
  const int64_t dims[2] = {rows, length}, row[1] = {length};
  ir_value *inputs[3] = {pt_input(c.graph, "x", IR_DTYPE_F32, 2, dims), NULL, NULL};
  int count = 1;
  const int64_t last_axis = 1, one = 1;
  if (op == IR_OP_REDUCE_SUM) { /* inputs[1]: the axes, a constant the harness reads itself */
    inputs[1] = pt_constant(c.graph, "axes", IR_DTYPE_I64, 1, &one, &last_axis);
    count = 2;
  }
  if (op == IR_OP_LAYER_NORMALIZATION) {
    inputs[1] = pt_input(c.graph, "scale", IR_DTYPE_F32, 1, row);
    inputs[2] = pt_input(c.graph, "bias", IR_DTYPE_F32, 1, row);
    count = 3;
  }
  c.node = pt_node(c.graph, op, inputs, count, 1);
  if (op == IR_OP_REDUCE_SUM)
    ir_node_set_int(c.graph, c.node, "keepdims", 1);
  else
    ir_node_set_int(c.graph, c.node, "axis", -1);
  pt_infer(c.graph, c.node);
  for (int i = 0; i < count; i++)
    if (!inputs[i]->data)
      c.inputs[i] = random_input(inputs[i], (uint32_t)(3 + i));
  return c;
}

static void release_case(mutation_case *c) {
  for (int i = 0; i < 3; i++)
    free((void *)c->inputs[i]);
  ir_graph_destroy(c->graph);
}

/* Tiled GEMM: the barrier after staging (read after write) and the one at the end of the K
 * step (the next step's staging overwrites what this one read). */
static void test_tiled_gemm(void **state) {
  (void)state;
  mutation_case c = matmul_case("MatMul 70x40x50 (tiled GEMM)", 70, 40, 50);
  check_every_barrier(&c, 2);
  release_case(&c);
}

static void check_every_fence(const mutation_case *c, int expected_fences) {
  dl_diag diag;
  dl_diag_init(&diag);
  int fences = op_harness_max_fences(c->graph, c->node, &diag);
  dl_diag_deinit(&diag);
  assert_int_equal(fences, expected_fences);
  for (int drop = 1; drop <= fences; drop++)
    if (!run_case(c, 0, drop))
      fail_msg("%s: dropping fence %d was not reported", c->what, drop);
}

/* Split-K: a 64x64 output with K = 1024 splits K over blocks of the same tile, in one launch.
 * Barriers: after staging, at the end of the K step, between the writers' fences and the
 * count, and the one that broadcasts "last" from the counting thread. Fences: the release
 * before the count and the last block's acquire before it reads the partials. */
static void test_split_k_gemm(void **state) {
  (void)state;
  mutation_case c = matmul_case("MatMul 64x1024x64 (split K)", 64, 1024, 64);
  check_every_barrier(&c, 4);
  check_every_fence(&c, 2);
  release_case(&c);
}

/* A row reduction whose thread group spans warps: the warps meet in shared memory. */
static void test_row_reduction(void **state) {
  (void)state;
  mutation_case c = rows_case("ReduceSum rows of 3000", IR_OP_REDUCE_SUM, 5, 3000);
  c.harmless_barrier = 2;
  check_every_barrier(&c, 2);
  release_case(&c);
}

static void test_softmax(void **state) {
  (void)state;
  mutation_case c = rows_case("Softmax rows of 1000", IR_OP_SOFTMAX, 3, 1000);
  c.harmless_barrier = 4;
  check_every_barrier(&c, 4);
  release_case(&c);
}

static void test_layer_normalization(void **state) {
  (void)state;
  mutation_case c = rows_case("LayerNormalization rows of 1000", IR_OP_LAYER_NORMALIZATION, 3, 1000);
  c.harmless_barrier = 4;
  check_every_barrier(&c, 4);
  release_case(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tiled_gemm),    cmocka_unit_test(test_split_k_gemm),
      cmocka_unit_test(test_row_reduction), cmocka_unit_test(test_softmax),
      cmocka_unit_test(test_layer_normalization),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
