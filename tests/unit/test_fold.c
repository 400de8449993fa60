/* Constant folding: the exported-shape chain, element arithmetic and its limits. */
#include "ir/fold.h"
#include "ir/verify.h"
#include "test_infer_support.h"

/* Infers then folds `node` (what the importer does per node); returns whether it folded. */
static bool infer_and_fold(ir_graph *g, ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  bool folded = false;
  assert_int_equal(ir_infer_node(g, node, &diag), 0);
  assert_int_equal(ir_fold_node(g, node, &folded, &diag), 0);
  assert_int_equal(diag.count, 0);
  dl_diag_deinit(&diag);
  return folded;
}

static void expect_ints(const ir_value *value, const int64_t *expected, int count) {
  assert_int_equal(value->kind, IR_VALUE_CONSTANT);
  assert_null(value->producer);
  assert_non_null(value->data);
  int64_t actual;
  assert_true(ir_type_element_count(&value->type, &actual));
  assert_int_equal(actual, count);
  for (int i = 0; i < count; i++)
    assert_int_equal(ir_element_get_int(value->type.dtype, value->data, i), expected[i]);
}

static void test_shape_chain_folds_into_reshape_constant(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2,3,4]");
  ir_node *shape = node_of(g, IR_OP_SHAPE, 1, 1, x);
  ir_node *gather =
      node_of(g, IR_OP_GATHER, 1, 2, shape->outputs[0], ints_of(g, NULL, (int64_t[]){0}, -1));
  ir_node *unsqueeze = node_of(g, IR_OP_UNSQUEEZE, 1, 2, gather->outputs[0], INTS(g, NULL, 0));
  ir_node *concat = node_of(g, IR_OP_CONCAT, 1, 2, unsqueeze->outputs[0], INTS(g, NULL, -1));
  ir_node_set_int(g, concat, "axis", 0);
  ir_value *target = concat->outputs[0];
  const char *target_name = target->name;
  ir_node *reshape = node_of(g, IR_OP_RESHAPE, 1, 2, x, target);
  ir_graph_add_output(g, reshape->outputs[0]);
  assert_true(infer_and_fold(g, shape));
  assert_true(infer_and_fold(g, gather));
  assert_true(infer_and_fold(g, unsqueeze));
  assert_true(infer_and_fold(g, concat));
  assert_false(infer_and_fold(g, reshape)); /* x is a run-time input */
  /* The same value object became the constant: Reshape's reference and name still hold. */
  assert_ptr_equal(reshape->inputs[1], target);
  assert_string_equal(target->name, target_name);
  expect_ints(target, (const int64_t[]){2, -1}, 2);
  char text[64];
  ir_format_type(g, &reshape->outputs[0]->type, text, sizeof(text));
  assert_string_equal(text, "f32[2,12]");
  assert_ptr_equal(g->body.first, reshape);
  assert_ptr_equal(g->body.last, reshape);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_verify_graph(g, &diag), 0);
  dl_diag_deinit(&diag);
}

static void test_fold_graph_arithmetic(void **state) {
  ir_graph *g = *state;
  ir_node *range =
      node_of(g, IR_OP_RANGE, 1, 3, ints_of(g, NULL, (int64_t[]){10}, -1),
              ints_of(g, NULL, (int64_t[]){0}, -1), ints_of(g, NULL, (int64_t[]){-3}, -1));
  ir_node *mul = node_of(g, IR_OP_MUL, 1, 2, range->outputs[0], INTS(g, NULL, 2));
  ir_node *div = node_of(g, IR_OP_DIV, 1, 2, mul->outputs[0], INTS(g, NULL, -4));
  ir_node *equal = node_of(g, IR_OP_EQUAL, 1, 2, div->outputs[0], INTS(g, NULL, -5));
  ir_node *where =
      node_of(g, IR_OP_WHERE, 1, 3, equal->outputs[0], INTS(g, NULL, 100), div->outputs[0]);
  ir_node *cast = node_of(g, IR_OP_CAST, 1, 1, where->outputs[0]);
  ir_node_set_dtype(g, cast, "to", IR_DTYPE_F32);
  ir_node *slice = node_of(g, IR_OP_SLICE, 1, 5, where->outputs[0], INTS(g, NULL, -1),
                           INTS(g, NULL, INT64_MIN), INTS(g, NULL, 0), INTS(g, NULL, -2));
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(g, &diag), 0);
  assert_int_equal(ir_fold_graph(g, &diag), 0);
  assert_null(g->body.first); /* everything folded */
  expect_ints(range->outputs[0], (const int64_t[]){10, 7, 4, 1}, 4);
  expect_ints(div->outputs[0], (const int64_t[]){-5, -3, -2, 0}, 4); /* truncating */
  expect_ints(where->outputs[0], (const int64_t[]){100, -3, -2, 0}, 4);
  expect_ints(slice->outputs[0], (const int64_t[]){0, -3}, 2);
  assert_true(ir_element_get_float(IR_DTYPE_F32, cast->outputs[0]->data, 1) == -3.0);
  dl_diag_deinit(&diag);
}

static void test_expand_constant_of_shape_squeeze(void **state) {
  ir_graph *g = *state;
  ir_node *fill = node_of(g, IR_OP_CONSTANT_OF_SHAPE, 1, 1, INTS(g, NULL, 1, 3));
  ir_node_set_int(g, fill, "value", 7);
  ir_node *expand = node_of(g, IR_OP_EXPAND, 1, 2, fill->outputs[0], INTS(g, NULL, 2, 1));
  ir_node *squeeze = node_of(g, IR_OP_SQUEEZE, 1, 2, fill->outputs[0], INTS(g, NULL, 0));
  assert_true(infer_and_fold(g, fill));
  assert_true(infer_and_fold(g, expand));
  assert_true(infer_and_fold(g, squeeze));
  expect_ints(expand->outputs[0], (const int64_t[]){7, 7, 7, 7, 7, 7}, 6);
  expect_ints(squeeze->outputs[0], (const int64_t[]){7, 7, 7}, 3);
}

/* The integer and bool ops exporters' shape arithmetic uses (attention's head counts):
 * Mod with both sign rules, variadic Max/Min, and the logic ops on comparisons. */
static void test_fold_mod_max_min_logic(void **state) {
  ir_graph *g = *state;
  ir_node *mod =
      node_of(g, IR_OP_MOD, 1, 2, INTS(g, NULL, 7, -7, 7, -7), INTS(g, NULL, 3, 3, -3, -3));
  ir_node *fmod =
      node_of(g, IR_OP_MOD, 1, 2, INTS(g, NULL, 7, -7, 7, -7), INTS(g, NULL, 3, 3, -3, -3));
  ir_node_set_int(g, fmod, "fmod", 1);
  ir_node *max =
      node_of(g, IR_OP_MAX, 1, 3, INTS(g, NULL, 1, 9), INTS(g, NULL, 5), INTS(g, NULL, 2, 3));
  ir_node *min =
      node_of(g, IR_OP_MIN, 1, 3, INTS(g, NULL, 1, 9), INTS(g, NULL, 5), INTS(g, NULL, 2, 3));
  ir_node *odd = node_of(g, IR_OP_EQUAL, 1, 2, mod->outputs[0], INTS(g, NULL, 1, 2, -2, -1));
  ir_node *big = node_of(g, IR_OP_GREATER, 1, 2, INTS(g, NULL, 1, 2, 3, 4), INTS(g, NULL, 2));
  ir_node *both = node_of(g, IR_OP_AND, 1, 2, odd->outputs[0], big->outputs[0]);
  ir_node *either = node_of(g, IR_OP_OR, 1, 2, odd->outputs[0], big->outputs[0]);
  ir_node *one = node_of(g, IR_OP_XOR, 1, 2, odd->outputs[0], big->outputs[0]);
  ir_node *neither = node_of(g, IR_OP_NOT, 1, 1, either->outputs[0]);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(g, &diag), 0);
  assert_int_equal(ir_fold_graph(g, &diag), 0);
  assert_null(g->body.first);
  expect_ints(mod->outputs[0], (const int64_t[]){1, 2, -2, -1}, 4);  /* sign of the divisor */
  expect_ints(fmod->outputs[0], (const int64_t[]){1, -1, 1, -1}, 4); /* sign of the dividend */
  expect_ints(max->outputs[0], (const int64_t[]){5, 9}, 2);
  expect_ints(min->outputs[0], (const int64_t[]){1, 3}, 2);
  /* odd (equal to the expected remainders): 1 1 1 1; big: 0 0 1 1 */
  expect_ints(both->outputs[0], (const int64_t[]){0, 0, 1, 1}, 4);
  expect_ints(either->outputs[0], (const int64_t[]){1, 1, 1, 1}, 4);
  expect_ints(one->outputs[0], (const int64_t[]){1, 1, 0, 0}, 4);
  expect_ints(neither->outputs[0], (const int64_t[]){0, 0, 0, 0}, 4);
  dl_diag_deinit(&diag);
}

static void test_what_is_not_folded(void **state) {
  ir_graph *g = *state;
  /* Division by zero is left for run time, not an error. */
  ir_node *div = node_of(g, IR_OP_DIV, 1, 2, INTS(g, NULL, 1), INTS(g, NULL, 0));
  assert_false(infer_and_fold(g, div));
  assert_int_equal(div->outputs[0]->kind, IR_VALUE_RESULT);
  /* Too large to fold. */
  ir_node *big = node_of(g, IR_OP_CONSTANT_OF_SHAPE, 1, 1, INTS(g, NULL, 4097));
  assert_false(infer_and_fold(g, big));
  /* Shape of a symbolic input. */
  ir_value *x = input_of(g, "x", "f32[N,3]");
  assert_false(infer_and_fold(g, node_of(g, IR_OP_SHAPE, 1, 1, x)));
  /* Not a shape-arithmetic op. */
  const float one = 1.0f;
  ir_value *c = ir_graph_add_constant_copy(g, "c", ir_type_scalar(IR_DTYPE_F32), &one);
  assert_false(infer_and_fold(g, node_of(g, IR_OP_SIGMOID, 1, 1, c)));
}

static void test_gather_index_out_of_range(void **state) {
  ir_graph *g = *state;
  ir_node *gather =
      node_of(g, IR_OP_GATHER, 1, 2, INTS(g, NULL, 5, 6), ints_of(g, NULL, (int64_t[]){2}, -1));
  dl_diag diag;
  dl_diag_init(&diag);
  bool folded = true;
  assert_int_equal(ir_fold_node(g, gather, &folded, &diag), -1);
  assert_false(folded);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "index 2 is out of range"));
  dl_diag_deinit(&diag);
}

/* With a symbolic batch, picking static dims out of Shape(x) still folds. */
static void test_static_parts_of_a_symbolic_shape(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[N,3,4]");
  ir_node *shape = node_of(g, IR_OP_SHAPE, 1, 1, x);
  ir_node *channels =
      node_of(g, IR_OP_GATHER, 1, 2, shape->outputs[0], ints_of(g, NULL, (int64_t[]){1}, -1));
  ir_node *batch =
      node_of(g, IR_OP_GATHER, 1, 2, shape->outputs[0], ints_of(g, NULL, (int64_t[]){0}, -1));
  ir_node *tail =
      node_of(g, IR_OP_SLICE, 1, 3, shape->outputs[0], INTS(g, NULL, 1), INTS(g, NULL, INT64_MAX));
  ir_node *shape_from_1 = node_of(g, IR_OP_SHAPE, 1, 1, x);
  ir_node_set_int(g, shape_from_1, "start", 1);
  assert_false(infer_and_fold(g, shape)); /* N is unknown */
  assert_true(infer_and_fold(g, channels));
  assert_false(infer_and_fold(g, batch));
  assert_true(infer_and_fold(g, tail));
  assert_true(infer_and_fold(g, shape_from_1));
  expect_ints(channels->outputs[0], (const int64_t[]){3}, 1);
  expect_ints(tail->outputs[0], (const int64_t[]){3, 4}, 2);
  expect_ints(shape_from_1->outputs[0], (const int64_t[]){3, 4}, 2);
  assert_null(shape->outputs[0]->data); /* the lent elements were taken back */
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_verify_graph(g, &diag), 0);
  dl_diag_deinit(&diag);
}

/* Size folds from static dims whatever computes its input, and not from symbolic ones. */
static void test_size(void **state) {
  ir_graph *g = *state;
  ir_node *size = node_of(g, IR_OP_SIZE, 1, 1, input_of(g, "x", "f32[2,3,4]"));
  assert_true(infer_and_fold(g, size));
  expect_ints(size->outputs[0], (const int64_t[]){24}, 1);
  assert_int_equal(size->outputs[0]->type.rank, 0);
  ir_node *empty = node_of(g, IR_OP_SIZE, 1, 1, input_of(g, "e", "f32[3,0]"));
  assert_true(infer_and_fold(g, empty));
  expect_ints(empty->outputs[0], (const int64_t[]){0}, 1);
  assert_false(infer_and_fold(g, node_of(g, IR_OP_SIZE, 1, 1, input_of(g, "s", "f32[N,3]"))));
  /* Neg of a constant folds too (LayerNormalization's expansion negates its axis) */
  ir_node *neg = node_of(g, IR_OP_NEG, 1, 1, INTS(g, NULL, 2, INT64_MIN));
  assert_true(infer_and_fold(g, neg));
  expect_ints(neg->outputs[0], (const int64_t[]){-2, INT64_MIN}, 2);
}

/* Abs, Relu, Ceil and Floor fold on floats and integers (Range's expanded form computes its
 * trip count with Ceil and Relu). */
static void test_unary_rounding(void **state) {
  ir_graph *g = *state;
  int64_t four = 4;
  const float values[4] = {-2.5f, -0.5f, 0.25f, 3.0f};
  ir_value *x = ir_graph_add_constant_copy(g, "x", ir_type_make(IR_DTYPE_F32, 1, &four), values);
  const ir_op ops[4] = {IR_OP_ABS, IR_OP_RELU, IR_OP_CEIL, IR_OP_FLOOR};
  const float expected[4][4] = {
      {2.5f, 0.5f, 0.25f, 3.0f}, {0, 0, 0.25f, 3.0f}, {-2, -0.0f, 1, 3}, {-3, -1, 0, 3}};
  for (int k = 0; k < 4; k++) {
    ir_node *node = node_of(g, ops[k], 1, 1, x);
    assert_true(infer_and_fold(g, node));
    for (int i = 0; i < 4; i++)
      assert_true(ir_element_get_float(IR_DTYPE_F32, node->outputs[0]->data, i) == expected[k][i]);
  }
  ir_node *abs = node_of(g, IR_OP_ABS, 1, 1, INTS(g, NULL, -3, 4, INT64_MIN));
  ir_node *relu = node_of(g, IR_OP_RELU, 1, 1, INTS(g, NULL, -3, 4, INT64_MIN));
  assert_true(infer_and_fold(g, abs) && infer_and_fold(g, relu));
  expect_ints(abs->outputs[0], (const int64_t[]){3, 4, INT64_MIN}, 3); /* wraps like kernels */
  expect_ints(relu->outputs[0], (const int64_t[]){0, 4, 0}, 3);
}

/* Split folds each output (AffineGrid's expanded form splits a bound size input). */
static void test_split(void **state) {
  ir_graph *g = *state;
  ir_node *split =
      node_of(g, IR_OP_SPLIT, 3, 2, INTS(g, NULL, 1, 2, 3, 4, 5, 6), INTS(g, NULL, 1, 3, 2));
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(g, &diag), 0);
  assert_int_equal(ir_fold_graph(g, &diag), 0);
  expect_ints(split->outputs[0], (const int64_t[]){1}, 1);
  expect_ints(split->outputs[1], (const int64_t[]){2, 3, 4}, 3);
  expect_ints(split->outputs[2], (const int64_t[]){5, 6}, 2);
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_shape_chain_folds_into_reshape_constant),
      GRAPH_TEST(test_fold_graph_arithmetic),
      GRAPH_TEST(test_expand_constant_of_shape_squeeze),
      GRAPH_TEST(test_fold_mod_max_min_logic),
      GRAPH_TEST(test_what_is_not_folded),
      GRAPH_TEST(test_gather_index_out_of_range),
      GRAPH_TEST(test_static_parts_of_a_symbolic_shape),
      GRAPH_TEST(test_size),
      GRAPH_TEST(test_unary_rounding),
      GRAPH_TEST(test_split),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
