/* The element type table (include/dlrt/dtypes.def) as the compiler and the runtime read it:
 * every row's name, bits, ONNX code and kind, and the same size on both sides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codegen/program/dlrt_dtype.h"
#include "dlrt.h"

typedef enum { FLOAT, SIGNED, UNSIGNED, BOOL } kind;

/* Written out independently of the table: the ONNX codes are TensorProto.DataType's. */
static const struct {
  ir_dtype dtype;
  dlrt_dtype runtime;
  const char *name;
  int bits;
  int onnx;
  kind kind;
} EXPECTED[] = {
    {IR_DTYPE_F32, DLRT_DTYPE_F32, "f32", 32, 1, FLOAT},
    {IR_DTYPE_F16, DLRT_DTYPE_F16, "f16", 16, 10, FLOAT},
    {IR_DTYPE_BF16, DLRT_DTYPE_BF16, "bf16", 16, 16, FLOAT},
    {IR_DTYPE_F64, DLRT_DTYPE_F64, "f64", 64, 11, FLOAT},
    {IR_DTYPE_I8, DLRT_DTYPE_I8, "i8", 8, 3, SIGNED},
    {IR_DTYPE_U8, DLRT_DTYPE_U8, "u8", 8, 2, UNSIGNED},
    {IR_DTYPE_I16, DLRT_DTYPE_I16, "i16", 16, 5, SIGNED},
    {IR_DTYPE_U16, DLRT_DTYPE_U16, "u16", 16, 4, UNSIGNED},
    {IR_DTYPE_I32, DLRT_DTYPE_I32, "i32", 32, 6, SIGNED},
    {IR_DTYPE_U32, DLRT_DTYPE_U32, "u32", 32, 12, UNSIGNED},
    {IR_DTYPE_I64, DLRT_DTYPE_I64, "i64", 64, 7, SIGNED},
    {IR_DTYPE_U64, DLRT_DTYPE_U64, "u64", 64, 13, UNSIGNED},
    {IR_DTYPE_BOOL, DLRT_DTYPE_BOOL, "bool", 8, 9, BOOL},
    {IR_DTYPE_F8E4M3FN, DLRT_DTYPE_F8E4M3FN, "f8e4m3fn", 8, 17, FLOAT},
    {IR_DTYPE_F8E4M3FNUZ, DLRT_DTYPE_F8E4M3FNUZ, "f8e4m3fnuz", 8, 18, FLOAT},
    {IR_DTYPE_F8E5M2, DLRT_DTYPE_F8E5M2, "f8e5m2", 8, 19, FLOAT},
    {IR_DTYPE_F8E5M2FNUZ, DLRT_DTYPE_F8E5M2FNUZ, "f8e5m2fnuz", 8, 20, FLOAT},
    {IR_DTYPE_U4, DLRT_DTYPE_U4, "u4", 4, 21, UNSIGNED},
    {IR_DTYPE_I4, DLRT_DTYPE_I4, "i4", 4, 22, SIGNED},
    {IR_DTYPE_F4E2M1, DLRT_DTYPE_F4E2M1, "f4e2m1", 4, 23, FLOAT},
    {IR_DTYPE_U2, DLRT_DTYPE_U2, "u2", 2, 25, UNSIGNED},
    {IR_DTYPE_I2, DLRT_DTYPE_I2, "i2", 2, 26, SIGNED},
    {IR_DTYPE_F8E8M0, DLRT_DTYPE_F8E8M0, "f8e8m0", 8, 24, FLOAT},
};
enum { ROWS = sizeof(EXPECTED) / sizeof(EXPECTED[0]) };

static void test_every_row(void **state) {
  (void)state;
  assert_int_equal(IR_DTYPE_COUNT - 1, ROWS);
  assert_int_equal(DLRT_DTYPE_COUNT, ROWS);
  for (int i = 0; i < ROWS; i++) {
    ir_dtype dtype = EXPECTED[i].dtype;
    print_message("%s\n", EXPECTED[i].name);
    assert_string_equal(ir_dtype_name(dtype), EXPECTED[i].name);
    assert_int_equal(ir_dtype_from_name(EXPECTED[i].name), dtype);
    assert_int_equal(ir_dtype_bits(dtype), EXPECTED[i].bits);
    assert_int_equal(ir_dtype_size(dtype), EXPECTED[i].bits / 8); /* 0: packed */
    assert_int_equal(ir_dtype_is_packed(dtype), EXPECTED[i].bits < 8);
    assert_int_equal(ir_dtype_to_onnx(dtype), EXPECTED[i].onnx);
    assert_int_equal(ir_dtype_from_onnx(EXPECTED[i].onnx), dtype);
    assert_int_equal(ir_dtype_is_float(dtype), EXPECTED[i].kind == FLOAT);
    assert_int_equal(ir_dtype_is_signed(dtype), EXPECTED[i].kind == SIGNED);
    assert_int_equal(ir_dtype_is_integer(dtype),
                     EXPECTED[i].kind == SIGNED || EXPECTED[i].kind == UNSIGNED);
    /* The runtime sees the same type at the mapped value, with the same size. */
    assert_int_equal(dl_dlrt_dtype(dtype), EXPECTED[i].runtime);
    assert_int_equal(dlrt_dtype_bits(EXPECTED[i].runtime), EXPECTED[i].bits);
    assert_int_equal(dlrt_dtype_size(EXPECTED[i].runtime), EXPECTED[i].bits / 8);
  }
}

static void test_outside_the_table(void **state) {
  (void)state;
  assert_string_equal(ir_dtype_name(IR_DTYPE_INVALID), "invalid");
  assert_int_equal(ir_dtype_size(IR_DTYPE_COUNT), 0);
  assert_false(ir_dtype_is_float(IR_DTYPE_INVALID));
  assert_false(ir_dtype_is_integer((ir_dtype)-1));
  assert_int_equal(dlrt_dtype_size(DLRT_DTYPE_COUNT), 0);
  assert_int_equal(dlrt_dtype_bits(DLRT_DTYPE_COUNT), 0);
  assert_int_equal(ir_dtype_from_onnx(8), IR_DTYPE_INVALID); /* strings */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_row),
      cmocka_unit_test(test_outside_the_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
