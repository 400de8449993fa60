/* The memory plan (ir/memory_plan.h): in-place reuse where it is safe and nowhere else,
 * workspaces beside the live buffers, the verifier's refusals, and random elementwise graphs
 * checked against a brute force. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir/infer.h"
#include "ir/memory_plan.h"

static ir_value *add_node(ir_graph *graph, ir_op op, ir_value **inputs, int count) {
  ir_node *node = ir_graph_add_node(graph, NULL, op, NULL, inputs, count, NULL, 1);
  assert_non_null(node);
  assert_int_equal(ir_infer_node(graph, node, NULL), 0);
  return node->outputs[0];
}

static ir_value *input(ir_graph *graph, const char *name, int64_t rows, int64_t columns) {
  int64_t dims[2] = {rows, columns};
  return ir_graph_add_input(graph, name, ir_type_make(IR_DTYPE_F32, 2, dims));
}

/* x -> Exp -> a -> Neg -> b; Add(a, b) -> c; Add(c, row) -> d (row broadcast over rows). */
static void test_in_place_only_where_safe(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("in_place");
  ir_value *x = input(graph, "x", 4, 64), *row_in = input(graph, "row_in", 1, 64);
  ir_value *a = add_node(graph, IR_OP_EXP, &x, 1);
  ir_value *b = add_node(graph, IR_OP_NEG, &a, 1);
  ir_value *c = add_node(graph, IR_OP_ADD, (ir_value *[]){a, b}, 2);
  ir_value *row = add_node(graph, IR_OP_RELU, &row_in, 1);
  ir_value *d = add_node(graph, IR_OP_ADD, (ir_value *[]){row, c}, 2);
  assert_int_equal(ir_graph_add_output(graph, d), 0);
  ir_memory_plan plan;
  assert_int_equal(ir_memory_plan_build(graph, NULL, &plan, NULL), 0);
  assert_int_equal(ir_memory_plan_verify(graph, &plan, NULL), 0);
  assert_int_not_equal(plan.offsets[a->id], plan.offsets[x->id]); /* a graph input */
  assert_int_not_equal(plan.offsets[b->id], plan.offsets[a->id]); /* a is read later */
  assert_int_equal(plan.in_place_of[c->id], a->id);               /* first input that dies */
  assert_int_equal(plan.offsets[c->id], plan.offsets[a->id]);
  assert_int_equal(plan.in_place_of[d->id], c->id); /* c at d's dims; row is broadcast */
  assert_int_equal(plan.in_place_count, 2);
  const char *why = NULL;
  assert_false(ir_node_may_write_in_place(d->producer, row, d, &why));
  assert_non_null(strstr(why, "broadcast"));
  assert_false(ir_node_may_write_in_place(a->producer, x, a, &why));
  assert_non_null(strstr(why, "graph input"));
  /* The live bytes count an in-place pair once: x, a and row_in at node 0; a, b and row_in
   * at nodes 1 and 2 (c in place of a). */
  assert_int_equal(plan.live_lower_bound, 2 * 1024 + 256);
  ir_memory_plan_deinit(&plan);
  ir_graph_destroy(graph);
}

static void test_workspaces_and_verifier(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("workspace");
  ir_value *x = input(graph, "x", 1, 64);
  ir_value *a = add_node(graph, IR_OP_EXP, &x, 1);
  ir_value *b = add_node(graph, IR_OP_SIGMOID, &a, 1);
  assert_int_equal(ir_graph_add_output(graph, b), 0);
  ir_memory_plan plan;
  assert_int_equal(ir_memory_plan_build(graph, NULL, &plan, NULL), 0);
  int64_t workspace[2] = {0, 1000};
  assert_int_equal(ir_memory_plan_add_workspaces(&plan, workspace, NULL), 0);
  assert_int_equal(ir_memory_plan_verify(graph, &plan, NULL), 0);
  /* At node 1, a and b share bytes (in place) beside the workspace; x died at node 0. The
   * workspace goes where it fits beside the buffers placed before it. */
  assert_int_equal(plan.live_lower_bound, 256 + 1024);
  assert_true(plan.arena_bytes >= plan.live_lower_bound);
  assert_true(plan.workspace_offsets[1] >= plan.offsets[b->id] + 256 ||
              plan.workspace_offsets[1] + 1024 <= plan.offsets[b->id]);
  /* Moving the workspace over b is refused, naming both. */
  plan.workspace_offsets[1] = plan.offsets[b->id];
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_memory_plan_verify(graph, &plan, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "the workspace of node"));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "share bytes"));
  dl_diag_deinit(&diag);
  /* An offset off the alignment, or past the arena, is refused. */
  plan.workspace_offsets[1] = 0;
  plan.offsets[a->id] = plan.offsets[b->id] = 128;
  dl_diag_init(&diag);
  assert_int_equal(ir_memory_plan_verify(graph, &plan, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "not a multiple of 256"));
  dl_diag_deinit(&diag);
  plan.offsets[a->id] = plan.offsets[b->id] = (int64_t)plan.arena_bytes;
  dl_diag_init(&diag);
  assert_int_equal(ir_memory_plan_verify(graph, &plan, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "ends beyond the arena"));
  dl_diag_deinit(&diag);
  ir_memory_plan_deinit(&plan);
  ir_graph_destroy(graph);
}

/* The recorded plan reads back as built, and a graph with no static sizes is an error. */
static void test_record_and_read_back(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("record");
  ir_value *x = input(graph, "x", 2, 64);
  ir_value *a = add_node(graph, IR_OP_EXP, &x, 1);
  ir_value *b = add_node(graph, IR_OP_TANH, &a, 1);
  assert_int_equal(ir_graph_add_output(graph, b), 0);
  assert_false(ir_graph_has_memory_plan(graph));
  ir_memory_plan built, read;
  assert_int_equal(ir_memory_plan_build(graph, NULL, &built, NULL), 0);
  ir_memory_plan_record(&built, graph);
  assert_true(ir_graph_has_memory_plan(graph));
  assert_true(b->has_arena_offset);
  assert_int_equal(ir_memory_plan_from_graph(graph, &read, NULL), 0);
  for (int i = 0; i < graph->num_values; i++)
    assert_int_equal(read.offsets[i], built.offsets[i]);
  assert_int_equal(read.in_place_count, built.in_place_count);
  assert_int_equal(read.live_lower_bound, built.live_lower_bound);
  ir_memory_plan_deinit(&built);
  ir_memory_plan_deinit(&read);
  ir_graph_destroy(graph);
}

static unsigned next_random(unsigned *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return *seed >> 16;
}

/* Random graphs of Add/Neg nodes over few sizes (so in-place reuse happens often): the
 * verifier accepts every plan, and a brute force finds no two tensors live at one step sharing
 * bytes other than an in-place pair at its node. */
static void test_random_graphs_with_reuse(void **state) {
  (void)state;
  enum { NODES = 80, VALUES = NODES + 2 };
  unsigned seed = 777;
  int total_in_place = 0;
  for (int round = 0; round < 20; round++) {
    ir_graph *graph = ir_graph_create("random");
    ir_value *values[VALUES];
    int count = 0;
    values[count++] = input(graph, "x0", 1, 64);
    values[count++] = input(graph, "x1", 2, 64);
    for (int step = 0; step < NODES; step++) {
      int reach = count < 4 ? count : 4;
      ir_value *first = values[count - 1 - (int)(next_random(&seed) % (unsigned)reach)];
      ir_value *second = values[count - 1 - (int)(next_random(&seed) % (unsigned)reach)];
      bool binary = next_random(&seed) % 2;
      values[count++] = binary ? add_node(graph, IR_OP_ADD, (ir_value *[]){first, second}, 2)
                               : add_node(graph, IR_OP_NEG, &first, 1);
    }
    assert_int_equal(ir_graph_add_output(graph, values[count - 1]), 0);
    ir_memory_plan plan;
    assert_int_equal(ir_memory_plan_build(graph, NULL, &plan, NULL), 0);
    assert_int_equal(ir_memory_plan_verify(graph, &plan, NULL), 0);
    total_in_place += plan.in_place_count;
    for (int i = 0; i < count; i++)
      for (int j = 0; j < i; j++) {
        int p = values[i]->id, q = values[j]->id;
        bool live_together = plan.first[p] <= plan.last[q] && plan.first[q] <= plan.last[p];
        uint64_t at = (uint64_t)plan.offsets[p], other = (uint64_t)plan.offsets[q];
        bool disjoint = at + plan.bytes[p] <= other || other + plan.bytes[q] <= at;
        if (live_together && !disjoint) {
          assert_int_equal(plan.in_place_of[p], q);
          assert_int_equal(at, other);
          assert_int_equal(plan.first[p], plan.last[q]);
        }
      }
    ir_memory_plan_deinit(&plan);
    ir_graph_destroy(graph);
  }
  assert_true(total_in_place > 100);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_in_place_only_where_safe),
      cmocka_unit_test(test_workspaces_and_verifier),
      cmocka_unit_test(test_record_and_read_back),
      cmocka_unit_test(test_random_graphs_with_reuse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
