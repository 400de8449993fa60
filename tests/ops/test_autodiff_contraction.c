/* Gradient rules of MatMul and Gemm (passes/autodiff/grad_contraction.c) against central
 * differences, in f32: the GEMM kernels have no f64 form (AD_F32 says why its tolerance holds). */
#include "autodiff_test.h"

static void check_matmul(const char *a, const char *b, const char *y) {
  char text[512];
  snprintf(text, sizeof text,
           "dlir 1\ngraph \"g\" {\n  input %%a: f32%s\n  input %%b: f32%s\n"
           "  %%y: f32%s = MatMul(%%a, %%b)\n  output %%y\n}\n",
           a, b, y);
  ad_check_gradients(text, &AD_F32);
}

static void test_matmul(void **state) {
  (void)state;
  check_matmul("[3,4]", "[4,2]", "[3,2]");
  check_matmul("[2,3,4]", "[4,2]", "[2,3,2]");   /* b broadcast over the batch */
  check_matmul("[1,3,4]", "[2,4,2]", "[2,3,2]"); /* a broadcast over the batch */
  check_matmul("[4]", "[2,4,3]", "[2,3]");       /* a row vector */
  check_matmul("[2,3,4]", "[4]", "[2,3]");       /* b a column vector */
  check_matmul("[4]", "[4]", "[]");              /* a dot product */
}

static void check_gemm(int trans_a, int trans_b, const char *c_type) {
  char text[768], c_input[64] = "", c_arg[8] = "";
  if (c_type) {
    snprintf(c_input, sizeof c_input, "  input %%c: f32%s\n", c_type);
    snprintf(c_arg, sizeof c_arg, ", %%c");
  }
  snprintf(text, sizeof text,
           "dlir 1\ngraph \"g\" {\n  input %%a: f32%s\n  input %%b: f32%s\n%s"
           "  %%y: f32[3,2] = Gemm(%%a, %%b%s) {alpha: float = 0.5, beta: float = 2, "
           "transA: int = %d, transB: int = %d}\n  output %%y\n}\n",
           trans_a ? "[4,3]" : "[3,4]", trans_b ? "[2,4]" : "[4,2]", c_input, c_arg, trans_a,
           trans_b);
  ad_check_gradients(text, &AD_F32);
}

static void test_gemm(void **state) {
  (void)state;
  for (int trans_a = 0; trans_a < 2; trans_a++)
    for (int trans_b = 0; trans_b < 2; trans_b++)
      check_gemm(trans_a, trans_b, "[2]");
  check_gemm(0, 0, "[3,2]");
  check_gemm(1, 0, "[1,2]");
  check_gemm(0, 1, NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_matmul), cmocka_unit_test(test_gemm)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
