/* Gradient rules of BatchNormalization, LayerNormalization and NegativeLogLikelihoodLoss
 * (passes/autodiff/grad_norm.c, grad_loss.c) against central differences: f64 where every op
 * of the forward and gradient graphs has an f64 kernel, f32 otherwise (said per case). */
#include "autodiff_test.h"

static void test_batch_normalization(void **state) {
  (void)state;
  /* Every input differentiated: x, scale, bias, mean and var (positive). */
  grad_check check = AD_F64;
  check.low = 0.25; /* var > 0 */
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3,2,2]\n  input %scale: f64[3]\n"
                     "  input %bias: f64[3]\n  input %mean: f64[3]\n  input %var: f64[3]\n"
                     "  %y: f64[2,3,2,2] = BatchNormalization(%x, %scale, %bias, %mean, %var) "
                     "{epsilon: float = 0.01}\n  output %y\n}\n",
                     &check);
  /* The training form as the ONNX importer writes it (frontend/onnx/onnx_batch_norm_training.c):
   * batch statistics from ReduceMean, Sub and Mul, then the inference op. */
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[4,3]\n  input %scale: f64[3]\n"
                     "  input %bias: f64[3]\n  const %axes: i64[1] = [0]\n"
                     "  const %channels: i64[1] = [3]\n"
                     "  %m: f64[1,3] = ReduceMean(%x, %axes)\n  %c: f64[4,3] = Sub(%x, %m)\n"
                     "  %s: f64[4,3] = Mul(%c, %c)\n  %v: f64[1,3] = ReduceMean(%s, %axes)\n"
                     "  %mean: f64[3] = Reshape(%m, %channels)\n"
                     "  %var: f64[3] = Reshape(%v, %channels)\n"
                     "  %y: f64[4,3] = BatchNormalization(%x, %scale, %bias, %mean, %var)\n"
                     "  output %y\n}\n",
                     &AD_F64);
}

/* f32: LayerNormalization has no f64 kernel. */
static void test_layer_normalization(void **state) {
  (void)state;
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f32[2,3,4]\n  input %scale: f32[4]\n"
                     "  input %bias: f32[4]\n"
                     "  %y: f32[2,3,4] = LayerNormalization(%x, %scale, %bias) "
                     "{epsilon: float = 0.01}\n  output %y\n}\n",
                     &AD_F32);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f32[2,3,4]\n  input %scale: f32[3,4]\n"
                     "  %y: f32[2,3,4] = LayerNormalization(%x, %scale) {axis: int = 1}\n"
                     "  output %y\n}\n",
                     &AD_F32);
}

static void check_loss(const char *reduction, const char *extra_attribute, bool weighted,
                       const char *loss_type) {
  char text[1024];
  snprintf(text, sizeof text,
           "dlir 1\ngraph \"g\" {\n  input %%logits: f32[3,4,2]\n"
           "  const %%target: i64[3,2] = [0, 3, 2, -100, 1, 1]\n"
           "  const %%weight: f32[4] = [0.5, 1, 2, 1.5]\n"
           "  %%p: f32[3,4,2] = LogSoftmax(%%logits) {axis: int = 1}\n"
           "  %%y: f32%s = NegativeLogLikelihoodLoss(%%p, %%target%s) "
           "{reduction: string = \"%s\"%s}\n  output %%y\n}\n",
           loss_type, weighted ? ", %weight" : "", reduction, extra_attribute);
  ad_check_gradients(text, &AD_F32);
}

/* f32: LogSoftmax has no f64 kernel. Target -100 is ignore_index where it is set (and an
 * in-range ignore_index, 1, in one case). */
static void test_negative_log_likelihood_loss(void **state) {
  (void)state;
  check_loss("mean", ", ignore_index: int = -100", false, "[]");
  check_loss("mean", ", ignore_index: int = -100", true, "[]");
  check_loss("sum", ", ignore_index: int = 1", true, "[]");
  check_loss("none", ", ignore_index: int = -100", true, "[3,2]");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_batch_normalization),
                                     cmocka_unit_test(test_layer_normalization),
                                     cmocka_unit_test(test_negative_log_likelihood_loss)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
