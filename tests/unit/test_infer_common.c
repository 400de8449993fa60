/* The shared inference helpers: attribute reads, constant inputs, broadcasting, axes,
 * output types, and the diagnostics list they report into. */
#include "test_infer_support.h"

static ir_node *attr_node(ir_graph *g) {
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *node = ir_graph_add_node(g, NULL, IR_OP_RELU, "probe", &x, 1, NULL, 1);
  ir_node_set_int(g, node, "i", 4);
  ir_node_set_float(g, node, "f", 0.5f);
  ir_node_set_string(g, node, "s", "SAME_UPPER");
  ir_node_set_ints(g, node, "is", (const int64_t[]){1, 2}, 2);
  ir_node_set_dtype(g, node, "d", IR_DTYPE_F16);
  return node;
}

static void test_attribute_reads(void **state) {
  ir_graph *g = *state;
  ir_node *node = attr_node(g);
  dl_diag diag;
  dl_diag_init(&diag);
  int64_t i;
  float f;
  const char *s;
  const int64_t *list;
  int count;
  ir_dtype d;
  assert_int_equal(ir_attr_int(node, "i", 0, &i, &diag), 0);
  assert_int_equal(i, 4);
  assert_int_equal(ir_attr_int(node, "absent", 7, &i, &diag), 0);
  assert_int_equal(i, 7);
  assert_int_equal(ir_attr_float(node, "f", 0, &f, &diag), 0);
  assert_true(f == 0.5f);
  assert_int_equal(ir_attr_string(node, "s", "NOTSET", &s, &diag), 0);
  assert_string_equal(s, "SAME_UPPER");
  assert_int_equal(ir_attr_ints(node, "is", &list, &count, &diag), 0);
  assert_int_equal(count, 2);
  assert_int_equal(list[1], 2);
  assert_int_equal(ir_attr_ints(node, "absent", &list, &count, &diag), 0);
  assert_int_equal(count, -1);
  assert_int_equal(ir_attr_dtype(node, "d", IR_DTYPE_F32, &d, &diag), 0);
  assert_int_equal(d, IR_DTYPE_F16);
  assert_int_equal(diag.count, 0);
  assert_int_equal(ir_attr_float(node, "i", 0, &f, &diag), -1);
  assert_string_equal(dl_diag_message(&diag, 0),
                      "node 'probe' (Relu): attribute 'i' is int but must be float");
  assert_int_equal(ir_attr_ints(node, "s", &list, &count, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 1), "attribute 's' is string but must be ints"));
  dl_diag_deinit(&diag);
}

static void test_constant_inputs(void **state) {
  ir_graph *g = *state;
  ir_value *i32 =
      ir_graph_add_constant_copy(g, "i32", type_of(g, "i32[2]"), (const int32_t[]){-3, 5});
  ir_value *elided = ir_graph_add_constant(g, "elided", type_of(g, "i64[2]"), NULL);
  ir_value *floats =
      ir_graph_add_constant_copy(g, "floats", type_of(g, "f32[1]"), (const float[]){1});
  ir_value *matrix =
      ir_graph_add_constant_copy(g, "matrix", type_of(g, "i64[1,1]"), (const int64_t[]){1});
  ir_value *runtime = input_of(g, "runtime", "i64[2]");
  ir_value *long_list = INTS(g, "long_list", 1, 2, 3);
  ir_value *inputs[] = {i32, elided, floats, matrix, runtime, long_list};
  ir_node *node = ir_graph_add_node(g, NULL, IR_OP_CONCAT, "probe", inputs, 6, NULL, 1);
  int64_t out[2];
  int count;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_node_constant_ints(node, 0, out, 2, &count, &diag), 0);
  assert_int_equal(count, 2);
  assert_int_equal(out[0], -3);
  const char *expected[] = {"input 1 'elided' is a constant whose data was elided",
                            "input 2 'floats' has element type f32 but must be i64 or i32",
                            "input 3 'matrix' has rank 2",
                            "input 4 'runtime' must be a constant",
                            "input 5 'long_list' has 3 values; at most 2",
                            "input 6 is missing"};
  for (int i = 0; i < 6; i++) {
    assert_int_equal(ir_node_constant_ints(node, i + 1, out, 2, &count, &diag), -1);
    assert_non_null(strstr(dl_diag_message(&diag, i), expected[i]));
  }
  dl_diag_deinit(&diag);
}

static void test_broadcast_and_axes(void **state) {
  ir_graph *g = *state;
  ir_type a = type_of(g, "f32[N,1,3]"), b = type_of(g, "f32[5,1]"), out;
  assert_int_equal(ir_broadcast_shapes(&a, &b, &out), 0);
  char text[64];
  assert_string_equal(ir_format_type(g, &out, text, sizeof(text)), "f32[N,5,3]");
  ir_type c = type_of(g, "f32[4]");
  assert_int_equal(ir_broadcast_shapes(&a, &c, &out), -1);
  int axis;
  assert_int_equal(ir_normalize_axis(-1, 3, &axis), 0);
  assert_int_equal(axis, 2);
  assert_int_equal(ir_normalize_axis(3, 3, &axis), -1);
  assert_int_equal(ir_normalize_axis(-4, 3, &axis), -1);
  assert_int_equal(ir_normalize_axis(INT64_MIN, 3, &axis), -1);
}

static void test_set_output_type_checks(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *node = ir_graph_add_node(g, NULL, IR_OP_RELU, "probe", &x, 1, NULL, 1);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_set_output_type(node, 0, type_of(g, "f32[N,3]"), &diag), 0);
  assert_int_equal(ir_set_output_type(node, 1, x->type, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "has no output 1"));
  ir_type absurd = type_of(g, "f64[1099511627776,1099511627776]");
  assert_int_equal(ir_set_output_type(node, 0, absurd, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 1), "byte size overflows"));
  ir_type invalid = {.dtype = IR_DTYPE_INVALID};
  assert_int_equal(ir_set_output_type(node, 0, invalid, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 2), "invalid element type"));
  dl_diag_deinit(&diag);
}

static void test_diag_limit(void **state) {
  dl_diag diag;
  dl_diag_init(&diag);
  diag.limit = 3;
  for (int i = 0; i < 10; i++)
    assert_int_equal(dl_error(&diag, "problem %d", i), -1);
  assert_int_equal(diag.count, 10);
  assert_true(dl_diag_has_errors(&diag));
  assert_string_equal(dl_diag_message(&diag, 2), "problem 2");
  assert_string_equal(dl_diag_message(&diag, 3), ""); /* dropped, never read past */
  assert_string_equal(dl_diag_message(&diag, -1), "");
  assert_int_equal(dl_error(NULL, "ignored"), -1);
  dl_diag_deinit(&diag);
  assert_int_equal(diag.count, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_attribute_reads),    GRAPH_TEST(test_constant_inputs),
      GRAPH_TEST(test_broadcast_and_axes), GRAPH_TEST(test_set_output_type_checks),
      GRAPH_TEST(test_diag_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
