/* The op table's facts (ir/ops.def): categories, flags and shape inputs, checked against
 * the lists the switches they replaced held, and codegen's reading of the same rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/ops/op_lowering.h"
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
  static const ir_op VIEWS[] = {IR_OP_RESHAPE,   IR_OP_FLATTEN,  IR_OP_SQUEEZE,
                                IR_OP_UNSQUEEZE, IR_OP_IDENTITY, IR_OP_DROPOUT};
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
  static const ir_op FLOAT_ONLY[] = {IR_OP_CEIL,  IR_OP_ERF,          IR_OP_EXP,
                                     IR_OP_FLOOR, IR_OP_HARD_SIGMOID, IR_OP_HARD_SWISH,
                                     IR_OP_LOG,   IR_OP_LEAKY_RELU,   IR_OP_SIGMOID,
                                     IR_OP_SQRT,  IR_OP_RECIPROCAL,   IR_OP_TANH};
  static const ir_op F32_MATH[] = {IR_OP_EXP, IR_OP_LOG, IR_OP_TANH, IR_OP_ERF, IR_OP_SIGMOID};
  for (int op = IR_OP_INVALID + 1; op < IR_OP_COUNT; op++) {
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_FLOAT_ONLY),
                     listed((ir_op)op, FLOAT_ONLY, LENGTH(FLOAT_ONLY)));
    assert_int_equal(ir_op_has_flag((ir_op)op, IR_OP_FLAG_F32_MATH),
                     listed((ir_op)op, F32_MATH, LENGTH(F32_MATH)));
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
      {"Reshape", 1, 1},   {"Slice", 1, 4},           {"Squeeze", 1, 1},   {"Unsqueeze", 1, 1},
      {"ReduceMax", 1, 1}, {"ReduceMean", 1, 1},      {"ReduceMin", 1, 1}, {"ReduceSum", 1, 1},
      {"Split", 1, 1},     {"Expand", 1, 1},          {"Pad", 1, 1},       {"Pad", 3, 3},
      {"Range", 0, 2},     {"ConstantOfShape", 0, 0},
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_op_has_a_category),
      cmocka_unit_test(test_views),
      cmocka_unit_test(test_flags),
      cmocka_unit_test(test_shape_inputs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
