/* Inference of MatMul, Gemm, normalizations, Softmax and the reductions. */
#include "test_infer_support.h"

static void matmul_case(ir_graph *g, const char *a, const char *b, const char *expected) {
  ir_value *left = input_of(g, NULL, a), *right = input_of(g, NULL, b);
  expect_output(g, node_of(g, IR_OP_MATMUL, 1, 2, left, right), 0, expected);
}

static void test_matmul_numpy_semantics(void **state) {
  ir_graph *g = *state;
  matmul_case(g, "f32[2,3,4]", "f32[4,5]", "f32[2,3,5]");
  matmul_case(g, "f32[4]", "f32[4,5]", "f32[5]");
  matmul_case(g, "f32[2,3,4]", "f32[4]", "f32[2,3]");
  matmul_case(g, "f32[4]", "f32[4]", "f32[]");
  matmul_case(g, "f32[N,1,3,4]", "f32[5,4,6]", "f32[N,5,3,6]");
  matmul_case(g, "f32[N,5]", "f32[5,6]", "f32[N,6]");
}

static void test_matmul_errors(void **state) {
  ir_graph *g = *state;
  ir_value *a = input_of(g, "a", "f32[3,4]"), *b = input_of(g, "b", "f32[5,6]");
  expect_infer_error(g, node_of(g, IR_OP_MATMUL, 1, 2, a, b),
                     "inner dimensions of f32[3,4] 'a' and f32[5,6] 'b' do not match");
  ir_value *scalar = input_of(g, "scalar", "f32[]");
  expect_infer_error(g, node_of(g, IR_OP_MATMUL, 1, 2, scalar, b), "MatMul needs rank 1 to 8");
  ir_value *sym_a = input_of(g, "sym_a", "f32[2,K]"), *sym_b = input_of(g, "sym_b", "f32[K,3]");
  expect_infer_error(g, node_of(g, IR_OP_MATMUL, 1, 2, sym_a, sym_b), "or are symbolic");
  ir_value *batch_a = input_of(g, "batch_a", "f32[2,3,4]");
  ir_value *batch_b = input_of(g, "batch_b", "f32[3,4,5]");
  expect_infer_error(g, node_of(g, IR_OP_MATMUL, 1, 2, batch_a, batch_b),
                     "batch dimensions cannot be broadcast");
}

static void test_gemm(void **state) {
  ir_graph *g = *state;
  ir_value *a = input_of(g, "a", "f32[4,3]"), *b = input_of(g, "b", "f32[5,4]");
  ir_value *c_row = input_of(g, "c_row", "f32[5]"), *c_col = input_of(g, "c_col", "f32[3,1]");
  ir_value *c_bad = input_of(g, "c_bad", "f32[4]");
  ir_node *nodes[3] = {node_of(g, IR_OP_GEMM, 1, 3, a, b, c_row),
                       node_of(g, IR_OP_GEMM, 1, 3, a, b, c_col),
                       node_of(g, IR_OP_GEMM, 1, 3, a, b, c_bad)};
  for (int i = 0; i < 3; i++) {
    ir_node_set_int(g, nodes[i], "transA", 1);
    ir_node_set_int(g, nodes[i], "transB", 1);
  }
  expect_output(g, nodes[0], 0, "f32[3,5]");
  expect_output(g, nodes[1], 0, "f32[3,5]");
  expect_infer_error(g, nodes[2], "Gemm needs C to broadcast to f32[3,5]");
  expect_infer_error(g, node_of(g, IR_OP_GEMM, 1, 2, a, b), "do not match");
  ir_node *bad_alpha = node_of(g, IR_OP_GEMM, 1, 2, a, a);
  ir_node_set_string(g, bad_alpha, "alpha", "2");
  expect_infer_error(g, bad_alpha, "attribute 'alpha' is string but must be float");
}

static void test_normalizations(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,3,8,8]");
  ir_value *p = input_of(g, "p", "f32[3]"), *q = input_of(g, "q", "f32[4]");
  expect_output(g, node_of(g, IR_OP_BATCH_NORMALIZATION, 1, 5, x, p, p, p, p), 0, "f32[N,3,8,8]");
  expect_infer_error(g, node_of(g, IR_OP_BATCH_NORMALIZATION, 1, 5, x, p, p, q, p),
                     "input 3 'q' has type f32[4] but BatchNormalization needs one value per "
                     "channel");
  ir_value *y = input_of(g, "y", "f32[2,5,8]"), *scale = input_of(g, "scale", "f32[8]");
  ir_node *layer = node_of(g, IR_OP_LAYER_NORMALIZATION, 3, 2, y, scale);
  expect_output(g, layer, 0, "f32[2,5,8]");
  expect_output(g, layer, 1, "f32[2,5,1]");
  expect_output(g, layer, 2, "f32[2,5,1]");
  ir_value *scale5 = input_of(g, "scale5", "f32[5]");
  ir_node *two_axes = node_of(g, IR_OP_LAYER_NORMALIZATION, 1, 2, y, scale5);
  ir_node_set_int(g, two_axes, "axis", 1);
  expect_infer_error(g, two_axes, "LayerNormalization needs it to broadcast to f32[5,8]");
}

static void test_softmax(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,10]");
  expect_output(g, node_of(g, IR_OP_SOFTMAX, 1, 1, x), 0, "f32[N,10]");
  ir_node *out_of_range = node_of(g, IR_OP_SOFTMAX, 1, 1, x);
  ir_node_set_int(g, out_of_range, "axis", 2);
  expect_infer_error(g, out_of_range, "attribute 'axis' 2 is out of range");
  ir_node *symbolic = node_of(g, IR_OP_SOFTMAX, 1, 1, x);
  ir_node_set_int(g, symbolic, "axis", -2);
  expect_infer_error(g, symbolic, "Softmax needs axis 0 static");
}

static ir_node *reduce(ir_graph *g, ir_value *x, ir_value *axes, int64_t keepdims) {
  ir_node *node =
      axes ? node_of(g, IR_OP_REDUCE_MEAN, 1, 2, x, axes) : node_of(g, IR_OP_REDUCE_SUM, 1, 1, x);
  ir_node_set_int(g, node, "keepdims", keepdims);
  return node;
}

static void test_reduce(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,3,4]");
  expect_output(g, reduce(g, x, INTS(g, NULL, 1), 1), 0, "f32[N,1,4]");
  expect_output(g, reduce(g, x, INTS(g, NULL, -1, 1), 0), 0, "f32[N]");
  ir_value *s = input_of(g, "s", "f32[2,3,4]");
  expect_output(g, reduce(g, s, NULL, 1), 0, "f32[1,1,1]");
  expect_output(g, reduce(g, s, NULL, 0), 0, "f32[]");
  ir_node *noop = reduce(g, x, INTS(g, NULL, 0), 1);
  noop->inputs[1] = ints_of(g, NULL, NULL, 0); /* empty axes */
  ir_node_set_int(g, noop, "noop_with_empty_axes", 1);
  expect_output(g, noop, 0, "f32[N,3,4]");
  expect_infer_error(g, reduce(g, x, INTS(g, NULL, 1, -2), 1), "axes names axis 1 twice");
  expect_infer_error(g, reduce(g, x, INTS(g, NULL, 3), 1), "axes value 3 is out of range");
  ir_value *runtime_axes = input_of(g, "runtime_axes", "i64[1]");
  expect_infer_error(g, reduce(g, x, runtime_axes, 1), "input 1 'runtime_axes' must be a constant");
  expect_infer_error(g, reduce(g, x, INTS(g, NULL, 0), 1),
                     "ReduceMean over symbolic axis 0 is not supported");
  ir_node *bad_keepdims = reduce(g, x, INTS(g, NULL, 1), 1);
  ir_node_set_float(g, bad_keepdims, "keepdims", 1.0f);
  expect_infer_error(g, bad_keepdims, "attribute 'keepdims' is float but must be int");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_matmul_numpy_semantics),
      GRAPH_TEST(test_matmul_errors),
      GRAPH_TEST(test_gemm),
      GRAPH_TEST(test_normalizations),
      GRAPH_TEST(test_softmax),
      GRAPH_TEST(test_reduce),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
