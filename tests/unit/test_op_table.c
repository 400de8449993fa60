/* The op table's facts (ir/ops.def): categories, flags and shape inputs, checked against
 * the lists the switches they replaced held, and codegen's reading of the same rows; the
 * attribute defaults (ir/op_attributes.def) and the reads that use them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/ops/op_lowering.h"
#include "ir/infer.h"
#include "ir/op.h"

#define LENGTH(array) ((int)(sizeof(array) / sizeof((array)[0])))

static bool listed(ir_op op, const ir_op *list, int count) {
  for (int i = 0; i < count; i++)
    if (list[i] == op)
      return true;
  return false;
}

static void test_every_op_has_a_category(void **state) {
  (void)state;
  for (int op = IR_OP_INVALID + 1; op < IR_OP_COUNT; op++) {
    ir_op_category category = ir_op_category_of((ir_op)op);
    if (category == IR_OP_CATEGORY_INVALID)
      fail_msg("%s has no category", ir_op_name((ir_op)op));
    assert_string_not_equal(ir_op_category_name(category), "invalid");
  }
  assert_int_equal(ir_op_category_of(IR_OP_INVALID), IR_OP_CATEGORY_INVALID);
  assert_int_equal(ir_op_category_of(IR_OP_COUNT), IR_OP_CATEGORY_INVALID);
  assert_int_equal(ir_op_category_of(IR_OP_CONV), IR_OP_CATEGORY_CONTRACTION);
  assert_int_equal(ir_op_category_of(IR_OP_BATCH_NORMALIZATION), IR_OP_CATEGORY_ELEMENTWISE);
  assert_int_equal(ir_op_category_of(IR_OP_GROUP), IR_OP_CATEGORY_GROUP);
  assert_string_equal(ir_op_category_name(IR_OP_CATEGORY_MOVEMENT), "movement");
  assert_string_equal(ir_op_category_name((ir_op_category)99), "invalid");
}

/* Views are the ops codegen gives no kernel because their output aliases input 0. */
static void test_views(void **state) {
  (void)state;
  static const ir_op VIEWS[] = {IR_OP_RESHAPE,  IR_OP_FLATTEN, IR_OP_SQUEEZE, IR_OP_UNSQUEEZE,
                                IR_OP_IDENTITY, IR_OP_DROPOUT, IR_OP_BIT_CAST};
  for (int op = IR_OP_INVALID + 1; op < IR_OP_COUNT; op++) {
    bool view = listed((ir_op)op, VIEWS, LENGTH(VIEWS));
    assert_int_equal(ir_op_category_of((ir_op)op) == IR_OP_CATEGORY_VIEW, view);
    assert_int_equal(lower_is_view((ir_op)op), view);
    if (view)
      assert_true(lower_is_supported((ir_op)op));
  }
  /* Shape ops are folded before codegen; groups are not lowered as nodes. */
  assert_false(lower_is_supported(IR_OP_SHAPE));
  assert_false(lower_is_supported(IR_OP_RANGE));
  assert_false(lower_is_supported(IR_OP_INVALID));
  assert_true(lower_is_supported(IR_OP_CONV));
  assert_true(lower_is_supported(IR_OP_CAST));
}

static void test_flags(void **state) {
  (void)state;
  static const ir_op FLOAT_ONLY[] = {IR_OP_CEIL,
                                     IR_OP_ERF,
                                     IR_OP_EXP,
                                     IR_OP_FLOOR,
                                     IR_OP_HARD_SIGMOID,
                                     IR_OP_HARD_SWISH,
                                     IR_OP_LOG,
                                     IR_OP_LEAKY_RELU,
                                     IR_OP_SIGMOID,
                                     IR_OP_SQRT,
                                     IR_OP_RECIPROCAL,
                                     IR_OP_TANH,
                                     IR_OP_CELU,
                                     IR_OP_ELU,
                                     IR_OP_GELU,
                                     IR_OP_IS_INF,
                                     IR_OP_IS_NAN,
                                     IR_OP_MISH,
                                     IR_OP_ROUND,
                                     IR_OP_SELU,
                                     IR_OP_SOFTPLUS,
                                     IR_OP_SOFTSIGN,
                                     IR_OP_THRESHOLDED_RELU,
                                     IR_OP_HARDMAX,
                                     IR_OP_LP_NORMALIZATION,
                                     IR_OP_ACOS,
                                     IR_OP_ACOSH,
                                     IR_OP_ASIN,
                                     IR_OP_ASINH,
                                     IR_OP_ATAN,
                                     IR_OP_ATANH,
                                     IR_OP_COS,
                                     IR_OP_COSH,
                                     IR_OP_SIN,
                                     IR_OP_SINH,
                                     IR_OP_TAN,
                                     IR_OP_SWISH,
                                     IR_OP_MEAN,
                                     IR_OP_DET,
                                     IR_OP_LRN};
  static const ir_op F32_MATH[] = {
      IR_OP_TANH, IR_OP_ERF,      IR_OP_SIGMOID, IR_OP_CELU,  IR_OP_ELU,   IR_OP_GELU, IR_OP_MISH,
      IR_OP_SELU, IR_OP_SOFTPLUS, IR_OP_ACOSH,   IR_OP_ASINH, IR_OP_ATANH, IR_OP_COSH, IR_OP_SINH,
      IR_OP_SWISH};
  static const ir_op BOOL_ONLY[] = {IR_OP_AND, IR_OP_OR, IR_OP_XOR, IR_OP_NOT};
  static const ir_op READS_DIMS[] = {IR_OP_SHAPE, IR_OP_SIZE};
  static const ir_op DATA_DEPENDENT[] = {IR_OP_NON_ZERO, IR_OP_COMPRESS, IR_OP_UNIQUE,
                                         IR_OP_NON_MAX_SUPPRESSION};
  static const ir_op INTEGER_ONLY[] = {IR_OP_BITWISE_AND, IR_OP_BITWISE_OR, IR_OP_BITWISE_XOR,
                                       IR_OP_BITWISE_NOT, IR_OP_BIT_SHIFT};
  for (int op = IR_OP_INVALID + 1; op < IR_OP_COUNT; op++) {
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_FLOAT_ONLY),
                     listed((ir_op)op, FLOAT_ONLY, LENGTH(FLOAT_ONLY)));
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_F32_MATH),
                     listed((ir_op)op, F32_MATH, LENGTH(F32_MATH)));
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_BOOL_ONLY),
                     listed((ir_op)op, BOOL_ONLY, LENGTH(BOOL_ONLY)));
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_INTEGER_ONLY),
                     listed((ir_op)op, INTEGER_ONLY, LENGTH(INTEGER_ONLY)));
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_READS_DIMS),
                     listed((ir_op)op, READS_DIMS, LENGTH(READS_DIMS)));
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_DATA_DEPENDENT),
                     listed((ir_op)op, DATA_DEPENDENT, LENGTH(DATA_DEPENDENT)));
  }
  assert_false(ir_op_has_flag(IR_OP_INVALID, IR_OP_FLAG_FLOAT_ONLY));
}

/* The inputs the ONNX importer requires to be constants, as it listed them by op name. */
static void test_shape_inputs(void **state) {
  (void)state;
  static const struct {
    const char *op;
    int first, last;
  } RULES[] = {
      {"OneHot", 1, 1}, /* depth */
      {"Reshape", 1, 1},      {"Slice", 1, 4},
      {"Squeeze", 1, 1},      {"Unsqueeze", 1, 1},
      {"ReduceMax", 1, 1},    {"ReduceMean", 1, 1},
      {"ReduceMin", 1, 1},    {"ReduceSum", 1, 1},
      {"Split", 1, 1},        {"Expand", 1, 1},
      {"Pad", 1, 1},          {"Pad", 3, 3},
      {"Range", 0, 2},        {"ConstantOfShape", 0, 0},
      {"ReduceL1", 1, 1},     {"ReduceL2", 1, 1},
      {"ReduceLogSum", 1, 1}, {"ReduceLogSumExp", 1, 1},
      {"ReduceProd", 1, 1},   {"ReduceSumSquare", 1, 1},
      {"CumSum", 1, 1},       {"CumProd", 1, 1},
      {"TopK", 1, 1},         {"Resize", 1, 3},
      {"AffineGrid", 1, 1},   {"CenterCropPad", 1, 1},
      {"Col2Im", 1, 2},       {"MaxUnpool", 2, 2},
      {"Tile", 1, 1},
  };
  for (int op = IR_OP_INVALID + 1; op < IR_OP_COUNT; op++) {
    for (int input = 0; input < 32; input++) {
      bool expected = false;
      for (int r = 0; r < LENGTH(RULES); r++)
        expected |= strcmp(RULES[r].op, ir_op_name((ir_op)op)) == 0 && input >= RULES[r].first &&
                    input <= RULES[r].last;
      if (ir_op_input_decides_shape((ir_op)op, input) != expected)
        fail_msg("%s input %d: decides shape is %d, expected %d", ir_op_name((ir_op)op), input,
                 !expected, expected);
    }
  }
  assert_false(ir_op_input_decides_shape(IR_OP_RESHAPE, -1));
  assert_false(ir_op_input_decides_shape(IR_OP_RESHAPE, 1000));
  assert_false(ir_op_input_decides_shape(IR_OP_INVALID, 1));
}

static void test_attribute_default_rows(void **state) {
  (void)state;
  ir_op op, other;
  const ir_attr *row;
  int rows = 0;
  for (int i = 0; (row = ir_op_attribute_default_at(i, &op)); i++, rows++) {
    assert_non_null(ir_op_get(op));
    assert_true(row->kind == IR_ATTR_INT || row->kind == IR_ATTR_FLOAT ||
                row->kind == IR_ATTR_STRING);
    assert_ptr_equal(ir_op_attribute_default(op, row->name), row); /* no duplicate rows */
    for (int j = 0; j < i; j++) {
      const ir_attr *earlier = ir_op_attribute_default_at(j, &other);
      if (other == op && strcmp(earlier->name, row->name) == 0)
        fail_msg("%s '%s' has two defaults", ir_op_name(op), row->name);
    }
  }
  assert_true(rows > 20);
  assert_null(ir_op_attribute_default_at(rows, &op));
  assert_null(ir_op_attribute_default_at(-1, &op));
  assert_float_equal(ir_op_attribute_default(IR_OP_LEAKY_RELU, "alpha")->as.f, 0.01f, 0);
  assert_float_equal(ir_op_attribute_default(IR_OP_HARD_SIGMOID, "beta")->as.f, 0.5f, 0);
  assert_int_equal(ir_op_attribute_default(IR_OP_SOFTMAX, "axis")->as.i, -1);
  assert_string_equal(ir_op_attribute_default(IR_OP_PAD, "mode")->as.s, "constant");
  assert_null(ir_op_attribute_default(IR_OP_CONCAT, "axis")); /* required */
  assert_null(ir_op_attribute_default(IR_OP_RELU, "alpha"));
}

/* A node of `op` reading `inputs` copies of a fresh scalar input. */
static ir_node *node_of(ir_graph *graph, ir_op op, int inputs) {
  char name[64];
  snprintf(name, sizeof(name), "%s_input", ir_op_name(op));
  ir_value *x = ir_graph_add_input(graph, name, ir_type_scalar(IR_DTYPE_F32));
  assert_non_null(x);
  ir_value *operands[2] = {x, x};
  ir_node *node = ir_graph_add_node(graph, NULL, op, ir_op_name(op), operands, inputs, NULL, 1);
  assert_non_null(node);
  return node;
}

static bool has_message(const dl_diag *diag, const char *text) {
  for (int i = 0; i < diag->count; i++)
    if (strstr(dl_diag_message(diag, i), text))
      return true;
  return false;
}

/* Absent → the default; present → its value; wrong kind or absent without a default → an
 * error naming the attribute. */
static void test_attribute_reads(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("attributes");
  ir_node *leaky = node_of(graph, IR_OP_LEAKY_RELU, 1);
  dl_diag diag;
  dl_diag_init(&diag);
  float alpha;
  assert_int_equal(ir_attr_float_default(leaky, "alpha", &alpha, &diag), 0);
  assert_float_equal(alpha, 0.01f, 0);
  ir_node_set_float(graph, leaky, "alpha", 0.25f);
  assert_int_equal(ir_attr_float_default(leaky, "alpha", &alpha, &diag), 0);
  assert_float_equal(alpha, 0.25f, 0);
  assert_int_equal(ir_check_attribute_kinds(leaky, &diag), 0);

  ir_node *pad = node_of(graph, IR_OP_PAD, 2);
  const char *mode;
  assert_int_equal(ir_attr_string_default(pad, "mode", &mode, &diag), 0);
  assert_string_equal(mode, "constant");
  ir_node_set_int(graph, pad, "mode", 3);
  assert_int_equal(ir_attr_string_default(pad, "mode", &mode, &diag), -1);
  assert_true(has_message(&diag, "attribute 'mode' is int but must be string"));
  assert_int_equal(ir_check_attribute_kinds(pad, &diag), -1);

  ir_node *concat = node_of(graph, IR_OP_CONCAT, 2);
  int64_t axis;
  assert_int_equal(ir_attr_int_default(concat, "axis", &axis, &diag), -1);
  assert_true(has_message(&diag, "node 'Concat' (Concat): attribute 'axis' is required"));
  ir_node_set_int(graph, concat, "axis", 2);
  assert_int_equal(ir_attr_int_default(concat, "axis", &axis, &diag), 0);
  assert_int_equal(axis, 2);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_op_has_a_category),
      cmocka_unit_test(test_views),
      cmocka_unit_test(test_flags),
      cmocka_unit_test(test_shape_inputs),
      cmocka_unit_test(test_attribute_default_rows),
      cmocka_unit_test(test_attribute_reads),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
