/* Gradient rules of Conv, MaxPool and AveragePool (passes/autodiff/grad_conv.c, grad_pool.c)
 * against central differences, in f32: Conv and ConvTranspose, which the rules are made of,
 * have no f64 kernel (AD_F32 says why its tolerance holds). */
#include "autodiff_test.h"

static void check_conv(const char *x, const char *w, const char *y, const char *attributes,
                       bool bias) {
  char text[1024];
  snprintf(text, sizeof text,
           "dlir 1\ngraph \"g\" {\n  input %%x: f32%s\n  input %%w: f32%s\n%s"
           "  %%y: f32%s = Conv(%%x, %%w%s) {%s}\n  output %%y\n}\n",
           x, w, bias ? "  input %b: f32[4]\n" : "", y, bias ? ", %b" : "", attributes);
  ad_check_gradients(text, &AD_F32);
}

static void test_conv(void **state) {
  (void)state;
  check_conv("[2,3,5,5]", "[4,3,3,3]", "[2,4,3,3]", "group: int = 1", true);
  /* stride 2 leaves the last row and column out: output_padding brings them back */
  check_conv("[1,2,6,6]", "[4,2,3,3]", "[1,4,3,3]",
             "strides: ints = [2, 2], pads: ints = [1, 1, 0, 0]", true);
  check_conv("[1,4,5,5]", "[4,2,2,2]", "[1,4,5,3]",
             "group: int = 2, dilations: ints = [2, 2], pads: ints = [1, 0, 1, 0]", true);
  check_conv("[2,2,7]", "[4,1,3]", "[2,4,4]",
             "group: int = 2, strides: ints = [2], auto_pad: string = \"SAME_UPPER\"", false);
}

static void check_pool(const char *call, const char *y) {
  char text[512];
  snprintf(text, sizeof text,
           "dlir 1\ngraph \"g\" {\n  input %%x: f32[2,2,5,5]\n  %%y: f32%s = %s\n  output %%y\n}\n",
           y, call);
  ad_check_gradients(text, &AD_F32);
}

static void test_pools(void **state) {
  (void)state;
  check_pool("MaxPool(%x) {kernel_shape: ints = [2, 2]}", "[2,2,4,4]"); /* overlapping */
  check_pool("MaxPool(%x) {kernel_shape: ints = [3, 3], strides: ints = [2, 2], "
             "pads: ints = [1, 1, 1, 1]}",
             "[2,2,3,3]");
  check_pool("MaxPool(%x) {kernel_shape: ints = [2, 2], strides: ints = [2, 2], "
             "ceil_mode: int = 1}",
             "[2,2,3,3]");
  check_pool("AveragePool(%x) {kernel_shape: ints = [3, 3], strides: ints = [2, 2], "
             "pads: ints = [1, 1, 1, 1]}",
             "[2,2,3,3]");
  check_pool("AveragePool(%x) {kernel_shape: ints = [3, 3], strides: ints = [2, 2], "
             "pads: ints = [1, 1, 1, 1], count_include_pad: int = 1}",
             "[2,2,3,3]");
  check_pool("AveragePool(%x) {kernel_shape: ints = [2, 2], strides: ints = [2, 2], "
             "ceil_mode: int = 1}",
             "[2,2,3,3]");
}

/* Ties: on an input of equal values every tap of every window is a maximum; the first tap
 * takes each window's gradient (as the forward kernel's index does), so the input gradient
 * sums to the output gradient's sum instead of counting a window once per tied tap. Central
 * differences cannot see this: a tie is a kink. */
static void test_max_pool_ties(void **state) {
  (void)state;
  ir_graph *graph = ad_parse("dlir 1\ngraph \"g\" {\n  input %x: f32[1,1,4,4]\n"
                             "  %y: f32[1,1,3,3] = MaxPool(%x) {kernel_shape: ints = [2, 2]}\n"
                             "  output %y\n}\n");
  ir_value *x = graph->body.params[0], *grad;
  void *weights;
  ir_value *loss = ad_append_loss(graph, &weights);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_autodiff(graph, loss, &x, 1, &grad, &diag), 0);
  dl_diag_deinit(&diag);
  assert_int_equal(ir_graph_add_output(graph, grad), 0);
  dl_compiled *compiled = ad_compile(graph);
  ad_runner runner;
  ad_runner_init(&runner, compiled);
  float ones[16];
  for (int i = 0; i < 16; i++)
    ones[i] = 1.0f;
  void *inputs[2] = {ones, weights};
  ad_runner_run(&runner, inputs);
  const float *dx = runner.outputs[runner.program->output_count - 1];
  double want = 0.0, got = 0.0;
  for (int i = 0; i < 9; i++)
    want += ((const float *)weights)[i];
  for (int i = 0; i < 16; i++)
    got += dx[i];
  assert_true(fabs(got - want) < 1e-5);
  assert_true(dx[0] == ((const float *)weights)[0]); /* window (0, 0): its first tap */
  ad_runner_deinit(&runner);
  dl_compiled_destroy(compiled);
  free(weights);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_conv), cmocka_unit_test(test_pools),
                                     cmocka_unit_test(test_max_pool_ties)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
