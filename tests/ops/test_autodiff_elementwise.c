/* Gradient rules of the elementwise ops (passes/autodiff/grad_elementwise.c and
 * grad_activation.c) against central differences: f64 where the op has an f64 kernel, f32 for
 * the ops computed by the f32 math library (IR_OP_FLAG_F32_MATH; AD_F32 says why its
 * tolerance holds). */
#include "autodiff_test.h"

/* The graph y = CALL (a one-input op on %x) on x: DTYPE[2,3]. */
static void unary_text(char *text, size_t size, const char *dtype, const char *call) {
  snprintf(text, size,
           "dlir 1\ngraph \"g\" {\n  input %%x: %s[2,3]\n  %%y: %s[2,3] = %s\n  output %%y\n}\n",
           dtype, dtype, call);
}

/* Inputs away from 0 so that no kink (Relu, Abs, ...) lies within h of an input. */
static const grad_check AWAY_FROM_KINKS = {0.25, 2.0, 1e-6, 1e-6, 1e-7, 1};

static void check_both_signs(const char *text, const grad_check *base) {
  grad_check positive = *base, negative = *base;
  positive.low = 0.25, positive.high = 2.0;
  negative.low = -2.0, negative.high = -0.25;
  ad_check_gradients(text, &positive);
  ad_check_gradients(text, &negative);
}

static void test_binary_broadcast(void **state) {
  (void)state;
  static const char *const ops[] = {"Add", "Sub", "Mul", "Div", "Max", "Min"};
  for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
    char text[512];
    /* b broadcasts along both axes of a's [2,3] after a size-1 axis: gradients summed back. */
    snprintf(text, sizeof text,
             "dlir 1\ngraph \"g\" {\n  input %%a: f64[2,3]\n  input %%b: f64[1,3]\n"
             "  %%y: f64[2,3] = %s(%%a, %%b)\n  output %%y\n}\n",
             ops[i]);
    ad_check_gradients(text, i == 3 ? &AWAY_FROM_KINKS : &AD_F64);
  }
}

static void test_pow(void **state) {
  (void)state;
  /* f32: Pow is computed by the f32 math library. */
  const char *constant = "dlir 1\ngraph \"g\" {\n  input %x: f32[2,3]\n"
                         "  const %e: f32[] = [3]\n"
                         "  %y: f32[2,3] = Pow(%x, %e)\n  output %y\n}\n";
  ad_check_gradients(constant, &AD_F32);
  const char *both = "dlir 1\ngraph \"g\" {\n  input %x: f32[2,3]\n  input %e: f32[3]\n"
                     "  %y: f32[2,3] = Pow(%x, %e)\n  output %y\n}\n";
  grad_check positive = AD_F32;
  positive.low = 0.5; /* log(x) in d/de */
  ad_check_gradients(both, &positive);
}

static void test_unary_f64(void **state) {
  (void)state;
  static const char *const smooth[] = {"Neg(%x)", "Exp(%x)", "Identity(%x)", "dl.copy(%x)",
                                       "Dropout(%x)"};
  for (size_t i = 0; i < sizeof smooth / sizeof *smooth; i++) {
    char text[512];
    unary_text(text, sizeof text, "f64", smooth[i]);
    ad_check_gradients(text, &AD_F64);
  }
  static const char *const positive[] = {"Log(%x)", "Sqrt(%x)", "Reciprocal(%x)"};
  for (size_t i = 0; i < sizeof positive / sizeof *positive; i++) {
    char text[512];
    unary_text(text, sizeof text, "f64", positive[i]);
    ad_check_gradients(text, &AWAY_FROM_KINKS);
  }
  static const char *const kinked[] = {
      "Abs(%x)", "Relu(%x)", "LeakyRelu(%x) {alpha: float = 0.125}",
      "HardSigmoid(%x) {alpha: float = 0.25, beta: float = 0.5}", "HardSwish(%x)"};
  for (size_t i = 0; i < sizeof kinked / sizeof *kinked; i++) {
    char text[512];
    unary_text(text, sizeof text, "f64", kinked[i]);
    check_both_signs(text, &AD_F64);
  }
}

static void test_unary_f32_math(void **state) {
  (void)state;
  static const char *const calls[] = {"Sigmoid(%x)",  "Tanh(%x)",
                                      "Softplus(%x)", "Erf(%x)",
                                      "Gelu(%x)",     "Gelu(%x) {approximate: string = \"tanh\"}"};
  for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
    char text[512];
    unary_text(text, sizeof text, "f32", calls[i]);
    ad_check_gradients(text, &AD_F32);
  }
  static const char *const kinked[] = {"Elu(%x) {alpha: float = 0.5}", "Selu(%x)"};
  for (size_t i = 0; i < sizeof kinked / sizeof *kinked; i++) {
    char text[512];
    unary_text(text, sizeof text, "f32", kinked[i]);
    grad_check check = AD_F32;
    check.step = 1e-3; /* the kink at 0 stays > h away: inputs are beyond 0.25 */
    check_both_signs(text, &check);
  }
}

static void test_clip_where_cast(void **state) {
  (void)state;
  const char *clip = "dlir 1\ngraph \"g\" {\n  input %x: f64[2,3]\n"
                     "  const %lo: f64[] = [-0.75]\n  const %hi: f64[] = [1.25]\n"
                     "  %y: f64[2,3] = Clip(%x, %lo, %hi)\n  output %y\n}\n";
  grad_check check = AD_F64; /* inputs drawn on a grid far from the bounds */
  ad_check_gradients(clip, &check);
  const char *where = "dlir 1\ngraph \"g\" {\n  input %a: f64[2,3]\n  input %b: f64[3]\n"
                      "  const %c: bool[2,3] = [true, false, true, false, false, true]\n"
                      "  %y: f64[2,3] = Where(%c, %a, %b)\n  output %y\n}\n";
  ad_check_gradients(where, &AD_F64);
  const char *cast = "dlir 1\ngraph \"g\" {\n  input %x: f64[2,3]\n"
                     "  %h: f32[2,3] = Cast(%x) {to: dtype = f32}\n"
                     "  %y: f64[2,3] = Cast(%h) {to: dtype = f64}\n  output %y\n}\n";
  grad_check through_f32 = AD_F64;
  through_f32.step = 1e-2, through_f32.rtol = 1e-4, through_f32.atol = 1e-5; /* f32 rounding */
  ad_check_gradients(cast, &through_f32);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_binary_broadcast), cmocka_unit_test(test_pow),
      cmocka_unit_test(test_unary_f64),        cmocka_unit_test(test_unary_f32_math),
      cmocka_unit_test(test_clip_where_cast),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
