/* The modeled operation counts of ir_node_flops, worked out by hand per category. */
#include "ir/cost.h"
#include "test_infer_support.h"

static ir_node *inferred(ir_graph *g, ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_node(g, node, &diag), 0);
  dl_diag_deinit(&diag);
  return node;
}

static void test_contractions(void **state) {
  ir_graph *g = *state;
  /* [4,64] x [64,128]: 4*128 outputs, 64 multiply-adds each. */
  ir_node *matmul = inferred(
      g, node_of(g, IR_OP_MATMUL, 1, 2, input_of(g, "a", "f32[4,64]"), input_of(g, "b", "f32[64,128]")));
  assert_int_equal(ir_node_flops(matmul), 2 * 4 * 128 * 64);
  /* Gemm with transA: A is [K=64, M=4]. */
  ir_node *gemm = node_of(g, IR_OP_GEMM, 1, 2, input_of(g, "at", "f32[64,4]"),
                          input_of(g, "w", "f32[64,10]"));
  ir_node_set_int(g, gemm, "transA", 1);
  assert_int_equal(ir_node_flops(inferred(g, gemm)), 2 * 4 * 10 * 64);
  /* Grouped Conv: 8 output channels, 2 input channels per group, 3x3 window, 4x4 output. */
  ir_node *conv = node_of(g, IR_OP_CONV, 1, 2, input_of(g, "x", "f32[1,4,6,6]"),
                          input_of(g, "k", "f32[8,2,3,3]"));
  ir_node_set_int(g, conv, "group", 2);
  assert_int_equal(ir_node_flops(inferred(g, conv)), 2 * (8 * 4 * 4) * (2 * 3 * 3));
}

static void test_other_categories(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2,3,8,8]");
  assert_int_equal(ir_node_flops(inferred(g, node_of(g, IR_OP_RELU, 1, 1, x))), 2 * 3 * 8 * 8);
  ir_node *pool = node_of(g, IR_OP_MAX_POOL, 1, 1, x);
  ir_node_set_ints(g, pool, "kernel_shape", (const int64_t[]){2, 2}, 2);
  ir_node_set_ints(g, pool, "strides", (const int64_t[]){2, 2}, 2);
  assert_int_equal(ir_node_flops(inferred(g, pool)), (2 * 3 * 4 * 4) * 4);
  assert_int_equal(ir_node_flops(inferred(g, node_of(g, IR_OP_GLOBAL_AVERAGE_POOL, 1, 1, x))),
                   2 * 3 * 8 * 8);
  assert_int_equal(ir_node_flops(inferred(g, node_of(g, IR_OP_SOFTMAX, 1, 1, x))),
                   5 * 2 * 3 * 8 * 8);
  assert_int_equal(ir_node_flops(inferred(g, node_of(g, IR_OP_TRANSPOSE, 1, 1, x))), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_contractions),
      GRAPH_TEST(test_other_categories),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
