/* The verifier accepts well-formed graphs and names each broken invariant. */
#include "ir/verify.h"
#include "test_infer_support.h"

/* x → Relu → a → Exp → b (graph output). */
static ir_node *small_graph(ir_graph *g, ir_node **second) {
  ir_value *x = input_of(g, "x", "f32[2,3]");
  ir_node *relu =
      ir_graph_add_node(g, NULL, IR_OP_RELU, "relu", &x, 1, (const char *const[]){"a"}, 1);
  ir_node *exp = ir_graph_add_node(g, NULL, IR_OP_EXP, "exp", &relu->outputs[0], 1,
                                   (const char *const[]){"b"}, 1);
  ir_graph_add_output(g, exp->outputs[0]);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(g, &diag), 0);
  dl_diag_deinit(&diag);
  *second = exp;
  return relu;
}

/* Verifies and returns how many messages contain `fragment` (all messages: `count`). */
static int verify_count(ir_graph *g, const char *fragment, int *count) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_verify_graph(g, &diag);
  int matches = 0;
  for (int i = 0; i < diag.count; i++) {
    if (strstr(dl_diag_message(&diag, i), fragment))
      matches++;
    else
      fprintf(stderr, "  other message: %s\n", dl_diag_message(&diag, i));
  }
  *count = diag.count;
  assert_int_equal(status, diag.count ? -1 : 0);
  dl_diag_deinit(&diag);
  return matches;
}

static void expect_problem(ir_graph *g, const char *fragment) {
  int count;
  assert_true(verify_count(g, fragment, &count) >= 1);
}

static void test_valid_graph_passes(void **state) {
  ir_graph *g = *state;
  ir_node *exp;
  small_graph(g, &exp);
  int count;
  verify_count(g, "", &count);
  assert_int_equal(count, 0);
}

static void test_use_before_definition(void **state) {
  ir_graph *g = *state;
  ir_node *exp, *relu = small_graph(g, &exp);
  ir_region_remove(&g->body, relu);
  ir_region_insert_before(&g->body, NULL, relu); /* now after its user */
  expect_problem(g, "node 'exp' (Exp): input 0 'a' is used before it is defined");
}

static void test_recorded_type_mismatch_is_reported_and_kept(void **state) {
  ir_graph *g = *state;
  ir_node *exp;
  small_graph(g, &exp);
  exp->outputs[0]->type = type_of(g, "f32[3,2]");
  expect_problem(g, "output 0 'b' is recorded as f32[3,2] but inference gives f32[2,3]");
  char text[64];
  ir_format_type(g, &exp->outputs[0]->type, text, sizeof(text));
  assert_string_equal(text, "f32[3,2]"); /* the verifier changes nothing */
}

static void test_wrong_arity(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *add = ir_graph_add_node(g, NULL, IR_OP_ADD, "add", &x, 1, NULL, 1);
  add->outputs[0]->type = x->type;
  expect_problem(g, "node 'add' (Add): has 1 inputs; Add takes 2 to 2");
}

static void test_duplicate_names_and_bad_links(void **state) {
  ir_graph *g = *state;
  ir_node *exp, *relu = small_graph(g, &exp);
  relu->outputs[0]->name = "x";
  exp->outputs[0]->producer_index = 3;
  int count;
  assert_int_equal(verify_count(g, "value name 'x' is used twice", &count), 1);
  expect_problem(g, "output 0 'b' does not point back to this node");
  assert_true(count >= 2); /* every problem, not just the first */
}

static void test_undefined_graph_output_and_bad_type(void **state) {
  ir_graph *g = *state;
  ir_node *exp, *relu = small_graph(g, &exp);
  ir_region_remove(&g->body, exp);
  expect_problem(g, "graph output 0 'b' is not defined");
  relu->outputs[0]->type.dtype = IR_DTYPE_INVALID;
  expect_problem(g, "value 'a' has no valid element type");
}

static void test_group_body_consistency(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2,3]");
  ir_node *group = ir_graph_add_node(g, NULL, IR_OP_GROUP, "fused", &x, 1, NULL, 1);
  ir_region *body = ir_node_create_body(g, group);
  ir_value *param = ir_region_add_param(g, body, "p", x->type);
  ir_node *relu = ir_graph_add_node(g, body, IR_OP_RELU, "inner", &param, 1, NULL, 1);
  ir_region_add_result(g, body, relu->outputs[0]);
  ir_graph_add_output(g, group->outputs[0]);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(g, &diag), 0);
  int count;
  verify_count(g, "", &count);
  assert_int_equal(count, 0);
  param->type = type_of(g, "f32[6]");
  expect_problem(g, "node 'fused' (dl.group): body param 0 'p' has type f32[6] but input 0 "
                    "'x' has f32[2,3]");
  /* The body's values are not visible outside it. */
  param->type = x->type;
  ir_node *outside =
      ir_graph_add_node(g, NULL, IR_OP_EXP, "outside", &relu->outputs[0], 1, NULL, 1);
  outside->outputs[0]->type = x->type;
  expect_problem(g, "node 'outside' (Exp): input 0");
  dl_diag_deinit(&diag);
}

static void test_elided_constants(void **state) {
  ir_graph *g = *state;
  ir_graph_add_constant(g, "weights", type_of(g, "f32[4]"), NULL);
  int count;
  verify_count(g, "", &count);
  assert_int_equal(count, 0); /* elided data is fine for the structure... */
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_verify_constants_have_data(g, &diag), -1); /* ...but not to run */
  assert_non_null(strstr(dl_diag_message(&diag, 0), "constant 'weights' has no data"));
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_valid_graph_passes),
      GRAPH_TEST(test_use_before_definition),
      GRAPH_TEST(test_recorded_type_mismatch_is_reported_and_kept),
      GRAPH_TEST(test_wrong_arity),
      GRAPH_TEST(test_duplicate_names_and_bad_links),
      GRAPH_TEST(test_undefined_graph_output_and_bad_type),
      GRAPH_TEST(test_group_body_consistency),
      GRAPH_TEST(test_elided_constants),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
