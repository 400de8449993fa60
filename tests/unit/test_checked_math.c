/* Checked integer helpers (ir/checked_math.h) at the limits of int64_t. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir/checked_math.h"

static void test_add_sub(void **state) {
  (void)state;
  int64_t out = 0;
  assert_true(dl_checked_add(INT64_MAX - 1, 1, &out));
  assert_true(out == INT64_MAX);
  assert_false(dl_checked_add(INT64_MAX, 1, &out));
  assert_false(dl_checked_add(INT64_MIN, -1, &out));
  assert_true(dl_checked_add(INT64_MIN, INT64_MAX, &out));
  assert_int_equal(out, -1);
  assert_true(dl_checked_sub(0, INT64_MAX, &out));
  assert_true(out == -INT64_MAX);
  assert_false(dl_checked_sub(-2, INT64_MAX, &out));
  assert_false(dl_checked_sub(0, INT64_MIN, &out));
}

static void test_mul_neg(void **state) {
  (void)state;
  int64_t out = 0;
  assert_true(dl_checked_mul((int64_t)1 << 31, (int64_t)1 << 31, &out));
  assert_true(out == (int64_t)1 << 62);
  assert_false(dl_checked_mul((int64_t)1 << 32, (int64_t)1 << 31, &out));
  assert_false(dl_checked_mul(INT64_MIN, -1, &out));
  assert_true(dl_checked_mul(INT64_MIN, 1, &out));
  assert_true(out == INT64_MIN);
  assert_true(dl_checked_mul(INT64_MAX, 0, &out));
  assert_int_equal(out, 0);
  assert_true(dl_checked_neg(INT64_MAX, &out));
  assert_true(out == -INT64_MAX);
  assert_false(dl_checked_neg(INT64_MIN, &out));
  assert_true(dl_magnitude(INT64_MIN) == (uint64_t)1 << 63);
  assert_true(dl_magnitude(INT64_MAX) == (uint64_t)INT64_MAX);
  assert_true(dl_magnitude(-5) == 5);
}

static void test_product(void **state) {
  (void)state;
  int64_t out = -1;
  const int64_t huge[] = {(int64_t)1 << 62, (int64_t)1 << 62};
  assert_false(dl_checked_product(huge, 2, &out));
  /* A zero anywhere: no elements, even when the other sizes would overflow. */
  const int64_t empty[] = {(int64_t)1 << 62, (int64_t)1 << 62, 0};
  assert_true(dl_checked_product(empty, 3, &out));
  assert_int_equal(out, 0);
  const int64_t fits[] = {3, (int64_t)1 << 40, 7};
  assert_true(dl_checked_product(fits, 3, &out));
  assert_true(out == 21 * ((int64_t)1 << 40));
  assert_true(dl_checked_product(NULL, 0, &out)); /* a scalar */
  assert_int_equal(out, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_add_sub),
      cmocka_unit_test(test_mul_neg),
      cmocka_unit_test(test_product),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
