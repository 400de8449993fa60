/* Gemm lowering (tiled GEMM with transA/transB/alpha/beta/C broadcast) against a C reference. */
#include "dense_test_util.h"

typedef struct gemm_case {
  int64_t m, n, k;
  int trans_a, trans_b;
  float alpha, beta;
  int c_rank; /* -1: no C */
  int64_t c_dims[2];
  int ptx;
  const char *label;
} gemm_case;

static void reference_gemm(const gemm_case *g, const float *a, const float *b, const float *c,
                           float *y) {
  int64_t c_rows = g->c_rank == 2 ? g->c_dims[0] : 1;
  int64_t c_cols = g->c_rank >= 1 ? g->c_dims[g->c_rank - 1] : 1;
  for (int64_t i = 0; i < g->m; i++)
    for (int64_t j = 0; j < g->n; j++) {
      double sum = 0;
      for (int64_t p = 0; p < g->k; p++) {
        double av = g->trans_a ? a[p * g->m + i] : a[i * g->k + p];
        double bv = g->trans_b ? b[j * g->k + p] : b[p * g->n + j];
        sum += av * bv;
      }
      sum *= g->alpha;
      if (g->c_rank >= 0)
        sum += g->beta * c[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
      y[i * g->n + j] = (float)sum;
    }
}

static void check_gemm(const gemm_case *g) {
  ir_graph *graph = ir_graph_create("gemm");
  int64_t a_dims[2] = {g->trans_a ? g->k : g->m, g->trans_a ? g->m : g->k};
  int64_t b_dims[2] = {g->trans_b ? g->n : g->k, g->trans_b ? g->k : g->n};
  ir_type a_type = dense_type(IR_DTYPE_F32, 2, a_dims),
          b_type = dense_type(IR_DTYPE_F32, 2, b_dims);
  ir_type c_type = dense_type(IR_DTYPE_F32, g->c_rank < 0 ? 0 : g->c_rank, g->c_dims);
  float *a = dense_random_array((size_t)dense_count(&a_type), 11);
  float *b = dense_random_array((size_t)dense_count(&b_type), 12);
  float *c = dense_random_array((size_t)dense_count(&c_type), 13);
  ir_value *inputs[3] = {ir_graph_add_input(graph, "a", a_type),
                         ir_graph_add_constant(graph, "b", b_type, b),
                         g->c_rank >= 0 ? ir_graph_add_constant(graph, "c", c_type, c) : NULL};
  ir_node *node =
      ir_graph_add_node(graph, NULL, IR_OP_GEMM, "gemm", inputs, g->c_rank >= 0 ? 3 : 2, NULL, 1);
  ir_node_set_int(graph, node, "transA", g->trans_a);
  ir_node_set_int(graph, node, "transB", g->trans_b);
  ir_node_set_float(graph, node, "alpha", g->alpha);
  ir_node_set_float(graph, node, "beta", g->beta);
  dense_infer(graph, node);
  assert_int_equal(node->outputs[0]->type.dims[0], g->m);
  assert_int_equal(node->outputs[0]->type.dims[1], g->n);
  const void *data[3] = {a, NULL, NULL};
  void *outputs[1] = {NULL};
  dense_run(graph, node, data, outputs, g->label);
  float *expected = malloc((size_t)(g->m * g->n) * sizeof *expected);
  reference_gemm(g, a, b, c, expected);
  dense_expect_close(outputs[0], expected, (size_t)(g->m * g->n), 1e-4);
  if (g->ptx)
    dense_check_ptx(graph, node);
  free(expected);
  free(outputs[0]);
  free(a);
  free(b);
  free(c);
  ir_graph_destroy(graph);
}

static void test_plain(void **state) {
  (void)state;
  check_gemm(&(gemm_case){.m = 64,
                          .n = 64,
                          .k = 64,
                          .alpha = 1,
                          .beta = 1,
                          .c_rank = -1,
                          .ptx = 1,
                          .label = "64x64x64"});
  check_gemm(&(gemm_case){.m = 5, .n = 3, .k = 70, .alpha = 1, .beta = 1, .c_rank = -1});
}

static void test_transposes(void **state) {
  (void)state;
  check_gemm(&(gemm_case){
      .m = 33, .n = 45, .k = 19, .trans_a = 1, .alpha = 1, .beta = 1, .c_rank = -1, .ptx = 1});
  check_gemm(&(gemm_case){
      .m = 33, .n = 45, .k = 19, .trans_b = 1, .alpha = 1, .beta = 1, .c_rank = -1, .ptx = 1});
  check_gemm(&(gemm_case){
      .m = 70, .n = 66, .k = 31, .trans_a = 1, .trans_b = 1, .alpha = 1, .beta = 1, .c_rank = -1});
}

static void test_bias_broadcasts(void **state) {
  (void)state;
  /* The classifier layer: transB weights with a per-column bias. */
  check_gemm(&(gemm_case){.m = 2,
                          .n = 1000,
                          .k = 512,
                          .trans_b = 1,
                          .alpha = 1,
                          .beta = 1,
                          .c_rank = 1,
                          .c_dims = {1000},
                          .ptx = 1,
                          .label = "2x1000x512 fc"});
  /* ResNet-50's classifier at batch 1: 16x256 tiles with K split 8 ways (32 blocks). */
  check_gemm(&(gemm_case){.m = 1,
                          .n = 1000,
                          .k = 2048,
                          .trans_b = 1,
                          .alpha = 1,
                          .beta = 1,
                          .c_rank = 1,
                          .c_dims = {1000},
                          .ptx = 1,
                          .label = "thin split-K 1x1000x2048 fc"});
  check_gemm(
      &(gemm_case){.m = 17, .n = 9, .k = 8, .alpha = 1, .beta = 1, .c_rank = 2, .c_dims = {17, 1}});
  check_gemm(
      &(gemm_case){.m = 17, .n = 9, .k = 8, .alpha = 1, .beta = 1, .c_rank = 2, .c_dims = {17, 9}});
  check_gemm(&(gemm_case){.m = 17, .n = 9, .k = 8, .alpha = 1, .beta = 1, .c_rank = 0});
  check_gemm(
      &(gemm_case){.m = 17, .n = 9, .k = 8, .alpha = 1, .beta = 1, .c_rank = 2, .c_dims = {1, 9}});
}

static void test_alpha_beta(void **state) {
  (void)state;
  check_gemm(&(gemm_case){.m = 20,
                          .n = 30,
                          .k = 40,
                          .alpha = 0.5f,
                          .beta = -2.0f,
                          .c_rank = 2,
                          .c_dims = {20, 30},
                          .ptx = 1});
  check_gemm(&(gemm_case){
      .m = 20, .n = 30, .k = 40, .alpha = 3.0f, .beta = 0.0f, .c_rank = 1, .c_dims = {30}});
  /* K = 600 over one output tile: split K, then alpha, beta and C applied once to the sum */
  check_gemm(&(gemm_case){.m = 20,
                          .n = 30,
                          .k = 600,
                          .trans_a = 1,
                          .alpha = 0.5f,
                          .beta = 1.5f,
                          .c_rank = 2,
                          .c_dims = {20, 30},
                          .ptx = 1,
                          .label = "split-K gemm"});
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain),
      cmocka_unit_test(test_transposes),
      cmocka_unit_test(test_bias_broadcasts),
      cmocka_unit_test(test_alpha_beta),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
