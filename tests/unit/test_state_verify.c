/* The verifier's rules for states and their updates, on graphs the builders' checks would
 * not let through (tables edited directly, as a buggy pass might), and the text form's
 * round trip of a graph built in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_infer_support.h"

#include "frontend/text/text_parse.h"
#include "ir/print.h"
#include "ir/state.h"
#include "ir/verify.h"

/* Verifies `g` and checks that it fails with a message containing `expected`. */
static void fails_with(ir_graph *g, const char *expected) {
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_verify_graph(g, &diag), -1);
  bool found = false;
  for (int i = 0; i < diag.count; i++)
    found |= strstr(dl_diag_message(&diag, i), expected) != NULL;
  if (!found)
    fail_msg("no message contains '%s' (first: '%s')", expected,
             diag.count ? dl_diag_message(&diag, 0) : "");
  dl_diag_deinit(&diag);
}

static void verifies(ir_graph *g) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_verify_graph(g, &diag);
  if (status != 0)
    dl_diag_print(&diag, stderr);
  assert_int_equal(status, 0);
  dl_diag_deinit(&diag);
}

/* w: f32[2] state, x: input, next = Add(w, x), output next, update w = next. */
static ir_value *counter(ir_graph *g, ir_value **out_next) {
  static const float initial[2] = {1, 2};
  ir_value *w = ir_graph_add_state(g, "w", type_of(g, "f32[2]"), initial);
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *add = node_of(g, IR_OP_ADD, 1, 2, w, x);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_node(g, add, &diag), 0);
  dl_diag_deinit(&diag);
  assert_int_equal(ir_graph_add_output(g, add->outputs[0]), 0);
  assert_int_equal(ir_graph_set_state_update(g, w, add->outputs[0]), 0);
  *out_next = add->outputs[0];
  return w;
}

static void test_valid_graph_verifies(void **state) {
  ir_graph *g = *state;
  ir_value *next;
  counter(g, &next);
  verifies(g);
}

static void test_update_of_a_non_state(void **state) {
  ir_graph *g = *state;
  ir_value *next;
  counter(g, &next);
  g->state_updates[0].state = g->body.params[0]; /* the input x */
  fails_with(g, "update of 'x', which is not a state of the graph");
}

static void test_update_twice(void **state) {
  ir_graph *g = *state;
  ir_value *next;
  ir_value *w = counter(g, &next);
  ir_value *x = g->body.params[0];
  assert_int_equal(ir_graph_set_state_update(g, w, x), 0); /* replaces, so forge a second */
  ir_state_update twice = {.state = w, .value = next};
  g->state_updates[0].value = next;
  ir_value *other = ir_graph_add_state(g, "v", w->type, w->data);
  assert_int_equal(ir_graph_set_state_update(g, other, x), 0);
  g->state_updates[1] = twice;
  fails_with(g, "state 'w' is updated twice");
}

static void test_update_of_another_type(void **state) {
  ir_graph *g = *state;
  ir_value *next;
  counter(g, &next);
  ir_value *wide = input_of(g, "wide", "f32[3]");
  g->state_updates[0].value = wide;
  fails_with(g, "state 'w' has type f32[2] but its update 'wide' has f32[3]");
}

static void test_state_with_a_producer(void **state) {
  ir_graph *g = *state;
  ir_value *next;
  ir_value *w = counter(g, &next);
  w->producer = next->producer;
  fails_with(g, "state 'w' has a producer node");
  w->producer = NULL;
}

static void test_text_round_trip(void **state) {
  ir_graph *g = *state;
  ir_value *next;
  counter(g, &next);
  dl_diag diag;
  dl_diag_init(&diag);
  char *first = ir_print_to_string(g, NULL, &diag);
  assert_non_null(first);
  assert_non_null(strstr(first, "  state %w: f32[2] = [1, 2]\n"));
  char expected_end[128];
  snprintf(expected_end, sizeof expected_end, "  output %%%s\n  update %%w = %%%s\n}\n",
           next->name, next->name);
  assert_string_equal(first + strlen(first) - strlen(expected_end), expected_end);
  ir_graph *parsed = dl_text_parse_string(first, strlen(first), "first", NULL, &diag);
  if (!parsed)
    dl_diag_print(&diag, stderr);
  assert_non_null(parsed);
  assert_int_equal(parsed->num_states, 1);
  assert_int_equal(parsed->num_state_updates, 1);
  char *second = ir_print_to_string(parsed, NULL, &diag);
  assert_string_equal(first, second);
  free(first);
  free(second);
  ir_graph_destroy(parsed);
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_valid_graph_verifies), GRAPH_TEST(test_update_of_a_non_state),
      GRAPH_TEST(test_update_twice),         GRAPH_TEST(test_update_of_another_type),
      GRAPH_TEST(test_state_with_a_producer), GRAPH_TEST(test_text_round_trip)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
