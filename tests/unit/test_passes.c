/* Tests of each pass on graphs built in C: eliminate-identity, dce and fold-constants, with
 * the verifier run on every result. */
#include "test_infer_support.h"

#include "ir/verify.h"
#include "passes/pass.h"

static void infer_all(ir_graph *graph) {
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(graph, &diag), 0);
  dl_diag_deinit(&diag);
}

/* Runs the pass named `name`, then the verifier; both must succeed. */
static void run_pass(ir_graph *graph, const char *name) {
  const dl_pass *pass = dl_pass_find(name);
  assert_non_null(pass);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(pass->run(graph, &diag), 0);
  int verified = ir_verify_graph(graph, &diag);
  if (verified != 0)
    dl_diag_print(&diag, stderr);
  assert_int_equal(verified, 0);
  dl_diag_deinit(&diag);
}

static int count_op(const ir_graph *graph, ir_op op) {
  int count = 0;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    count += node->op == op;
  return count;
}

static bool has_constant(const ir_graph *graph, const ir_value *value) {
  for (int i = 0; i < graph->num_constants; i++)
    if (graph->constants[i] == value)
      return true;
  return false;
}

static ir_value *bool_constant(ir_graph *graph, const char *name, bool value) {
  uint8_t byte = value;
  ir_value *constant =
      ir_graph_add_constant_copy(graph, name, ir_type_scalar(IR_DTYPE_BOOL), &byte);
  assert_non_null(constant);
  return constant;
}

static void identity_uses_are_rewired(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[2,3]");
  ir_node *identity = node_of(graph, IR_OP_IDENTITY, 1, 1, x);
  ir_node *relu = node_of(graph, IR_OP_RELU, 1, 1, identity->outputs[0]);
  ir_graph_add_output(graph, relu->outputs[0]);
  infer_all(graph);
  run_pass(graph, "eliminate-identity");
  assert_int_equal(count_op(graph, IR_OP_IDENTITY), 0);
  assert_ptr_equal(relu->inputs[0], x);
  assert_ptr_equal(graph->body.results[0], relu->outputs[0]);
}

/* y = Identity(Relu(x)) with y a graph output: the output keeps its name "y". */
static void identity_output_keeps_its_name(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[4]");
  const char *relu_name[] = {"r"}, *identity_name[] = {"y"};
  ir_node *relu = ir_graph_add_node(graph, NULL, IR_OP_RELU, "relu", &x, 1, relu_name, 1);
  ir_value *r = relu->outputs[0];
  ir_node *identity = ir_graph_add_node(graph, NULL, IR_OP_IDENTITY, "id", &r, 1, identity_name, 1);
  ir_node *exp = node_of(graph, IR_OP_EXP, 1, 1, r); /* another use of r */
  ir_graph_add_output(graph, identity->outputs[0]);
  ir_graph_add_output(graph, exp->outputs[0]);
  infer_all(graph);
  run_pass(graph, "eliminate-identity");
  assert_int_equal(count_op(graph, IR_OP_IDENTITY), 0);
  assert_string_equal(graph->body.results[0]->name, "y");
  assert_ptr_equal(graph->body.results[0]->producer, relu);
  assert_ptr_equal(relu->outputs[0], graph->body.results[0]);
  assert_ptr_equal(exp->inputs[0], graph->body.results[0]);
}

/* y = Identity(x) with x a graph input: removing it would rename the output, so it stays. */
static void identity_of_an_input_stays_when_yielded(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[4]");
  ir_node *identity = node_of(graph, IR_OP_IDENTITY, 1, 1, x);
  ir_graph_add_output(graph, identity->outputs[0]);
  infer_all(graph);
  run_pass(graph, "eliminate-identity");
  assert_int_equal(count_op(graph, IR_OP_IDENTITY), 1);
  assert_ptr_equal(graph->body.results[0], identity->outputs[0]);
}

static void dropout_in_inference_mode_goes(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[2,2]");
  ir_value *no = bool_constant(graph, "no", false), *yes = bool_constant(graph, "yes", true);
  ir_node *plain = node_of(graph, IR_OP_DROPOUT, 1, 1, x);
  ir_node *explicit_false = node_of(graph, IR_OP_DROPOUT, 1, 3, plain->outputs[0], NULL, no);
  ir_node *training = node_of(graph, IR_OP_DROPOUT, 1, 3, explicit_false->outputs[0], NULL, yes);
  ir_node *with_mask = node_of(graph, IR_OP_DROPOUT, 2, 1, training->outputs[0]);
  ir_node *relu = node_of(graph, IR_OP_RELU, 1, 1, with_mask->outputs[0]);
  ir_graph_add_output(graph, relu->outputs[0]);
  ir_value *mask = with_mask->outputs[1];
  ir_graph_add_output(graph, mask); /* the mask is used: an Expand computes it */
  infer_all(graph);
  run_pass(graph, "eliminate-identity");
  assert_int_equal(count_op(graph, IR_OP_DROPOUT), 1); /* only the training one stays */
  assert_ptr_equal(training->inputs[0], x);
  assert_ptr_equal(relu->inputs[0], training->outputs[0]);
  assert_int_equal(count_op(graph, IR_OP_EXPAND), 1);
  assert_ptr_equal(graph->body.results[1], mask); /* same value, same name */
  assert_int_equal(mask->producer->op, IR_OP_EXPAND);
  const ir_value *fill = mask->producer->inputs[0];
  assert_int_equal(fill->type.dtype, IR_DTYPE_BOOL);
  assert_int_equal(*(const uint8_t *)fill->data, 1);
}

static ir_node *relu_group(ir_graph *graph, ir_value *input, bool with_identity) {
  ir_node *group = ir_graph_add_node(graph, NULL, IR_OP_GROUP, "group", &input, 1, NULL, 1);
  ir_region *body = ir_node_create_body(graph, group);
  assert_non_null(body);
  /* Fresh value names (NULL) so that a graph can hold several such groups. */
  ir_value *param = ir_region_add_param(graph, body, NULL, input->type);
  ir_node *relu = ir_graph_add_node(graph, body, IR_OP_RELU, NULL, &param, 1, NULL, 1);
  assert_non_null(relu);
  ir_value *result = relu->outputs[0];
  if (with_identity) {
    const char *identity_names[] = {"t"};
    result =
        ir_graph_add_node(graph, body, IR_OP_IDENTITY, "inner_id", &result, 1, identity_names, 1)
            ->outputs[0];
  }
  ir_region_add_result(graph, body, result);
  return group;
}

static void identity_inside_a_group_goes(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[8]");
  ir_node *group = relu_group(graph, x, true);
  ir_graph_add_output(graph, group->outputs[0]);
  infer_all(graph);
  run_pass(graph, "eliminate-identity");
  assert_int_equal(count_op(graph, IR_OP_IDENTITY), 0);
  assert_string_equal(group->body->results[0]->name, "t");
  assert_int_equal(group->body->results[0]->producer->op, IR_OP_RELU);
}

static void dce_removes_dead_chains_and_constants(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[3]");
  float data[3] = {1, 2, 3};
  ir_value *used = ir_graph_add_constant_copy(graph, "used", type_of(graph, "f32[3]"), data);
  ir_value *unused = ir_graph_add_constant_copy(graph, "unused", type_of(graph, "f32[3]"), data);
  ir_value *dead_only =
      ir_graph_add_constant_copy(graph, "dead_only", type_of(graph, "f32[3]"), data);
  ir_node *add = node_of(graph, IR_OP_ADD, 1, 2, x, used);
  ir_node *dead = node_of(graph, IR_OP_MUL, 1, 2, add->outputs[0], dead_only);
  ir_node *dead_tail = node_of(graph, IR_OP_EXP, 1, 1, dead->outputs[0]);
  ir_node *live = node_of(graph, IR_OP_RELU, 1, 1, add->outputs[0]);
  ir_graph_add_output(graph, live->outputs[0]);
  infer_all(graph);
  run_pass(graph, "dce");
  assert_int_equal(count_op(graph, IR_OP_MUL), 0);
  assert_int_equal(count_op(graph, IR_OP_EXP), 0);
  assert_int_equal(count_op(graph, IR_OP_ADD), 1);
  assert_int_equal(count_op(graph, IR_OP_RELU), 1);
  assert_true(has_constant(graph, used));
  assert_false(has_constant(graph, unused));
  assert_false(has_constant(graph, dead_only)); /* its only user died in the same run */
  assert_int_equal(graph->num_constants, 1);
  (void)dead_tail;
}

static void dce_keeps_a_node_with_one_used_output(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[2,2]");
  ir_node *dropout = node_of(graph, IR_OP_DROPOUT, 2, 1, x);
  ir_graph_add_output(graph, dropout->outputs[1]);
  infer_all(graph);
  run_pass(graph, "dce");
  assert_int_equal(count_op(graph, IR_OP_DROPOUT), 1);
}

static void dce_works_inside_and_on_groups(void **state) {
  ir_graph *graph = *state;
  ir_value *x = input_of(graph, "x", "f32[8]");
  ir_node *live_group = relu_group(graph, x, false);
  /* A dead node inside the live group's body. */
  ir_value *param = live_group->body->params[0];
  ir_graph_add_node(graph, live_group->body, IR_OP_NEG, "inner_dead", &param, 1, NULL, 1);
  ir_node *dead_group = relu_group(graph, x, false);
  ir_graph_add_output(graph, live_group->outputs[0]);
  infer_all(graph);
  run_pass(graph, "dce");
  assert_int_equal(count_op(graph, IR_OP_NEG), 0);
  assert_int_equal(count_op(graph, IR_OP_GROUP), 1);
  assert_ptr_equal(graph->body.first, live_group);
  assert_null(dead_group->parent);
  assert_int_equal(count_op(graph, IR_OP_RELU), 1);
}

static void fold_constants_turns_constant_arithmetic_into_constants(void **state) {
  ir_graph *graph = *state;
  ir_value *a = INTS(graph, "a", 2, 3);
  ir_value *b = INTS(graph, "b", 10, 20);
  ir_node *add = node_of(graph, IR_OP_ADD, 1, 2, a, b);
  ir_value *sum = add->outputs[0];
  ir_graph_add_output(graph, sum);
  infer_all(graph);
  run_pass(graph, "fold-constants");
  assert_int_equal(count_op(graph, IR_OP_ADD), 0);
  ir_value *output = graph->body.results[0];
  assert_int_equal(output->kind, IR_VALUE_CONSTANT);
  assert_non_null(output->data);
  assert_int_equal(ir_element_get_int(IR_DTYPE_I64, output->data, 0), 12);
  assert_int_equal(ir_element_get_int(IR_DTYPE_I64, output->data, 1), 23);
}

/* fuse: a chain of 130 elementwise nodes becomes groups of at most 64 nodes (one group of
 * the whole chain made its kernel, and the evaluator's recursion, grow with the chain). */
static void test_fuse_bounds_group_size(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("chain");
  int64_t dims[2] = {2, 3};
  ir_value *value = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 2, dims));
  for (int i = 0; i < 130; i++)
    value = ir_graph_add_node(graph, NULL, i % 2 ? IR_OP_NEG : IR_OP_RELU, NULL, &value, 1, NULL,
                              1)
                ->outputs[0];
  assert_int_equal(ir_graph_add_output(graph, value), 0);
  infer_all(graph);
  run_pass(graph, "fuse");
  int groups = 0, members = 0;
  for (ir_node *node = graph->body.first; node; node = node->next) {
    assert_int_equal(node->op, IR_OP_GROUP);
    int count = 0;
    for (ir_node *inner = node->body->first; inner; inner = inner->next)
      count++;
    assert_true(count <= 64);
    groups++;
    members += count;
  }
  assert_int_equal(groups, 3);
  assert_int_equal(members, 130);
  ir_graph_destroy(graph);
}

/* fuse: a chain of 70 Sums, each adding 8 inputs of its own, becomes groups whose kernels
 * read and write at most IR_GROUP_MAX_VALUES values (one group of 64 Sums read 513 and
 * failed to lower, where -O0 compiled). */
static void test_fuse_bounds_kernel_values(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("wide_chain");
  int64_t dims[1] = {4};
  ir_type type = ir_type_make(IR_DTYPE_F32, 1, dims);
  ir_value *value = ir_graph_add_input(graph, "x", type);
  for (int i = 0; i < 70; i++) {
    ir_value *operands[9] = {value};
    for (int k = 1; k < 9; k++) {
      char name[32];
      snprintf(name, sizeof name, "in%d_%d", i, k);
      operands[k] = ir_graph_add_input(graph, name, type);
    }
    value = ir_graph_add_node(graph, NULL, IR_OP_SUM, NULL, operands, 9, NULL, 1)->outputs[0];
  }
  assert_int_equal(ir_graph_add_output(graph, value), 0);
  infer_all(graph);
  run_pass(graph, "fuse");
  int groups = 0, members = 0;
  for (ir_node *node = graph->body.first; node; node = node->next) {
    assert_int_equal(node->op, IR_OP_GROUP);
    assert_true(node->num_inputs + node->num_outputs <= IR_GROUP_MAX_VALUES);
    for (ir_node *inner = node->body->first; inner; inner = inner->next)
      members++;
    groups++;
  }
  assert_int_equal(groups, 2);
  assert_int_equal(members, 70);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fuse_bounds_group_size),
      cmocka_unit_test(test_fuse_bounds_kernel_values),
      GRAPH_TEST(identity_uses_are_rewired),
      GRAPH_TEST(identity_output_keeps_its_name),
      GRAPH_TEST(identity_of_an_input_stays_when_yielded),
      GRAPH_TEST(dropout_in_inference_mode_goes),
      GRAPH_TEST(identity_inside_a_group_goes),
      GRAPH_TEST(dce_removes_dead_chains_and_constants),
      GRAPH_TEST(dce_keeps_a_node_with_one_used_output),
      GRAPH_TEST(dce_works_inside_and_on_groups),
      GRAPH_TEST(fold_constants_turns_constant_arithmetic_into_constants),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
