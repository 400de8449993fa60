/* Inference of shape-manipulating, indexing and generator ops, and of dl.group. */
#include "test_infer_support.h"

static void test_reshape(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,3,4]"), *y = input_of(g, "y", "f32[2,3,4]");
  expect_output(g, node_of(g, IR_OP_RESHAPE, 1, 2, x, INTS(g, NULL, 0, -1)), 0, "f32[N,12]");
  expect_output(g, node_of(g, IR_OP_RESHAPE, 1, 2, x, INTS(g, NULL, -1, 12)), 0, "f32[N,12]");
  expect_output(g, node_of(g, IR_OP_RESHAPE, 1, 2, y, INTS(g, NULL, 4, -1)), 0, "f32[4,6]");
  expect_output(g, node_of(g, IR_OP_RESHAPE, 1, 2, y, INTS(g, NULL, 24)), 0, "f32[24]");
  expect_infer_error(g, node_of(g, IR_OP_RESHAPE, 1, 2, y, INTS(g, NULL, 5, -1)),
                     "input 0 'y' has type f32[2,3,4] but it cannot be reshaped to [5,-1]");
  expect_infer_error(g, node_of(g, IR_OP_RESHAPE, 1, 2, y, INTS(g, NULL, -1, -1)),
                     "more than one -1");
  expect_infer_error(g, node_of(g, IR_OP_RESHAPE, 1, 2, x, INTS(g, NULL, 3, -1)),
                     "cannot be reshaped");
  ir_value *shape = input_of(g, "shape", "i64[2]");
  expect_infer_error(g, node_of(g, IR_OP_RESHAPE, 1, 2, y, shape),
                     "input 1 'shape' must be a constant");
}

static void test_flatten_squeeze_unsqueeze(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,3,4,5]"), *y = input_of(g, "y", "f32[1,3,1]");
  expect_output(g, node_of(g, IR_OP_FLATTEN, 1, 1, x), 0, "f32[N,60]");
  ir_node *flatten0 = node_of(g, IR_OP_FLATTEN, 1, 1, y);
  ir_node_set_int(g, flatten0, "axis", 0);
  expect_output(g, flatten0, 0, "f32[1,3]");
  ir_node *flatten2 = node_of(g, IR_OP_FLATTEN, 1, 1, x);
  ir_node_set_int(g, flatten2, "axis", -2);
  expect_infer_error(g, flatten2, "merge a symbolic dimension");
  expect_output(g, node_of(g, IR_OP_SQUEEZE, 1, 1, y), 0, "f32[3]");
  expect_output(g, node_of(g, IR_OP_SQUEEZE, 1, 2, y, INTS(g, NULL, -1)), 0, "f32[1,3]");
  expect_infer_error(g, node_of(g, IR_OP_SQUEEZE, 1, 2, y, INTS(g, NULL, 1)),
                     "Squeeze axis 1 does not have size 1");
  expect_infer_error(g, node_of(g, IR_OP_SQUEEZE, 1, 1, x), "symbolic dim 0");
  expect_output(g, node_of(g, IR_OP_UNSQUEEZE, 1, 2, y, INTS(g, NULL, 0, -1)), 0, "f32[1,1,3,1,1]");
  expect_infer_error(g, node_of(g, IR_OP_UNSQUEEZE, 1, 2, y, INTS(g, NULL, 0, -5)),
                     "axes names axis 0 twice");
}

static void test_transpose_expand(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2,3,4]"), *col = input_of(g, "col", "f32[3,1]");
  expect_output(g, node_of(g, IR_OP_TRANSPOSE, 1, 1, x), 0, "f32[4,3,2]");
  ir_node *perm = node_of(g, IR_OP_TRANSPOSE, 1, 1, x);
  ir_node_set_ints(g, perm, "perm", (const int64_t[]){0, 2, 1}, 3);
  expect_output(g, perm, 0, "f32[2,4,3]");
  ir_node *bad = node_of(g, IR_OP_TRANSPOSE, 1, 1, x);
  ir_node_set_ints(g, bad, "perm", (const int64_t[]){0, 0, 1}, 3);
  expect_infer_error(g, bad, "not a permutation");
  expect_output(g, node_of(g, IR_OP_EXPAND, 1, 2, col, INTS(g, NULL, 2, 1, 4)), 0, "f32[2,3,4]");
  expect_infer_error(g, node_of(g, IR_OP_EXPAND, 1, 2, col, INTS(g, NULL, 2, 4)),
                     "cannot be expanded to f32[2,4]");
}

static void test_concat_split(void **state) {
  ir_graph *g = *state;
  ir_value *a = input_of(g, "a", "f32[2,3]"), *b = input_of(g, "b", "f32[2,5]");
  ir_node *concat = node_of(g, IR_OP_CONCAT, 1, 2, a, b);
  ir_node_set_int(g, concat, "axis", -1);
  expect_output(g, concat, 0, "f32[2,8]");
  expect_infer_error(g, node_of(g, IR_OP_CONCAT, 1, 2, a, b), "attribute 'axis' is required");
  ir_node *mismatch = node_of(g, IR_OP_CONCAT, 1, 2, a, b);
  ir_node_set_int(g, mismatch, "axis", 0);
  expect_infer_error(g, mismatch, "input 1 'b' has type f32[2,5] but Concat needs dim 1 equal");
  ir_value *x = input_of(g, "x", "f32[6,4]"), *v = input_of(g, "v", "f32[7]");
  ir_node *split = node_of(g, IR_OP_SPLIT, 2, 2, x, INTS(g, NULL, 2, 4));
  expect_output(g, split, 0, "f32[2,4]");
  expect_output(g, split, 1, "f32[4,4]");
  ir_node *chunks = node_of(g, IR_OP_SPLIT, 3, 1, v);
  ir_node_set_int(g, chunks, "num_outputs", 3);
  expect_output(g, chunks, 0, "f32[3]");
  expect_output(g, chunks, 2, "f32[1]");
  expect_infer_error(g, node_of(g, IR_OP_SPLIT, 2, 2, x, INTS(g, NULL, 2, 3)),
                     "split sizes add up to 5, not 6");
}

static void test_slice(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[10,20]"), *n = input_of(g, "n", "f32[N,20]");
  ir_node *strided =
      node_of(g, IR_OP_SLICE, 1, 5, x, INTS(g, NULL, 1, -1), INTS(g, NULL, 8, INT64_MIN),
              INTS(g, NULL, 0, 1), INTS(g, NULL, 2, -1));
  expect_output(g, strided, 0, "f32[4,20]");
  ir_node *clamped =
      node_of(g, IR_OP_SLICE, 1, 4, x, INTS(g, NULL, -100), INTS(g, NULL, 100), INTS(g, NULL, -1));
  expect_output(g, clamped, 0, "f32[10,20]");
  ir_node *empty = node_of(g, IR_OP_SLICE, 1, 3, x, INTS(g, NULL, 5), INTS(g, NULL, 2));
  expect_output(g, empty, 0, "f32[0,20]");
  ir_node *whole = node_of(g, IR_OP_SLICE, 1, 3, n, INTS(g, NULL, 0), INTS(g, NULL, INT64_MAX));
  expect_output(g, whole, 0, "f32[N,20]");
  ir_node *part = node_of(g, IR_OP_SLICE, 1, 3, n, INTS(g, NULL, 1), INTS(g, NULL, INT64_MAX));
  expect_infer_error(g, part, "Slice of symbolic axis 0");
  ir_node *zero_step = node_of(g, IR_OP_SLICE, 1, 5, x, INTS(g, NULL, 0), INTS(g, NULL, 1),
                               INTS(g, NULL, 0), INTS(g, NULL, 0));
  expect_infer_error(g, zero_step, "steps value 0 is 0");
  expect_infer_error(g, node_of(g, IR_OP_SLICE, 1, 3, x, INTS(g, NULL, 0, 0), INTS(g, NULL, 1)),
                     "same number");
}

static void test_gather_pad(void **state) {
  ir_graph *g = *state;
  ir_value *data = input_of(g, "data", "f32[5,6,7]"), *idx = input_of(g, "idx", "i64[2,3]");
  ir_node *gather = node_of(g, IR_OP_GATHER, 1, 2, data, idx);
  ir_node_set_int(g, gather, "axis", 1);
  expect_output(g, gather, 0, "f32[5,2,3,7]");
  expect_output(g, node_of(g, IR_OP_GATHER, 1, 2, data, ints_of(g, NULL, (int64_t[]){1}, -1)), 0,
                "f32[6,7]");
  ir_value *float_idx = input_of(g, "float_idx", "f32[2]");
  expect_infer_error(g, node_of(g, IR_OP_GATHER, 1, 2, data, float_idx),
                     "Gather needs i64 or i32 indices");
  ir_value *image = input_of(g, "image", "f32[1,3,4,4]");
  expect_output(g, node_of(g, IR_OP_PAD, 1, 2, image, INTS(g, NULL, 0, 0, 1, 2, 0, 0, 3, 4)), 0,
                "f32[1,3,8,10]");
  expect_output(
      g, node_of(g, IR_OP_PAD, 1, 4, image, INTS(g, NULL, 1, 1, -1, 1), NULL, INTS(g, NULL, 2, -1)),
      0, "f32[1,3,4,6]");
  expect_infer_error(g, node_of(g, IR_OP_PAD, 1, 2, image, INTS(g, NULL, 1, 1)),
                     "pads has 2 values but needs 8");
  ir_node *mode = node_of(g, IR_OP_PAD, 1, 2, image, INTS(g, NULL, 0, 0, 1, 2, 0, 0, 3, 4));
  ir_node_set_string(g, mode, "mode", "mirror");
  expect_infer_error(g, mode, "attribute 'mode' is 'mirror'");
}

static ir_value *scalar_of(ir_graph *g, ir_dtype dtype, const void *data) {
  ir_value *value = ir_graph_add_constant_copy(g, NULL, ir_type_scalar(dtype), data);
  assert_non_null(value);
  return value;
}

static void test_shape_range_constant_of_shape(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,3,4]");
  expect_output(g, node_of(g, IR_OP_SHAPE, 1, 1, x), 0, "i64[3]");
  ir_node *tail = node_of(g, IR_OP_SHAPE, 1, 1, x);
  ir_node_set_int(g, tail, "start", -2);
  expect_output(g, tail, 0, "i64[2]");
  int64_t i0 = 0, i10 = 10, i3 = 3, i0b = 0;
  expect_output(g,
                node_of(g, IR_OP_RANGE, 1, 3, scalar_of(g, IR_DTYPE_I64, &i0),
                        scalar_of(g, IR_DTYPE_I64, &i10), scalar_of(g, IR_DTYPE_I64, &i3)),
                0, "i64[4]");
  float f1 = 1.0f, f2 = 2.0f, quarter = 0.25f;
  expect_output(g,
                node_of(g, IR_OP_RANGE, 1, 3, scalar_of(g, IR_DTYPE_F32, &f1),
                        scalar_of(g, IR_DTYPE_F32, &f2), scalar_of(g, IR_DTYPE_F32, &quarter)),
                0, "f32[4]");
  expect_infer_error(g,
                     node_of(g, IR_OP_RANGE, 1, 3, scalar_of(g, IR_DTYPE_I64, &i0),
                             scalar_of(g, IR_DTYPE_I64, &i10), scalar_of(g, IR_DTYPE_I64, &i0b)),
                     "Range's delta is 0");
  ir_value *limit = input_of(g, "limit", "i64[]");
  expect_infer_error(g,
                     node_of(g, IR_OP_RANGE, 1, 3, scalar_of(g, IR_DTYPE_I64, &i0), limit,
                             scalar_of(g, IR_DTYPE_I64, &i3)),
                     "input 1 'limit' must be a constant");
  expect_output(g, node_of(g, IR_OP_CONSTANT_OF_SHAPE, 1, 1, INTS(g, NULL, 2, 3)), 0, "f32[2,3]");
  ir_node *ints = node_of(g, IR_OP_CONSTANT_OF_SHAPE, 1, 1, INTS(g, NULL, 2));
  ir_node_set_int(g, ints, "value", 7);
  expect_output(g, ints, 0, "i64[2]");
  ir_node *typed = node_of(g, IR_OP_CONSTANT_OF_SHAPE, 1, 1, INTS(g, NULL, 2));
  ir_node_set_dtype(g, typed, "dtype", IR_DTYPE_BOOL);
  expect_output(g, typed, 0, "bool[2]");
  expect_infer_error(g, node_of(g, IR_OP_CONSTANT_OF_SHAPE, 1, 1, INTS(g, NULL, 2, -3)),
                     "shape value 1 is -3");
}

static void test_group(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2,3]");
  ir_node *group = node_of(g, IR_OP_GROUP, 1, 1, x);
  ir_region *body = ir_node_create_body(g, group);
  ir_value *param = ir_region_add_param(g, body, "p", type_of(g, "f32[2,3]"));
  ir_node *relu = ir_graph_add_node(g, body, IR_OP_RELU, "inner", &param, 1, NULL, 1);
  ir_node *sum = ir_graph_add_node(g, body, IR_OP_REDUCE_SUM, "sum", &relu->outputs[0], 1, NULL, 1);
  ir_region_add_result(g, body, sum->outputs[0]);
  expect_output(g, group, 0, "f32[1,1]");
  assert_int_equal(relu->outputs[0]->type.rank, 2);
  param->type = type_of(g, "f32[3,2]");
  expect_infer_error(g, group, "body param 0 'p' has type f32[3,2]");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_reshape),
      GRAPH_TEST(test_flatten_squeeze_unsqueeze),
      GRAPH_TEST(test_transpose_expand),
      GRAPH_TEST(test_concat_split),
      GRAPH_TEST(test_slice),
      GRAPH_TEST(test_gather_pad),
      GRAPH_TEST(test_shape_range_constant_of_shape),
      GRAPH_TEST(test_group),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
