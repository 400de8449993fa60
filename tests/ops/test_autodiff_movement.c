/* Gradient rules of the ops that move elements (passes/autodiff/grad_movement.c) against
 * central differences in f64: views, Transpose, Concat, Split, Slice, Pad, Expand, Gather. */
#include "autodiff_test.h"

static void test_views(void **state) {
  (void)state;
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3,2]\n"
                     "  const %shape: i64[2] = [3, 4]\n  const %axes: i64[1] = [1]\n"
                     "  %r: f64[3,4] = Reshape(%x, %shape)\n"
                     "  %u: f64[3,1,4] = Unsqueeze(%r, %axes)\n"
                     "  %s: f64[3,4] = Squeeze(%u, %axes)\n"
                     "  %t: f64[4,3] = Transpose(%s) {perm: ints = [1, 0]}\n"
                     "  %y: f64[4,3] = Mul(%t, %t)\n  output %y\n}\n",
                     &AD_F64);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3,2]\n"
                     "  %f: f64[2,6] = Flatten(%x) {axis: int = 1}\n"
                     "  %y: f64[2,6] = Mul(%f, %f)\n  output %y\n}\n",
                     &AD_F64);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3,2]\n"
                     "  %t: f64[2,2,3] = Transpose(%x) {perm: ints = [0, 2, 1]}\n"
                     "  %y: f64[3,2,2] = Transpose(%t)\n  output %y\n}\n",
                     &AD_F64);
}

static void test_concat_split(void **state) {
  (void)state;
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %a: f64[2,1]\n  input %b: f64[2,3]\n"
                     "  %y: f64[2,4] = Concat(%a, %b) {axis: int = -1}\n  output %y\n}\n",
                     &AD_F64);
  /* Only two of the three parts reach the loss: the third gets zeros in the Concat. */
  ad_check_gradients(
      "dlir 1\ngraph \"g\" {\n  input %x: f64[5,2]\n  const %sizes: i64[3] = [1, 3, 1]\n"
      "  %p: f64[1,2], %q: f64[3,2], %r: f64[1,2] = Split(%x, %sizes) {axis: int = 0, num_outputs: "
      "int = 3}\n"
      "  %y: f64[1,2] = Mul(%p, %r)\n  output %y\n}\n",
      &AD_F64);
}

static void test_slice_pad_expand(void **state) {
  (void)state;
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[4,5]\n"
                     "  const %starts: i64[2] = [1, -4]\n  const %ends: i64[2] = [3, 4]\n"
                     "  const %axes: i64[2] = [0, 1]\n"
                     "  %y: f64[2,3] = Slice(%x, %starts, %ends, %axes)\n  output %y\n}\n",
                     &AD_F64);
  /* steps 2 and -1 (reversed), then -2 from the end */
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[5,4]\n"
                     "  const %starts: i64[2] = [0, 3]\n  const %ends: i64[2] = [5, -9]\n"
                     "  const %axes: i64[2] = [0, 1]\n  const %steps: i64[2] = [2, -1]\n"
                     "  %y: f64[3,4] = Slice(%x, %starts, %ends, %axes, %steps)\n  output %y\n}\n",
                     &AD_F64);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[7]\n"
                     "  const %starts: i64[1] = [-1]\n  const %ends: i64[1] = [1]\n"
                     "  const %steps: i64[1] = [-2]\n  const %axes: i64[1] = [0]\n"
                     "  %y: f64[3] = Slice(%x, %starts, %ends, %axes, %steps)\n  output %y\n}\n",
                     &AD_F64);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3]\n"
                     "  const %pads: i64[4] = [1, 0, 0, 2]\n  const %fill: f64[] = [0.5]\n"
                     "  %y: f64[3,5] = Pad(%x, %pads, %fill)\n  output %y\n}\n",
                     &AD_F64);
  ad_check_gradients(
      "dlir 1\ngraph \"g\" {\n  input %x: f64[3,1]\n  const %shape: i64[3] = [2, 3, 4]\n"
      "  %y: f64[2,3,4] = Expand(%x, %shape)\n  output %y\n}\n",
      &AD_F64);
}

/* f32: the scatter-add is a MatMul with a one-hot matrix, and MatMul has no f64 kernel. */
static void test_gather(void **state) {
  (void)state;
  /* Repeated and negative indices: their gradients add up. */
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %table: f32[5,3]\n"
                     "  const %ids: i64[2,2] = [4, 0, -1, 2]\n"
                     "  %y: f32[2,2,3] = Gather(%table, %ids)\n  output %y\n}\n",
                     &AD_F32);
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f32[2,4,3]\n"
                     "  const %ids: i64[3] = [1, 1, 3]\n"
                     "  %y: f32[2,3,3] = Gather(%x, %ids) {axis: int = 1}\n  output %y\n}\n",
                     &AD_F32);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_views), cmocka_unit_test(test_concat_split),
      cmocka_unit_test(test_slice_pad_expand), cmocka_unit_test(test_gather)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
