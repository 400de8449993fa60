/* NegativeLogLikelihoodLoss on the host twin against a double reference: each reduction,
 * with and without weights and ignore_index, [N, C] and [N, C, d1, d2], sums longer than a
 * block; i32 and i64 targets; PTX through ptxas. Errors: a bad reduction, mismatched
 * targets. Tolerance rtol 1e-4 / atol 1e-5 (f32 sums of up to 3000 terms). */
#include "pointwise_test.h"

typedef struct loss_case {
  int rank;
  int64_t dims[4]; /* input [N, C, d...] */
  const char *reduction;
  bool weighted, ignore;
  ir_dtype target_dtype;
} loss_case;

enum { IGNORED_CLASS = 1 };

static void run_loss(const loss_case *t) {
  int64_t n = t->dims[0], classes = t->dims[1], inner = 1;
  for (int d = 2; d < t->rank; d++)
    inner *= t->dims[d];
  int64_t count = n * inner, target_dims[3] = {n, 0, 0};
  for (int d = 2; d < t->rank; d++)
    target_dims[d - 1] = t->dims[d];
  ir_graph *graph = ir_graph_create("nll_loss");
  float *weights = pt_random_alloc((size_t)classes, 7, 0.5f, 2);
  ir_value *in[3] = {pt_input(graph, "input", IR_DTYPE_F32, t->rank, t->dims),
                     pt_input(graph, "target", t->target_dtype, t->rank - 1, target_dims),
                     t->weighted ? pt_constant(graph, "weight", IR_DTYPE_F32, 1, &classes, weights)
                                 : NULL};
  ir_node *node = pt_node(graph, IR_OP_NEGATIVE_LOG_LIKELIHOOD_LOSS, in, t->weighted ? 3 : 2, 1);
  ir_node_set_string(graph, node, "reduction", t->reduction);
  if (t->ignore)
    ir_node_set_int(graph, node, "ignore_index", IGNORED_CLASS);
  pt_infer(graph, node);
  float *input = pt_random_alloc((size_t)(n * classes * inner), 11, -4, 0);
  int64_t *targets64 = malloc((size_t)count * sizeof(int64_t));
  int32_t *targets32 = malloc((size_t)count * sizeof(int32_t));
  double sum = 0, weight_sum = 0;
  float *expected = malloc((size_t)count * sizeof(float));
  for (int64_t e = 0; e < count; e++) {
    int64_t target = (e * 7 + e / 3) % classes;
    targets64[e] = target, targets32[e] = (int32_t)target;
    double weight = t->ignore && target == IGNORED_CLASS ? 0 : t->weighted ? weights[target] : 1;
    double loss = -input[((e / inner) * classes + target) * inner + e % inner] * weight;
    expected[e] = (float)loss;
    sum += loss, weight_sum += weight;
  }
  bool reduced = strcmp(t->reduction, "none") != 0;
  if (reduced)
    expected[0] = (float)(strcmp(t->reduction, "mean") == 0 ? sum / weight_sum : sum);
  const void *inputs[3] = {input, t->target_dtype == IR_DTYPE_I64 ? (void *)targets64 : targets32};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  print_message("NegativeLogLikelihoodLoss %lld targets, %s%s%s\n", (long long)count, t->reduction,
                t->weighted ? ", weighted" : "", t->ignore ? ", ignore_index" : "");
  pt_expect_close(outputs[0], expected, reduced ? 1 : (size_t)count, PT_RTOL, PT_ATOL);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(input), free(targets64), free(targets32), free(expected), free(weights);
  ir_graph_destroy(graph);
}

static void test_nll_loss(void **state) {
  (void)state;
  const loss_case cases[] = {
      {2, {3, 5}, "none", false, false, IR_DTYPE_I64},
      {2, {3, 5}, "mean", false, false, IR_DTYPE_I64},
      {2, {3, 5}, "sum", true, false, IR_DTYPE_I32},
      {4, {2, 3, 4, 5}, "none", true, true, IR_DTYPE_I64},
      {4, {2, 3, 4, 5}, "mean", true, true, IR_DTYPE_I64},
      {3, {3, 4, 1000}, "mean", false, true, IR_DTYPE_I32}, /* 3000 terms: threads loop */
      {3, {3, 4, 1000}, "sum", true, false, IR_DTYPE_I64},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_loss(&cases[i]);
}

static int infer_status(ir_graph *graph, ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_infer_node(graph, node, &diag);
  dl_diag_deinit(&diag);
  return status;
}

static void test_errors(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("nll_errors");
  const int64_t input_dims[3] = {2, 3, 4}, good[2] = {2, 4}, bad[2] = {2, 3};
  ir_value *in[2] = {pt_input(graph, "input", IR_DTYPE_F32, 3, input_dims),
                     pt_input(graph, "target", IR_DTYPE_I64, 2, good)};
  ir_node *node = pt_node(graph, IR_OP_NEGATIVE_LOG_LIKELIHOOD_LOSS, in, 2, 1);
  ir_node_set_string(graph, node, "reduction", "average");
  assert_int_equal(infer_status(graph, node), -1);
  ir_value *mismatched[2] = {in[0], pt_input(graph, "short_target", IR_DTYPE_I64, 2, bad)};
  ir_node *other = pt_node(graph, IR_OP_NEGATIVE_LOG_LIKELIHOOD_LOSS, mismatched, 2, 1);
  assert_int_equal(infer_status(graph, other), -1);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nll_loss),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
