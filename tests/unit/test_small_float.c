/* The 8- and 4-bit float conversions of ir/small_float.c against ml_dtypes (the oracle files
 * of tests/models/make_small_float_oracle.py): every code decoded, and every f16 value,
 * boundaries, ties, specials and random f32 bits encoded with and without saturation. Also
 * the packed element access of 4- and 2-bit types. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ir/type.h"

static uint32_t *read_oracle(const char *name, size_t *out_words) {
  char path[512];
  snprintf(path, sizeof path, "%s/small_float/%s.bin", DLCC_MODELS_DIR, name);
  FILE *file = fopen(path, "rb");
  assert_non_null(file);
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  uint32_t *words = malloc((size_t)size);
  assert_non_null(words);
  assert_int_equal(fread(words, 1, (size_t)size, file), (size_t)size);
  fclose(file);
  *out_words = (size_t)size / 4;
  return words;
}

static float as_float(uint32_t bits) {
  float value;
  memcpy(&value, &bits, 4);
  return value;
}

static void check_format(ir_dtype dtype) {
  size_t words;
  uint32_t *oracle = read_oracle(ir_dtype_name(dtype), &words);
  uint32_t codes = oracle[0], count = oracle[1];
  assert_int_equal(words, 2 + codes + 3 * (size_t)count);
  const uint32_t *decoded = oracle + 2, *inputs = decoded + codes, *plain = inputs + count,
                 *saturated = plain + count;
  for (uint32_t code = 0; code < codes; code++) {
    float want = as_float(decoded[code]), have = ir_small_float_to_f32(dtype, code);
    if (isnan(want) ? !isnan(have) : memcmp(&want, &have, 4) != 0)
      fail_msg("%s code 0x%x decodes to %g, ml_dtypes gives %g", ir_dtype_name(dtype), code,
               (double)have, (double)want);
  }
  for (uint32_t i = 0; i < count; i++) {
    float value = as_float(inputs[i]);
    uint32_t have = ir_small_float_from_double(dtype, value, false),
             have_saturated = ir_small_float_from_double(dtype, value, true);
    /* Either NaN code of e4m3fn/e5m2 is a NaN; ml_dtypes keeps the sign, so must we. */
    if (have != plain[i] || have_saturated != saturated[i])
      fail_msg("%s: %a encodes to 0x%x / saturated 0x%x, ml_dtypes gives 0x%x / 0x%x",
               ir_dtype_name(dtype), (double)value, have, have_saturated, plain[i], saturated[i]);
  }
  free(oracle);
}

/* One format (the test's state points at its dtype). */
static void test_format(void **state) { check_format(*(const ir_dtype *)*state); }

static const ir_dtype FORMATS[] = {IR_DTYPE_F8E4M3FN, IR_DTYPE_F8E4M3FNUZ, IR_DTYPE_F8E5M2,
                                   IR_DTYPE_F8E5M2FNUZ, IR_DTYPE_F4E2M1};

/* f8e8m0 against ONNX's reference rounding: every code decoded; every f32 exponent with
 * mantissas around each rounding point, both signs, in every round mode with and without
 * saturate. */
static void test_e8m0(void **state) {
  (void)state;
  size_t words;
  uint32_t *oracle = read_oracle("f8e8m0", &words);
  uint32_t codes = oracle[0], count = oracle[1];
  assert_int_equal(words, 2 + codes + 7 * (size_t)count);
  const uint32_t *decoded = oracle + 2, *inputs = decoded + codes, *rounded = inputs + count;
  for (uint32_t code = 0; code < codes; code++) {
    float want = as_float(decoded[code]), have = ir_small_float_to_f32(IR_DTYPE_F8E8M0, code);
    assert_true(isnan(want) ? isnan(have) : memcmp(&want, &have, 4) == 0);
  }
  for (int k = 0; k < 6; k++)
    for (uint32_t i = 0; i < count; i++) {
      uint32_t have = ir_e8m0_from_f32(as_float(inputs[i]), k % 2, (ir_round_mode)(k / 2));
      if (have != rounded[(size_t)k * count + i])
        fail_msg("f8e8m0 of %a (mode %d, saturate %d): 0x%x, expected 0x%x",
                 (double)as_float(inputs[i]), k / 2, k % 2, have, rounded[(size_t)k * count + i]);
    }
  free(oracle);
}

/* The largest finite values and what overflow gives, written out from the formats' specs. */
static void test_format_limits(void **state) {
  (void)state;
  assert_true(ir_small_float_to_f32(IR_DTYPE_F8E4M3FN, 0x7e) == 448.0f);
  assert_true(ir_small_float_to_f32(IR_DTYPE_F8E4M3FNUZ, 0x7f) == 240.0f);
  assert_true(ir_small_float_to_f32(IR_DTYPE_F8E5M2, 0x7b) == 57344.0f);
  assert_true(ir_small_float_to_f32(IR_DTYPE_F8E5M2FNUZ, 0x7f) == 57344.0f);
  assert_true(ir_small_float_to_f32(IR_DTYPE_F4E2M1, 0x7) == 6.0f);
  assert_true(ir_small_float_to_f32(IR_DTYPE_F4E2M1, 0xf) == -6.0f);
  assert_true(isinf(ir_small_float_to_f32(IR_DTYPE_F8E5M2, 0xfc)));
  assert_true(isnan(ir_small_float_to_f32(IR_DTYPE_F8E4M3FNUZ, 0x80)));
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F8E4M3FN, 464.0, false), 0x7e); /* tie */
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F8E4M3FN, 465.0, false), 0x7f); /* NaN */
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F8E4M3FN, -1e9, true), 0xfe);
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F8E5M2, INFINITY, false), 0x7c);
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F8E5M2, INFINITY, true), 0x7b);
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F8E5M2FNUZ, -0.0, true), 0);
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F4E2M1, 1e9, false), 0x7);
  /* f64 inputs round once: 1 + 2^-4 + 2^-40 is just above the tie between 1 and 1.125. */
  assert_int_equal(ir_small_float_from_double(IR_DTYPE_F8E4M3FN, 1.0 + 0x1p-4 + 0x1p-40, true),
                   0x39);
}

static void test_packed_elements(void **state) {
  (void)state;
  uint8_t data[3] = {0};
  for (int i = 0; i < 5; i++)
    ir_element_set_int(IR_DTYPE_I4, data, i, i * 3 - 7); /* -7 -4 -1 2 5 */
  assert_int_equal(data[0], 0xc9);
  assert_int_equal(data[1], 0x2f);
  assert_int_equal(data[2], 0x05);
  for (int i = 0; i < 5; i++)
    assert_int_equal(ir_element_get_int(IR_DTYPE_I4, data, i), i * 3 - 7);
  assert_int_equal(ir_element_get_int(IR_DTYPE_U4, data, 0), 9);
  ir_element_set_int(IR_DTYPE_U4, data, 3, 17); /* wraps to 1 */
  assert_int_equal(ir_element_get_int(IR_DTYPE_U4, data, 3), 1);
  assert_int_equal(ir_element_get_int(IR_DTYPE_I4, data, 2), -1); /* neighbour untouched */
  uint8_t pairs[1] = {0};
  int64_t twos[4] = {-2, -1, 0, 1};
  for (int i = 0; i < 4; i++)
    ir_element_set_int(IR_DTYPE_I2, pairs, i, twos[i]);
  assert_int_equal(pairs[0], 0x4e); /* 01 00 11 10 */
  for (int i = 0; i < 4; i++)
    assert_int_equal(ir_element_get_int(IR_DTYPE_I2, pairs, i), twos[i]);
  assert_int_equal(ir_element_get_int(IR_DTYPE_U2, pairs, 0), 2);
  ir_element_set_float(IR_DTYPE_F4E2M1, pairs, 1, -3.0);
  assert_true(ir_element_get_float(IR_DTYPE_F4E2M1, pairs, 1) == -3.0);
  assert_true(ir_element_get_float(IR_DTYPE_F4E2M1, pairs, 0) == -4.0); /* code 0xe, untouched */
  ir_type type = ir_type_make(IR_DTYPE_I4, 2, (int64_t[]){3, 3});
  int64_t bytes = 0;
  assert_true(ir_type_byte_size(&type, &bytes));
  assert_int_equal(bytes, 5);
  type.dtype = IR_DTYPE_U2;
  assert_true(ir_type_byte_size(&type, &bytes));
  assert_int_equal(bytes, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_prestate(test_format, (void *)&FORMATS[0]),
      cmocka_unit_test_prestate(test_format, (void *)&FORMATS[1]),
      cmocka_unit_test_prestate(test_format, (void *)&FORMATS[2]),
      cmocka_unit_test_prestate(test_format, (void *)&FORMATS[3]),
      cmocka_unit_test_prestate(test_format, (void *)&FORMATS[4]),
      cmocka_unit_test(test_e8m0),
      cmocka_unit_test(test_format_limits),
      cmocka_unit_test(test_packed_elements),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
