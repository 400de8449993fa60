/* dl_autodiff itself (passes/autodiff/autodiff.c): refusals that name the node, contributions
 * from several consumers summed, zeros for a value the loss does not depend on, and no
 * gradient through random draws or masks (training-mode Dropout's import). */
#include "autodiff_test.h"

static void test_refuses_op_without_rule(void **state) {
  (void)state;
  ad_check_refused("dlir 1\ngraph \"g\" {\n  input %x: f32[2,3]\n"
                   "  %s: f32[2,3] = Sin(%x) name \"wave\"\n"
                   "  %y: f32[2,3] = Mul(%s, %x)\n  output %y\n}\n",
                   "node 'wave' (Sin)", "no gradient rule");
  /* A rule that covers only some forms of its op names the node too. */
  ad_check_refused("dlir 1\ngraph \"g\" {\n  input %x: f32[2,3]\n"
                   "  const %pads: i64[4] = [0, 1, 0, 1]\n"
                   "  %y: f32[2,5] = Pad(%x, %pads) {mode: string = \"reflect\"} name \"mirror\"\n"
                   "  output %y\n}\n",
                   "node 'mirror' (Pad)", "mode 'reflect'");
}

static void test_op_without_rule_off_the_path(void **state) {
  (void)state;
  /* Sin reads only a constant, and the comparison only feeds Where's condition. */
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3]\n"
                     "  const %c: f64[3] = [0.5, 1, 2]\n  %s: f64[3] = Sin(%c)\n"
                     "  %big: bool[2,3] = Greater(%x, %s)\n"
                     "  %m: f64[2,3] = Mul(%x, %s)\n"
                     "  %y: f64[2,3] = Where(%big, %m, %x)\n  output %y\n}\n",
                     &AD_F64);
}

static void test_shared_weight_sums(void **state) {
  (void)state;
  /* w feeds two MatMuls and an Add: three contributions summed. */
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f32[2,3]\n  input %w: f32[3,3]\n"
                     "  %h: f32[2,3] = MatMul(%x, %w)\n  %k: f32[2,3] = MatMul(%h, %w)\n"
                     "  %y: f32[3,3] = Add(%w, %w)\n  %z: f32[2,3] = Tanh(%k)\n"
                     "  %o: f32[2,3] = Mul(%z, %x)\n  output %o\n  output %y\n}\n",
                     &AD_F32);
}

static void test_unreachable_gets_zeros(void **state) {
  (void)state;
  ir_graph *graph = ad_parse("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3]\n"
                             "  input %unused: f64[4]\n  %y: f64[2,3] = Exp(%x)\n"
                             "  %other: f64[4] = Neg(%unused)\n  output %y\n  output %other\n}\n");
  ir_value *wrt[2] = {graph->body.params[0], graph->body.params[1]}, *grads[2];
  ir_value *loss = ad_append_loss(graph, NULL);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_autodiff(graph, loss, wrt, 2, grads, &diag), 0);
  assert_true(ir_type_equal(&grads[1]->type, &wrt[1]->type));
  /* zeros: an Expand of a zero scalar constant */
  const ir_node *expand = grads[1]->producer;
  assert_non_null(expand);
  assert_int_equal(expand->op, IR_OP_EXPAND);
  assert_int_equal(expand->inputs[0]->kind, IR_VALUE_CONSTANT);
  assert_true(ir_element_get_float(IR_DTYPE_F64, expand->inputs[0]->data, 0) == 0.0);
  assert_int_equal(ir_verify_graph(graph, &diag), 0);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
  /* and through the whole check (the central difference is 0 too) */
  ad_check_gradients("dlir 1\ngraph \"g\" {\n  input %x: f64[2,3]\n  input %unused: f64[4]\n"
                     "  %y: f64[2,3] = Exp(%x)\n  output %y\n}\n",
                     &AD_F64);
}

static void test_dropout_training_form(void **state) {
  (void)state;
  /* What the importer makes of a training-mode Dropout: the gradient flows through Where and
   * Mul, never into the draw (which has no rule) or the mask. */
  ir_graph *graph =
      ad_parse("dlir 1\ngraph \"g\" {\n  input %x: f32[4,4]\n  const %ratio: f32[] = [0.5]\n"
               "  const %scale: f32[] = [2]\n  const %zero: f32[] = [0]\n"
               "  %r: f32[4,4] = RandomUniformLike(%x) {seed: float = 3}\n"
               "  %keep: bool[4,4] = GreaterOrEqual(%r, %ratio)\n"
               "  %s: f32[4,4] = Mul(%x, %scale)\n"
               "  %y: f32[4,4] = Where(%keep, %s, %zero)\n  output %y\n}\n");
  ir_value *wrt[1] = {graph->body.params[0]}, *grads[1];
  ir_value *loss = ad_append_loss(graph, NULL);
  dl_diag diag;
  dl_diag_init(&diag);
  int status = dl_autodiff(graph, loss, wrt, 1, grads, &diag);
  if (status != 0)
    ad_print_diag(&diag);
  assert_int_equal(status, 0);
  assert_int_equal(ir_verify_graph(graph, &diag), 0);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* A small classifier end to end, compiled at -O2 so that the gradient graph goes through the
 * pattern passes and fuse like a forward graph: Conv, Relu, MaxPool, Flatten, Gemm,
 * LogSoftmax and NegativeLogLikelihoodLoss, differentiated by the input and every weight. */
static void test_classifier_at_o2(void **state) {
  (void)state;
  grad_check check = AD_F32;
  check.step = 1e-3; /* no Relu or MaxPool kink within h of these inputs (checked: it passes) */
  check.opt_level = 2;
  ad_check_gradients(
      "dlir 1\ngraph \"g\" {\n  input %x: f32[2,1,6,6]\n  input %w1: f32[3,1,3,3]\n"
      "  input %b1: f32[3]\n  input %w2: f32[12,4]\n  input %b2: f32[4]\n"
      "  const %target: i64[2] = [1, 3]\n"
      "  %c: f32[2,3,4,4] = Conv(%x, %w1, %b1)\n  %r: f32[2,3,4,4] = Relu(%c)\n"
      "  %p: f32[2,3,2,2] = MaxPool(%r) {kernel_shape: ints = [2, 2], strides: ints = [2, 2]}\n"
      "  %f: f32[2,12] = Flatten(%p)\n  %h: f32[2,4] = Gemm(%f, %w2, %b2)\n"
      "  %l: f32[2,4] = LogSoftmax(%h)\n"
      "  %y: f32[] = NegativeLogLikelihoodLoss(%l, %target)\n  output %y\n}\n",
      &check);
}

static void test_bad_arguments(void **state) {
  (void)state;
  ir_graph *graph = ad_parse("dlir 1\ngraph \"g\" {\n  input %x: f32[2,3]\n"
                             "  %y: f32[2,3] = Exp(%x)\n  output %y\n}\n");
  ir_value *x = graph->body.params[0], *y = graph->body.results[0], *grads[1];
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_autodiff(graph, y, &x, 1, grads, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "must be a float scalar"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refuses_op_without_rule),
      cmocka_unit_test(test_op_without_rule_off_the_path),
      cmocka_unit_test(test_shared_weight_sums),
      cmocka_unit_test(test_unreachable_gets_zeros),
      cmocka_unit_test(test_dropout_training_form),
      cmocka_unit_test(test_classifier_at_o2),
      cmocka_unit_test(test_bad_arguments),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
