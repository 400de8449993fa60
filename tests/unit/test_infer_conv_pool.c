/* Inference of Conv and the pools: padding modes, ceil_mode, dilation, group, errors. */
#include "test_infer_support.h"

static ir_node *conv(ir_graph *g, const char *x_type, const char *w_type) {
  ir_value *x = input_of(g, NULL, x_type);
  ir_value *w = input_of(g, ir_graph_unique_name(g, "W"), w_type);
  return node_of(g, IR_OP_CONV, 1, 2, x, w);
}

static void test_conv_explicit_pads_and_symbolic_batch(void **state) {
  ir_graph *g = *state;
  ir_node *node = conv(g, "f32[N,3,224,224]", "f32[64,3,7,7]");
  ir_node_set_ints(g, node, "strides", (const int64_t[]){2, 2}, 2);
  ir_node_set_ints(g, node, "pads", (const int64_t[]){3, 3, 3, 3}, 4);
  expect_output(g, node, 0, "f32[N,64,112,112]");
}

static void test_conv_auto_pad_and_dilation(void **state) {
  ir_graph *g = *state;
  ir_node *same = conv(g, "f32[1,3,7,7]", "f32[8,3,3,3]");
  ir_node_set_string(g, same, "auto_pad", "SAME_UPPER");
  ir_node_set_ints(g, same, "strides", (const int64_t[]){2, 2}, 2);
  expect_output(g, same, 0, "f32[1,8,4,4]");
  ir_node *valid = conv(g, "f32[1,3,7,8]", "f32[8,3,3,3]");
  ir_node_set_string(g, valid, "auto_pad", "VALID");
  expect_output(g, valid, 0, "f32[1,8,5,6]");
  ir_node *dilated = conv(g, "f32[1,3,10]", "f32[4,3,3]");
  ir_node_set_ints(g, dilated, "dilations", (const int64_t[]){2}, 1);
  expect_output(g, dilated, 0, "f32[1,4,6]");
}

static void test_conv_groups(void **state) {
  ir_graph *g = *state;
  ir_node *depthwise = conv(g, "f32[1,32,10,10]", "f32[32,1,3,3]");
  ir_node_set_int(g, depthwise, "group", 32);
  expect_output(g, depthwise, 0, "f32[1,32,8,8]");
  ir_node *wrong = conv(g, "f32[1,32,10,10]", "f32[32,2,3,3]");
  ir_node_set_int(g, wrong, "group", 32);
  expect_infer_error(g, wrong, "Conv needs 1 input channels per group");
}

static void test_conv_errors(void **state) {
  ir_graph *g = *state;
  expect_infer_error(g, conv(g, "f32[1,3,224,224]", "f32[64,3,7]"),
                     "input 1 'W' has type f32[64,3,7] but Conv needs rank 4");
  ir_node *kernel = conv(g, "f32[1,3,8,8]", "f32[4,3,3,3]");
  ir_node_set_ints(g, kernel, "kernel_shape", (const int64_t[]){5, 5}, 2);
  expect_infer_error(g, kernel, "attribute 'kernel_shape' value 0 is 5 but the weights have 3");
  ir_node *strides = conv(g, "f32[1,3,8,8]", "f32[4,3,3,3]");
  ir_node_set_floats(g, strides, "strides", (const float[]){2, 2}, 2);
  expect_infer_error(g, strides, "attribute 'strides' is floats but must be ints");
  ir_node *too_big = conv(g, "f32[1,3,2,2]", "f32[4,3,3,3]");
  expect_infer_error(g, too_big, "does not fit");
  ir_node *both = conv(g, "f32[1,3,8,8]", "f32[4,3,3,3]");
  ir_node_set_string(g, both, "auto_pad", "SAME_LOWER");
  ir_node_set_ints(g, both, "pads", (const int64_t[]){1, 1, 1, 1}, 4);
  expect_infer_error(g, both, "cannot be used together");
  ir_value *x = input_of(g, "x", "f32[1,3,8,8]");
  ir_value *w = input_of(g, "w", "f32[4,3,3,3]");
  ir_value *bias = input_of(g, "bias", "f32[3]");
  expect_infer_error(g, node_of(g, IR_OP_CONV, 1, 3, x, w, bias),
                     "input 2 'bias' has type f32[3] but Conv needs a bias of shape [4]");
  ir_value *spatial = input_of(g, "spatial", "f32[1,3,H,8]");
  expect_infer_error(g, node_of(g, IR_OP_CONV, 1, 2, spatial, w), "dimension 2 is symbolic");
}

static ir_node *pool(ir_graph *g, ir_op op, const char *x_type, int64_t kernel, int64_t stride,
                     int outputs) {
  ir_value *x = input_of(g, NULL, x_type);
  ir_node *node = node_of(g, op, outputs, 1, x);
  ir_node_set_ints(g, node, "kernel_shape", (const int64_t[]){kernel, kernel}, 2);
  ir_node_set_ints(g, node, "strides", (const int64_t[]){stride, stride}, 2);
  return node;
}

static void test_max_pool(void **state) {
  ir_graph *g = *state;
  ir_node *node = pool(g, IR_OP_MAX_POOL, "f32[N,64,112,112]", 3, 2, 2);
  ir_node_set_ints(g, node, "pads", (const int64_t[]){1, 1, 1, 1}, 4);
  expect_output(g, node, 0, "f32[N,64,56,56]");
  expect_output(g, node, 1, "i64[N,64,56,56]");
}

static void test_pool_ceil_mode(void **state) {
  ir_graph *g = *state;
  ir_node *floor_mode = pool(g, IR_OP_MAX_POOL, "f32[1,1,6,6]", 3, 2, 1);
  expect_output(g, floor_mode, 0, "f32[1,1,2,2]");
  ir_node *ceil_mode = pool(g, IR_OP_MAX_POOL, "f32[1,1,6,6]", 3, 2, 1);
  ir_node_set_int(g, ceil_mode, "ceil_mode", 1);
  expect_output(g, ceil_mode, 0, "f32[1,1,3,3]");
  /* The last window would start inside the end padding, so it is dropped (5 → 3). */
  ir_node *dropped = pool(g, IR_OP_AVERAGE_POOL, "f32[1,1,5,5]", 2, 2, 1);
  ir_node_set_int(g, dropped, "ceil_mode", 1);
  ir_node_set_ints(g, dropped, "pads", (const int64_t[]){1, 1, 1, 1}, 4);
  expect_output(g, dropped, 0, "f32[1,1,3,3]");
}

static void test_pool_same_lower_and_errors(void **state) {
  ir_graph *g = *state;
  ir_node *same = pool(g, IR_OP_AVERAGE_POOL, "f32[1,2,5,5]", 2, 1, 1);
  ir_node_set_string(g, same, "auto_pad", "SAME_LOWER");
  ir_node_set_int(g, same, "count_include_pad", 1);
  expect_output(g, same, 0, "f32[1,2,5,5]");
  ir_node *bad_mode = pool(g, IR_OP_AVERAGE_POOL, "f32[1,2,5,5]", 2, 1, 1);
  ir_node_set_string(g, bad_mode, "auto_pad", "SAME");
  expect_infer_error(g, bad_mode, "attribute 'auto_pad' is 'SAME'");
  ir_value *x = input_of(g, "x", "f32[1,2,5,5]");
  expect_infer_error(g, node_of(g, IR_OP_MAX_POOL, 1, 1, x), "'kernel_shape' is required");
  ir_node *bad_flag = pool(g, IR_OP_AVERAGE_POOL, "f32[1,2,5,5]", 2, 1, 1);
  ir_node_set_int(g, bad_flag, "count_include_pad", 2);
  expect_infer_error(g, bad_flag, "'count_include_pad' is 2");
  ir_value *low_rank = input_of(g, "low_rank", "f32[2,5]");
  expect_infer_error(g, node_of(g, IR_OP_GLOBAL_MAX_POOL, 1, 1, low_rank),
                     "GlobalMaxPool needs rank 3 to 8");
}

static void test_global_pool(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,C,7,7]");
  expect_output(g, node_of(g, IR_OP_GLOBAL_AVERAGE_POOL, 1, 1, x), 0, "f32[N,C,1,1]");
}

/* Sizes checked against onnxruntime 1.x MaxPool on 1-D inputs. */
static void test_pool_sizes_match_onnxruntime(void **state) {
  ir_graph *g = *state;
  static const int64_t cases[][8] = {
      /* size, kernel, stride, pad begin, pad end, dilation, ceil_mode, expected */
      {7, 3, 2, 0, 1, 1, 1, 4},   {3, 3, 3, 1, 1, 1, 1, 2}, {10, 4, 1, 0, 1, 2, 0, 5},
      {12, 2, 3, 1, 0, 1, 0, 4},  {5, 2, 2, 1, 1, 1, 1, 3}, {10, 4, 3, 1, 1, 1, 0, 3},
      {11, 2, 1, 1, 0, 1, 1, 11}, {3, 4, 2, 1, 1, 1, 0, 1},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    const int64_t *c = cases[i];
    ir_value *x =
        ir_graph_add_input(g, NULL, ir_type_make(IR_DTYPE_F32, 3, (int64_t[]){1, 1, c[0]}));
    ir_node *node = node_of(g, IR_OP_MAX_POOL, 1, 1, x);
    ir_node_set_ints(g, node, "kernel_shape", &c[1], 1);
    ir_node_set_ints(g, node, "strides", &c[2], 1);
    ir_node_set_ints(g, node, "pads", &c[3], 2);
    ir_node_set_ints(g, node, "dilations", &c[5], 1);
    ir_node_set_int(g, node, "ceil_mode", c[6]);
    char expected[32];
    snprintf(expected, sizeof(expected), "f32[1,1,%lld]", (long long)c[7]);
    expect_output(g, node, 0, expected);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_conv_explicit_pads_and_symbolic_batch),
      GRAPH_TEST(test_conv_auto_pad_and_dilation),
      GRAPH_TEST(test_conv_groups),
      GRAPH_TEST(test_conv_errors),
      GRAPH_TEST(test_max_pool),
      GRAPH_TEST(test_pool_ceil_mode),
      GRAPH_TEST(test_pool_same_lower_and_errors),
      GRAPH_TEST(test_global_pool),
      GRAPH_TEST(test_pool_sizes_match_onnxruntime),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
