/* Accuracy of dlcc's own transcendentals (host JIT; the GPU runs the same IR): max error
 * in ulps against the C library's double functions, plus IEEE special values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_launch.h"
#include "test_kernels.h"

typedef struct fixture {
  dl_diag diag;
  kernel_builder *kb;
  kb_jit *jit;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  dl_diag_init(&f->diag);
  /* Portable x86-64: the code path a bundle ships (no FMA contraction either way). */
  kb_target_options options = {.kind = KB_TARGET_HOST, .opt_level = 3};
  f->kb = kb_create(&options, "math_test", &f->diag);
  if (f->kb && define_math_kernels(f->kb) == 0)
    f->jit = kb_jit_create(f->kb, &f->diag);
  if (!f->jit)
    dl_diag_print(&f->diag, stderr);
  *state = f;
  return f->jit ? 0 : -1;
}

static int teardown(void **state) {
  fixture *f = *state;
  kb_jit_destroy(f->jit);
  kb_destroy(f->kb);
  dl_diag_deinit(&f->diag);
  free(f);
  return 0;
}

static void run_unary(fixture *f, const char *name, const float *in, float *out, int n) {
  void *params[] = {&in, &out, &n};
  unsigned grid[3] = {(unsigned)(n + 255) / 256, 1, 1}, block[3] = {256, 1, 1};
  assert_int_equal(host_launch(f->jit, f->kb, name, params, grid, block), 0);
}

/* Error of `got` in units of the last place of the float nearest `exact`. */
static double ulp_error(float got, double exact) {
  if (isnan(exact) || isnan(got))
    return isnan(exact) && isnan(got) ? 0 : INFINITY;
  float nearest = (float)exact;
  if (isinf(nearest))
    return got == nearest ? 0 : INFINITY;
  float magnitude = fabsf(nearest);
  double ulp = (double)nextafterf(magnitude, INFINITY) - magnitude;
  return fabs((double)got - exact) / ulp;
}

typedef double (*reference_fn)(double);

static double sigmoid_reference(double x) { return 1.0 / (1.0 + exp(-x)); }
static double rsqrt_reference(double x) { return 1.0 / sqrt(x); }

/* Inputs: every `stride`-th float bit pattern whose value lies in [low, high]. */
static float *sample(float low, float high, uint32_t stride, int *out_count) {
  int capacity = 1 << 20, count = 0;
  float *values = malloc((size_t)capacity * sizeof *values);
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += stride) {
    uint32_t pattern = (uint32_t)bits;
    float x;
    memcpy(&x, &pattern, sizeof x);
    if (!(x >= low && x <= high))
      continue;
    if (count == capacity)
      values = realloc(values, (size_t)(capacity *= 2) * sizeof *values);
    values[count++] = x;
  }
  *out_count = count;
  return values;
}

static double measure(fixture *f, const char *kernel, reference_fn reference, float low,
                      float high) {
  int n = 0;
  float *in = sample(low, high, 4099, &n);
  float *out = malloc((size_t)n * sizeof *out);
  run_unary(f, kernel, in, out, n);
  double worst = 0;
  float worst_x = 0;
  for (int i = 0; i < n; i++) {
    double error = ulp_error(out[i], reference((double)in[i]));
    if (error > worst) {
      worst = error;
      worst_x = in[i];
    }
  }
  printf("%-14s max error %.3f ulp over %d inputs in [%g, %g] (worst at x = %.9g)\n", kernel, worst,
         n, (double)low, (double)high, (double)worst_x);
  free(in);
  free(out);
  return worst;
}

static void test_exp(void **state) {
  assert_true(measure(*state, "unary_exp", exp, -104.0f, 89.0f) <= 1.5);
}
static void test_log(void **state) {
  assert_true(measure(*state, "unary_log", log, 0.0f, 3.4e38f) <= 1.5);
}
static void test_tanh(void **state) {
  assert_true(measure(*state, "unary_tanh", tanh, -20.0f, 20.0f) <= 3.0);
}
static void test_erf(void **state) {
  assert_true(measure(*state, "unary_erf", erf, -6.0f, 6.0f) <= 3.0);
}
static void test_sigmoid(void **state) {
  assert_true(measure(*state, "unary_sigmoid", sigmoid_reference, -90.0f, 90.0f) <= 3.0);
}
static void test_sqrt(void **state) {
  assert_true(measure(*state, "unary_sqrt", sqrt, 0.0f, 3.4e38f) <= 0.5);
}
static void test_rsqrt(void **state) {
  assert_true(measure(*state, "unary_rsqrt", rsqrt_reference, 1e-37f, 3.4e38f) <= 1.5);
}

static double measure_pow(fixture *f, float x_low, float x_high, float y_low, float y_high) {
  int n = 1 << 18;
  float *x = malloc((size_t)n * sizeof *x), *y = malloc((size_t)n * sizeof *y);
  float *out = malloc((size_t)n * sizeof *out);
  srand(11);
  for (int i = 0; i < n; i++) {
    x[i] = x_low + (float)rand() / (float)RAND_MAX * (x_high - x_low);
    y[i] = y_low + (float)rand() / (float)RAND_MAX * (y_high - y_low);
  }
  void *params[] = {&x, &y, &out, &n};
  unsigned grid[3] = {(unsigned)n / 256, 1, 1}, block[3] = {256, 1, 1};
  assert_int_equal(host_launch(f->jit, f->kb, "pow_f32", params, grid, block), 0);
  double worst = 0;
  for (int i = 0; i < n; i++) {
    double error = ulp_error(out[i], pow((double)x[i], (double)y[i]));
    worst = error > worst ? error : worst;
  }
  printf("%-14s max error %.3f ulp over %d pairs, x in [%g, %g], y in [%g, %g]\n", "pow_f32", worst,
         n, (double)x_low, (double)x_high, (double)y_low, (double)y_high);
  free(x);
  free(y);
  free(out);
  return worst;
}

static void test_pow(void **state) {
  assert_true(measure_pow(*state, 1e-3f, 10.0f, -4.0f, 4.0f) <= 0.51);
  assert_true(measure_pow(*state, 1e-3f, 1e3f, -12.0f, 12.0f) <= 0.51); /* down to denormals */
  assert_true(measure_pow(*state, -8.0f, 8.0f, -30.0f, 30.0f) <=
              0.51); /* negative x: NaN or signed */
}

/* Vectorized code for this CPU (AVX/AVX-512 if present) and scalar portable code must give
 * the same bits: the math has no FMA contraction and no target-dependent operation. */
static void test_same_bits_native_and_generic(void **state) {
  fixture *f = *state;
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options options = {.kind = KB_TARGET_HOST, .host_cpu = "native", .opt_level = 3};
  kernel_builder *native = kb_create(&options, "math_native", &diag);
  assert_int_equal(define_math_kernels(native), 0);
  kb_jit *jit = kb_jit_create(native, &diag);
  assert_non_null(jit);
  const char *kernels[] = {"unary_exp",     "unary_log",  "unary_tanh", "unary_erf",
                           "unary_sigmoid", "unary_sqrt", "unary_rsqrt"};
  int n = 0;
  float *in = sample(-1e4f, 1e4f, 65537, &n);
  float *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
  for (size_t k = 0; k < sizeof kernels / sizeof kernels[0]; k++) {
    run_unary(f, kernels[k], in, a, n);
    void *params[] = {&in, &b, &n};
    unsigned grid[3] = {(unsigned)(n + 255) / 256, 1, 1}, block[3] = {256, 1, 1};
    assert_int_equal(host_launch(jit, native, kernels[k], params, grid, block), 0);
    if (memcmp(a, b, (size_t)n * sizeof *a) != 0)
      fail_msg("%s: native and generic results differ", kernels[k]);
  }
  free(in);
  free(a);
  free(b);
  kb_jit_destroy(jit);
  kb_destroy(native);
  dl_diag_deinit(&diag);
}

typedef struct special {
  const char *kernel;
  float x, expected;
} special;

static void test_special_values(void **state) {
  fixture *f = *state;
  const special cases[] = {
      {"unary_exp", -INFINITY, 0.0f},    {"unary_exp", INFINITY, INFINITY},
      {"unary_exp", 0.0f, 1.0f},         {"unary_exp", -200.0f, 0.0f},
      {"unary_exp", 100.0f, INFINITY},   {"unary_exp", NAN, NAN},
      {"unary_log", 0.0f, -INFINITY},    {"unary_log", -1.0f, NAN},
      {"unary_log", 1.0f, 0.0f},         {"unary_log", INFINITY, INFINITY},
      {"unary_log", NAN, NAN},           {"unary_tanh", INFINITY, 1.0f},
      {"unary_tanh", -INFINITY, -1.0f},  {"unary_tanh", -0.0f, -0.0f},
      {"unary_tanh", NAN, NAN},          {"unary_erf", INFINITY, 1.0f},
      {"unary_erf", -INFINITY, -1.0f},   {"unary_erf", 0.0f, 0.0f},
      {"unary_erf", NAN, NAN},           {"unary_sigmoid", -INFINITY, 0.0f},
      {"unary_sigmoid", INFINITY, 1.0f}, {"unary_sigmoid", 0.0f, 0.5f},
      {"unary_sqrt", -1.0f, NAN},        {"unary_rsqrt", 0.0f, INFINITY},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    float out = 0;
    run_unary(f, cases[i].kernel, &cases[i].x, &out, 1);
    if (isnan(cases[i].expected)) {
      assert_true(isnan(out));
      continue;
    }
    if (out != cases[i].expected || signbit(out) != signbit(cases[i].expected))
      fail_msg("%s(%g) = %g, expected %g", cases[i].kernel, (double)cases[i].x, (double)out,
               (double)cases[i].expected);
  }
  static const float pow_cases[][3] = {
      {-2.0f, 3.0f, -8.0f},        {-2.0f, 0.5f, NAN},         {0.0f, -1.0f, INFINITY},
      {0.0f, 2.0f, 0.0f},          {5.0f, 0.0f, 1.0f},         {1.0f, NAN, 1.0f},
      {NAN, 0.0f, 1.0f},           {NAN, 1.0f, NAN},           {-8.0f, 2.0f, 64.0f},
      {-0.0f, 3.0f, -0.0f},        {-0.0f, 0.5f, 0.0f},        {-0.0f, -1.0f, -INFINITY},
      {-2.0f, INFINITY, INFINITY}, {-0.5f, INFINITY, 0.0f},    {-1.0f, -INFINITY, 1.0f},
      {INFINITY, -1.0f, 0.0f},     {INFINITY, 0.5f, INFINITY}, {2.0f, 128.0f, INFINITY},
      {2.0f, -149.0f, 0x1p-149f},  {2.0f, -151.0f, 0.0f},      {-2.0f, 1e30f, INFINITY},
  };
  enum { COUNT = sizeof pow_cases / sizeof pow_cases[0] };
  float px[COUNT], py[COUNT], out[COUNT], *x = px, *y = py, *o = out;
  int n = COUNT;
  for (int i = 0; i < n; i++) {
    px[i] = pow_cases[i][0];
    py[i] = pow_cases[i][1];
  }
  void *params[] = {&x, &y, &o, &n};
  unsigned grid[3] = {1, 1, 1}, block[3] = {32, 1, 1};
  assert_int_equal(host_launch(f->jit, f->kb, "pow_f32", params, grid, block), 0);
  for (int i = 0; i < n; i++) {
    float expected = pow_cases[i][2];
    int same = isnan(expected) ? isnan(out[i])
                               : out[i] == expected && signbit(out[i]) == signbit(expected);
    if (!same)
      fail_msg("pow(%g, %g) = %g, expected %g", (double)px[i], (double)py[i], (double)out[i],
               (double)expected);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exp),
      cmocka_unit_test(test_log),
      cmocka_unit_test(test_tanh),
      cmocka_unit_test(test_erf),
      cmocka_unit_test(test_sigmoid),
      cmocka_unit_test(test_sqrt),
      cmocka_unit_test(test_rsqrt),
      cmocka_unit_test(test_pow),
      cmocka_unit_test(test_special_values),
      cmocka_unit_test(test_same_bits_native_and_generic),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
