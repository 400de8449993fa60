/* Inference of elementwise, broadcasting and Cast ops, and of the driver's own checks. */
#include "test_infer_support.h"

static void test_unary_keeps_type(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,3,4]");
  expect_output(g, node_of(g, IR_OP_RELU, 1, 1, x), 0, "f32[N,3,4]");
  expect_output(g, node_of(g, IR_OP_IDENTITY, 1, 1, x), 0, "f32[N,3,4]");
  expect_output(g, node_of(g, IR_OP_SQRT, 1, 1, x), 0, "f32[N,3,4]");
}

static void test_unary_type_errors(void **state) {
  ir_graph *g = *state;
  ir_value *i = input_of(g, "i", "i32[2]");
  ir_value *f = input_of(g, "f", "f32[2]");
  expect_infer_error(g, node_of(g, IR_OP_EXP, 1, 1, i),
                     "input 0 'i' has type i32[2] but Exp "
                     "needs a floating-point type");
  expect_infer_error(g, node_of(g, IR_OP_NOT, 1, 1, f), "Not needs bool");
  ir_node *leaky = node_of(g, IR_OP_LEAKY_RELU, 1, 1, f);
  ir_node_set_int(g, leaky, "alpha", 1);
  expect_infer_error(g, leaky, "attribute 'alpha' is int but must be float");
}

static void test_broadcasting(void **state) {
  ir_graph *g = *state;
  ir_value *a = input_of(g, "a", "f32[N,1,5]");
  ir_value *b = input_of(g, "b", "f32[4,1]");
  ir_value *c = input_of(g, "c", "f32[3]");
  ir_value *scalar = input_of(g, "s", "f32[]");
  expect_output(g, node_of(g, IR_OP_ADD, 1, 2, a, b), 0, "f32[N,4,5]");
  expect_output(g, node_of(g, IR_OP_MUL, 1, 2, scalar, a), 0, "f32[N,1,5]");
  expect_output(g, node_of(g, IR_OP_MAX, 1, 3, a, b, scalar), 0, "f32[N,4,5]");
  expect_infer_error(g, node_of(g, IR_OP_SUB, 1, 2, a, c),
                     "input 1 'c' has type f32[3] but "
                     "it cannot be broadcast");
  ir_value *ints = input_of(g, "ints", "i64[4,1]");
  expect_infer_error(g, node_of(g, IR_OP_ADD, 1, 2, b, ints), "needs the element type f32");
}

static void test_symbol_against_static(void **state) {
  ir_graph *g = *state;
  ir_value *a = input_of(g, "a", "f32[N,8]");
  ir_value *b = input_of(g, "b", "f32[M,8]");
  ir_value *c = input_of(g, "c", "f32[6,8]");
  expect_output(g, node_of(g, IR_OP_ADD, 1, 2, a, c), 0, "f32[6,8]");
  expect_infer_error(g, node_of(g, IR_OP_ADD, 1, 2, a, b), "cannot be broadcast");
}

static void test_compare_where_pow(void **state) {
  ir_graph *g = *state;
  ir_value *a = input_of(g, "a", "i64[3,1]");
  ir_value *b = input_of(g, "b", "i64[4]");
  ir_value *x = input_of(g, "x", "f32[4]");
  ir_value *e = input_of(g, "e", "i32[]");
  ir_node *equal = node_of(g, IR_OP_EQUAL, 1, 2, a, b);
  expect_output(g, equal, 0, "bool[3,4]");
  expect_output(g, node_of(g, IR_OP_WHERE, 1, 3, equal->outputs[0], x, x), 0, "f32[3,4]");
  expect_infer_error(g, node_of(g, IR_OP_WHERE, 1, 3, a, x, x),
                     "Where's condition must be "
                     "bool");
  expect_output(g, node_of(g, IR_OP_POW, 1, 2, x, e), 0, "f32[4]");
}

static void test_clip_dropout_cast(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2,3]");
  ir_value *low = input_of(g, "low", "f32[]");
  ir_value *wide = input_of(g, "wide", "f32[3]");
  ir_value *int_low = input_of(g, "int_low", "i32[]");
  expect_output(g, node_of(g, IR_OP_CLIP, 1, 3, x, low, NULL), 0, "f32[2,3]");
  expect_output(g, node_of(g, IR_OP_CLIP, 1, 1, x), 0, "f32[2,3]");
  expect_infer_error(g, node_of(g, IR_OP_CLIP, 1, 2, x, wide), "Clip's min must be a scalar");
  expect_infer_error(g, node_of(g, IR_OP_CLIP, 1, 3, x, NULL, int_low), "element type f32");
  ir_node *dropout = node_of(g, IR_OP_DROPOUT, 2, 1, x);
  expect_output(g, dropout, 0, "f32[2,3]");
  expect_output(g, dropout, 1, "bool[2,3]");
  ir_node *cast = node_of(g, IR_OP_CAST, 1, 1, x);
  ir_node_set_dtype(g, cast, "to", IR_DTYPE_F16);
  expect_output(g, cast, 0, "f16[2,3]");
  expect_infer_error(g, node_of(g, IR_OP_CAST, 1, 1, x), "attribute 'to'");
  ir_node *bad_cast = node_of(g, IR_OP_CAST, 1, 1, x);
  ir_node_set_string(g, bad_cast, "to", "float");
  expect_infer_error(g, bad_cast, "attribute 'to' is string but must be dtype");
}

static void test_driver_checks_arity_and_types(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2]");
  expect_infer_error(g, node_of(g, IR_OP_ADD, 1, 1, x), "has 1 inputs but Add takes 2");
  expect_infer_error(g, node_of(g, IR_OP_RELU, 2, 1, x), "has 2 outputs but Relu gives 1");
  expect_infer_error(g, node_of(g, IR_OP_ADD, 1, 2, x, NULL), "input 1 is required");
  ir_node *first = node_of(g, IR_OP_RELU, 1, 1, x);
  /* Its producer was never inferred, so the input has no type yet. */
  expect_infer_error(g, node_of(g, IR_OP_RELU, 1, 1, first->outputs[0]), "has no valid type");
}

static void test_infer_graph_reports_every_root_failure(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "i32[2]");
  ir_node *bad1 = node_of(g, IR_OP_EXP, 1, 1, x);
  node_of(g, IR_OP_RELU, 1, 1, bad1->outputs[0]); /* follow-on: skipped silently */
  node_of(g, IR_OP_LOG, 1, 1, x);
  ir_node *good = node_of(g, IR_OP_NEG, 1, 1, x);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(g, &diag), -1);
  assert_int_equal(diag.count, 2);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "(Exp)"));
  assert_non_null(strstr(dl_diag_message(&diag, 1), "(Log)"));
  assert_int_equal(good->outputs[0]->type.dtype, IR_DTYPE_I32);
  dl_diag_deinit(&diag);
}

static void test_output_byte_size_overflow(void **state) {
  ir_graph *g = *state;
  ir_value *a = input_of(g, "a", "f32[4294967296,1]");
  ir_value *b = input_of(g, "b", "f32[1,4294967296]");
  expect_infer_error(g, node_of(g, IR_OP_ADD, 1, 2, a, b), "byte size overflows");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_unary_keeps_type),
      GRAPH_TEST(test_unary_type_errors),
      GRAPH_TEST(test_broadcasting),
      GRAPH_TEST(test_symbol_against_static),
      GRAPH_TEST(test_compare_where_pow),
      GRAPH_TEST(test_clip_dropout_cast),
      GRAPH_TEST(test_driver_checks_arity_and_types),
      GRAPH_TEST(test_infer_graph_reports_every_root_failure),
      GRAPH_TEST(test_output_byte_size_overflow),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
