/* Element types and tensor types: names, sizes, ONNX codes, byte sizes, formatting,
 * element access and half-precision conversion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir/type.h"

static void test_dtype_table(void **state) {
  assert_string_equal(ir_dtype_name(IR_DTYPE_F32), "f32");
  assert_string_equal(ir_dtype_name(IR_DTYPE_INVALID), "invalid");
  assert_string_equal(ir_dtype_name((ir_dtype)999), "invalid");
  assert_int_equal(ir_dtype_from_name("bf16"), IR_DTYPE_BF16);
  assert_int_equal(ir_dtype_from_name("float"), IR_DTYPE_INVALID);
  assert_int_equal(ir_dtype_size(IR_DTYPE_I64), 8);
  assert_int_equal(ir_dtype_size(IR_DTYPE_BOOL), 1);
  assert_int_equal(ir_dtype_from_onnx(7), IR_DTYPE_I64);
  assert_int_equal(ir_dtype_to_onnx(IR_DTYPE_F16), 10);
  assert_int_equal(ir_dtype_from_onnx(8), IR_DTYPE_INVALID); /* strings */
  assert_true(ir_dtype_is_float(IR_DTYPE_BF16));
  assert_false(ir_dtype_is_integer(IR_DTYPE_BOOL));
  assert_true(ir_dtype_is_integer(IR_DTYPE_U16));
  assert_false(ir_dtype_is_signed(IR_DTYPE_U16));
}

static void test_byte_size_and_overflow(void **state) {
  ir_type image = ir_type_make(IR_DTYPE_F32, 4, (const int64_t[]){1, 3, 224, 224});
  int64_t bytes, count;
  assert_true(ir_type_byte_size(&image, &bytes));
  assert_int_equal(bytes, 602112);
  ir_type scalar = ir_type_scalar(IR_DTYPE_F64);
  assert_true(ir_type_byte_size(&scalar, &bytes));
  assert_int_equal(bytes, 8);
  ir_type huge = ir_type_make(IR_DTYPE_F32, 2, (const int64_t[]){INT64_MAX / 2, 2});
  assert_true(ir_type_element_count(&huge, &count));
  assert_false(ir_type_byte_size(&huge, &bytes)); /* elements fit, bytes do not */
  ir_type too_many = ir_type_make(IR_DTYPE_U8, 3, (const int64_t[]){1 << 30, 1 << 30, 1 << 30});
  assert_false(ir_type_element_count(&too_many, &count));
  ir_type symbolic = ir_type_make(IR_DTYPE_F32, 2, (const int64_t[]){IR_DIM_SYMBOL(0), 3});
  assert_false(ir_type_is_static(&symbolic));
  assert_false(ir_type_byte_size(&symbolic, &bytes));
}

static void test_format(void **state) {
  char text[64];
  ir_type image = ir_type_make(IR_DTYPE_F32, 4, (const int64_t[]){IR_DIM_SYMBOL(1), 3, 8, 8});
  assert_int_equal(ir_type_format(&image, NULL, text, sizeof(text)), 13);
  assert_string_equal(text, "f32[?1,3,8,8]");
  const char *names[] = {"seq", "batch"};
  ir_type_format(&image, names, text, sizeof(text));
  assert_string_equal(text, "f32[batch,3,8,8]");
  ir_type scalar = ir_type_scalar(IR_DTYPE_BOOL);
  ir_type_format(&scalar, NULL, text, sizeof(text));
  assert_string_equal(text, "bool[]");
  /* Truncation still terminates and reports the full length. */
  assert_int_equal(ir_type_format(&image, NULL, text, 5), 13);
  assert_string_equal(text, "f32[");
  ir_type other = image;
  assert_true(ir_type_equal(&image, &other));
  other.dims[2] = 9;
  assert_false(ir_type_equal(&image, &other));
}

static void test_element_access(void **state) {
  unsigned char data[64] = {0};
  ir_element_set_int(IR_DTYPE_I8, data, 1, 300); /* wraps */
  assert_int_equal(ir_element_get_int(IR_DTYPE_I8, data, 1), 44);
  ir_element_set_float(IR_DTYPE_I32, data, 2, -7.9); /* truncates */
  assert_int_equal(ir_element_get_int(IR_DTYPE_I32, data, 2), -7);
  ir_element_set_float(IR_DTYPE_I64, data, 3, 1e300); /* saturates */
  assert_int_equal(ir_element_get_int(IR_DTYPE_I64, data, 3), INT64_MAX);
  ir_element_set_int(IR_DTYPE_BOOL, data, 0, 5);
  assert_int_equal(data[0], 1);
  ir_element_set_float(IR_DTYPE_F16, data, 0, 1.5);
  assert_true(ir_element_get_float(IR_DTYPE_F16, data, 0) == 1.5);
}

static void test_half_precision(void **state) {
  assert_int_equal(ir_f32_to_f16(1.0f), 0x3c00);
  assert_int_equal(ir_f32_to_f16(-2.0f), 0xc000);
  assert_int_equal(ir_f32_to_f16(65504.0f), 0x7bff);
  assert_int_equal(ir_f32_to_f16(1e6f), 0x7c00);
  assert_int_equal(ir_f32_to_f16(5.9604645e-08f), 0x0001); /* smallest subnormal */
  assert_true(ir_f16_to_f32(0x0001) == 5.9604645e-08f);
  assert_true(ir_f16_to_f32(0x3555) > 0.333f && ir_f16_to_f32(0x3555) < 0.334f);
  assert_int_equal(ir_f32_to_f16(1.0f + 1.0f / 2048), 0x3c00); /* tie to even */
  assert_int_equal(ir_f32_to_bf16(1.0f), 0x3f80);
  assert_true(ir_bf16_to_f32(0xc040) == -3.0f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dtype_table),    cmocka_unit_test(test_byte_size_and_overflow),
      cmocka_unit_test(test_format),         cmocka_unit_test(test_element_access),
      cmocka_unit_test(test_half_precision),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
