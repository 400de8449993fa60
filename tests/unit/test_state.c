/* Mutable state values (ir/state.h): creation, updates, and the uses they count. */
#include "test_infer_support.h"

#include "ir/memory_plan.h"
#include "ir/state.h"
#include "passes/pass.h"

static void test_state_values(void **state) {
  ir_graph *g = *state;
  const float initial[2] = {1.0f, 2.0f};
  ir_value *w = ir_graph_add_state(g, "w", type_of(g, "f32[2]"), initial);
  assert_non_null(w);
  assert_int_equal(w->kind, IR_VALUE_STATE);
  assert_ptr_equal(w->data, initial);
  assert_int_equal(g->num_states, 1);
  assert_int_equal(g->num_constants, 0); /* a state is not a constant */
  assert_null(ir_graph_add_state(g, "w", w->type, NULL)); /* name taken */
  assert_ptr_equal(ir_graph_find_value(g, "w"), w);
}

static void test_state_updates(void **state) {
  ir_graph *g = *state;
  ir_value *w = ir_graph_add_state(g, "w", type_of(g, "f32[2]"), NULL);
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *add = node_of(g, IR_OP_ADD, 1, 2, w, x);
  ir_value *next = add->outputs[0];
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_node(g, add, &diag), 0);
  assert_null(ir_graph_state_update(g, w));
  assert_int_equal(ir_graph_set_state_update(g, x, next), -1); /* not a state */
  ir_value *wrong = input_of(g, "wrong", "f32[3]");
  assert_int_equal(ir_graph_set_state_update(g, w, wrong), -1); /* another type */
  assert_int_equal(ir_graph_set_state_update(g, w, next), 0);
  assert_ptr_equal(ir_graph_state_update(g, w), next);
  assert_true(ir_value_is_state_update(g, next));
  assert_false(ir_value_is_state_update(g, x));
  assert_int_equal(ir_value_use_count(g, next), 1);
  /* dce keeps the update's producer although no output reads it. */
  assert_int_equal(dl_pass_dce(g, &diag), 0);
  assert_ptr_equal(g->body.first, add);
  assert_int_equal(ir_graph_set_state_update(g, w, x), 0); /* replaced */
  assert_int_equal(g->num_state_updates, 1);
  assert_int_equal(dl_pass_dce(g, &diag), 0);
  assert_null(g->body.first);
  dl_diag_deinit(&diag);
}

/* An update may be written into its state's bytes when every read of the state comes first or
 * is the producer's own elementwise read, and the value is no graph output. */
static void test_state_update_in_place(void **state) {
  ir_graph *g = *state;
  dl_diag diag;
  dl_diag_init(&diag);
  ir_value *w = ir_graph_add_state(g, "w", type_of(g, "f32[2]"), NULL);
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *scale = node_of(g, IR_OP_MUL, 1, 2, w, x); /* reads w where it writes */
  assert_int_equal(ir_infer_node(g, scale, &diag), 0);
  assert_true(ir_state_update_in_place(g, w, scale->outputs[0]));
  ir_node *negate = node_of(g, IR_OP_NEG, 1, 1, x); /* does not read w at all */
  assert_int_equal(ir_infer_node(g, negate, &diag), 0);
  assert_true(ir_state_update_in_place(g, w, negate->outputs[0]));
  /* A later read of w: the update must wait for the end-of-run copy. */
  ir_node *later = node_of(g, IR_OP_ADD, 1, 2, w, x);
  assert_int_equal(ir_infer_node(g, later, &diag), 0);
  assert_false(ir_state_update_in_place(g, w, scale->outputs[0]));
  assert_false(ir_state_update_in_place(g, w, negate->outputs[0]));
  assert_true(ir_state_update_in_place(g, w, later->outputs[0]));
  /* A graph output keeps its own buffer. */
  assert_int_equal(ir_graph_add_output(g, later->outputs[0]), 0);
  assert_false(ir_state_update_in_place(g, w, later->outputs[0]));
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {GRAPH_TEST(test_state_values), GRAPH_TEST(test_state_updates),
                                     GRAPH_TEST(test_state_update_in_place)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
