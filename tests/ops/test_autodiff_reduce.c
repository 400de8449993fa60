/* Gradient rules of reductions and Softmax/LogSoftmax (passes/autodiff/grad_reduce.c,
 * grad_softmax.c) against central differences in f64. */
#include "autodiff_test.h"

static void test_reduce(void **state) {
  (void)state;
  static const char *const calls[] = {
      "%y: f64[2,1,4] = ReduceSum(%x, %axes)",
      "%y: f64[2,4] = ReduceMean(%x, %axes) {keepdims: int = 0}",
      "%y: f64[2,1,4] = ReduceMax(%x, %axes)",
      "%y: f64[] = ReduceMin(%x) {keepdims: int = 0}",
      "%y: f64[1,1,1] = ReduceSum(%x)",
  };
  for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
    char text[512];
    snprintf(text, sizeof text,
             "dlir 1\ngraph \"g\" {\n  input %%x: f64[2,3,4]\n  const %%axes: i64[1] = [-2]\n"
             "  %s\n  output %%y\n}\n",
             calls[i]);
    ad_check_gradients(text, &AD_F64);
  }
}

static void test_global_pools(void **state) {
  (void)state;
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3,2,2]\n"
                     "  %y: f64[2,3,1,1] = GlobalAveragePool(%x)\n  output %y\n}\n",
                     &AD_F64);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3,2,2]\n"
                     "  %y: f64[2,3,1,1] = GlobalMaxPool(%x)\n  output %y\n}\n",
                     &AD_F64);
}

/* f32: Softmax and LogSoftmax have no f64 kernel. */
static void test_softmax(void **state) {
  (void)state;
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f32[2,3,4]\n"
                     "  %y: f32[2,3,4] = Softmax(%x) {axis: int = 1}\n  output %y\n}\n",
                     &AD_F32);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f32[3,4]\n"
                     "  %y: f32[3,4] = LogSoftmax(%x)\n  output %y\n}\n",
                     &AD_F32);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_reduce),
                                     cmocka_unit_test(test_global_pools),
                                     cmocka_unit_test(test_softmax)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
