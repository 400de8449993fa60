/* Checked 64-bit integer arithmetic for shapes and sizes: every helper returns false instead
 * of overflowing (which C leaves undefined), so a hostile dimension becomes an error. */
#ifndef DLCC_IR_CHECKED_MATH_H
#define DLCC_IR_CHECKED_MATH_H

#include <stdbool.h>
#include <stdint.h>

static inline bool dl_checked_add(int64_t a, int64_t b, int64_t *out) {
  return !__builtin_add_overflow(a, b, out);
}

static inline bool dl_checked_sub(int64_t a, int64_t b, int64_t *out) {
  return !__builtin_sub_overflow(a, b, out);
}

static inline bool dl_checked_mul(int64_t a, int64_t b, int64_t *out) {
  return !__builtin_mul_overflow(a, b, out);
}

/* -a; false for INT64_MIN, whose negation does not fit. */
static inline bool dl_checked_neg(int64_t a, int64_t *out) {
  return !__builtin_sub_overflow((int64_t)0, a, out);
}

/* |a| as an unsigned number: defined for every a, INT64_MIN included. */
static inline uint64_t dl_magnitude(int64_t a) { return a < 0 ? 0 - (uint64_t)a : (uint64_t)a; }

/* Product of `count` non-negative sizes; false on overflow. A zero anywhere makes the product
 * 0 even when the others would overflow (0 x 2^62 x 2^62 holds no elements). */
static inline bool dl_checked_product(const int64_t *sizes, int count, int64_t *out) {
  int64_t product = 1;
  bool overflowed = false;
  for (int i = 0; i < count; i++) {
    if (sizes[i] == 0) {
      *out = 0;
      return true;
    }
    overflowed = overflowed || !dl_checked_mul(product, sizes[i], &product);
  }
  *out = product;
  return !overflowed;
}

#endif
