/* Buffer planning: views alias their input, lifetimes decide which buffers may share bytes,
 * constants read by kernels go to the weights blob. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/program/buffer_plan.h"
#include "ir/infer.h"

static ir_value *add_node(ir_graph *graph, ir_op op, ir_value **inputs, int count) {
  ir_node *node = ir_graph_add_node(graph, NULL, op, NULL, inputs, count, NULL, 1);
  assert_non_null(node);
  assert_int_equal(ir_infer_node(graph, node, NULL), 0);
  return node->outputs[0];
}

/* x -> Relu -> a -> Reshape (view) -> b -> Relu -> c (output), and a weight for Add. */
static void test_views_alias_and_lifetimes_share(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("plan");
  int64_t dims[1] = {1000};
  ir_value *x = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 1, dims));
  int64_t shape_data[2] = {10, 100};
  int64_t shape_dims[1] = {2};
  ir_value *shape =
      ir_graph_add_constant_copy(graph, "shape", ir_type_make(IR_DTYPE_I64, 1, shape_dims), shape_data);
  int64_t bias_dims[2] = {10, 100};
  static float bias_data[1000];
  ir_value *bias =
      ir_graph_add_constant(graph, "bias", ir_type_make(IR_DTYPE_F32, 2, bias_dims), bias_data);
  ir_value *a = add_node(graph, IR_OP_RELU, &x, 1);
  ir_value *b = add_node(graph, IR_OP_RESHAPE, (ir_value *[]){a, shape}, 2);
  ir_value *c = add_node(graph, IR_OP_RELU, &b, 1);
  ir_value *d = add_node(graph, IR_OP_ADD, (ir_value *[]){c, bias}, 2);
  assert_int_equal(ir_graph_add_output(graph, d), 0);

  dl_buffer_plan plan;
  dl_diag diag;
  dl_diag_init(&diag);
  int64_t workspace[4] = {0, 0, 0, 0};
  assert_int_equal(dl_buffer_plan_build(graph, workspace, NULL, NULL, &plan, &diag), 0);
  /* The view shares its root's bytes. */
  assert_int_equal(plan.values[b->id].kind, DL_LOCATION_ARENA);
  assert_int_equal(plan.values[b->id].offset, plan.values[a->id].offset);
  assert_int_equal(plan.num_views, 1);
  /* a dies at the second Relu, which reads it (through the view) at its own dims: c is
   * written in place over a, and d (Add with a same-shape weight) in place over c. */
  assert_int_equal(plan.values[c->id].offset, plan.values[a->id].offset);
  assert_int_equal(plan.values[d->id].offset, plan.values[c->id].offset);
  assert_int_equal(plan.in_place_count, 2);
  /* x, a graph input, is never overwritten: the plan needs 2 x 4000 bytes (rounded). */
  assert_int_not_equal(plan.values[a->id].offset, plan.values[x->id].offset);
  assert_int_equal(plan.live_lower_bound, 2 * 4096);
  assert_int_equal(plan.arena_bytes, 2 * 4096);
  /* The weight is in the blob; the shape constant is not needed at run time. */
  assert_int_equal(plan.values[bias->id].kind, DL_LOCATION_WEIGHT);
  assert_int_equal(plan.values[shape->id].kind, DL_LOCATION_NONE);
  assert_int_equal(plan.weight_bytes, 4096);
  dl_buffer_plan_deinit(&plan);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

static void test_workspace_lives_only_at_its_node(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("plan");
  int64_t dims[1] = {64};
  ir_value *x = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 1, dims));
  ir_value *a = add_node(graph, IR_OP_RELU, &x, 1);
  ir_value *b = add_node(graph, IR_OP_RELU, &a, 1);
  assert_int_equal(ir_graph_add_output(graph, b), 0);
  dl_buffer_plan plan;
  int64_t workspace[2] = {1000, 0};
  assert_int_equal(dl_buffer_plan_build(graph, workspace, NULL, NULL, &plan, NULL), 0);
  uint64_t ws = plan.workspace_offsets[0];
  /* At step 0, x, a and the workspace are live together: three disjoint ranges. */
  assert_true(ws >= plan.values[x->id].offset + 256 || ws + 1024 <= plan.values[x->id].offset);
  assert_true(ws >= plan.values[a->id].offset + 256 || ws + 1024 <= plan.values[a->id].offset);
  assert_int_equal(plan.live_lower_bound, 1024 + 256 + 256);
  dl_buffer_plan_deinit(&plan);
  ir_graph_destroy(graph);
}

/* A workspace found no gap beside the recorded plan: everything is planned again together. */
static void test_workspace_that_does_not_fit_replans(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("plan");
  int64_t dims[1] = {64};
  ir_value *x = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 1, dims));
  ir_value *a = add_node(graph, IR_OP_EXP, &x, 1);
  ir_value *b = add_node(graph, IR_OP_SIGMOID, &a, 1);
  assert_int_equal(ir_graph_add_output(graph, b), 0);
  /* The recorded plan: x at 0, a (and b over it) at 256. */
  ir_memory_plan recorded;
  assert_int_equal(ir_memory_plan_build(graph, NULL, &recorded, NULL), 0);
  ir_memory_plan_record(&recorded, graph);
  ir_memory_plan_deinit(&recorded);
  dl_buffer_plan plan;
  int64_t none[2] = {0, 0}, workspace[2] = {0, 1000};
  assert_int_equal(dl_buffer_plan_build(graph, none, NULL, NULL, &plan, NULL), 0);
  assert_int_equal(plan.source, DL_PLAN_FROM_IR);
  assert_int_equal(plan.values[b->id].offset, b->arena_offset);
  dl_buffer_plan_deinit(&plan);
  /* Beside a at 256 the 1 KiB workspace would start at 512 (arena 1536); planned together,
   * it goes first at 0 and a above it: arena 1280, the lower bound. */
  assert_int_equal(dl_buffer_plan_build(graph, workspace, NULL, NULL, &plan, NULL), 0);
  assert_int_equal(plan.source, DL_PLAN_WITH_WORKSPACES);
  assert_int_equal(plan.arena_bytes, plan.live_lower_bound);
  assert_int_equal(plan.live_lower_bound, 1024 + 256);
  dl_buffer_plan_deinit(&plan);
  ir_graph_destroy(graph);
}

static void test_constant_output_is_an_error(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("plan");
  float value = 1.0f;
  ir_value *k = ir_graph_add_constant_copy(graph, "k", ir_type_scalar(IR_DTYPE_F32), &value);
  assert_int_equal(ir_graph_add_output(graph, k), 0);
  dl_buffer_plan plan;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_buffer_plan_build(graph, NULL, NULL, NULL, &plan, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "'k' is a constant"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* Two Adds read a [2][3] weight: launches binding it packed (as 2x3 matrices transposed) get
 * a packed copy in the weights; the constant keeps its own copy only while some launch binds
 * it as stored, so packing alone adds no bytes. */
static void test_packed_weight_replaces_the_stored_copy(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("plan");
  int64_t dims[2] = {2, 3};
  ir_value *x = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 2, dims));
  static const float w_data[6] = {0, 1, 2, 3, 4, 5};
  ir_value *w = ir_graph_add_constant_copy(graph, "w", ir_type_make(IR_DTYPE_F32, 2, dims), w_data);
  ir_value *a = add_node(graph, IR_OP_ADD, (ir_value *[]){x, w}, 2);
  ir_value *b = add_node(graph, IR_OP_ADD, (ir_value *[]){a, w}, 2);
  assert_int_equal(ir_graph_add_output(graph, b), 0);
  lower_arg packed = {.kind = LOWER_ARG_INPUT, .index = 1, .packing = {.rows = 2, .cols = 3}};
  lower_arg stored = {.kind = LOWER_ARG_INPUT, .index = 1};
  lower_result results[2] = {{.launch_count = 1}, {.launch_count = 1}};
  results[0].launches[0] = (lower_launch){.arg_count = 1, .args = &packed};
  results[1].launches[0] = (lower_launch){.arg_count = 1, .args = &packed};
  dl_buffer_plan plan;
  assert_int_equal(dl_buffer_plan_build(graph, NULL, results, NULL, &plan, NULL), 0);
  assert_int_equal(plan.num_packed, 1); /* one copy for both readers */
  assert_int_equal(plan.values[w->id].kind, DL_LOCATION_NONE);
  assert_int_equal(plan.weight_bytes, 256);
  const dl_packed_weight *copy = dl_packed_weight_find(&plan, w, packed.packing);
  assert_non_null(copy);
  float weights[64];
  dl_packed_weight_write(copy, weights);
  static const float transposed[6] = {0, 3, 1, 4, 2, 5}; /* [2][3] -> [3][2] */
  assert_memory_equal(weights + copy->offset / sizeof(float), transposed, sizeof(transposed));
  dl_buffer_plan_deinit(&plan);
  results[1].launches[0].args = &stored;
  assert_int_equal(dl_buffer_plan_build(graph, NULL, results, NULL, &plan, NULL), 0);
  assert_int_equal(plan.values[w->id].kind, DL_LOCATION_WEIGHT);
  assert_int_equal(plan.num_packed, 1);
  assert_int_equal(plan.weight_bytes, 512);
  assert_int_not_equal(plan.packed[0].offset, plan.values[w->id].offset);
  dl_buffer_plan_deinit(&plan);
  ir_graph_destroy(graph);
}

static unsigned next_random(unsigned *seed) {
  *seed = *seed * 1103515245u + 12345u;
  return *seed >> 16;
}

/* Random DAGs: every pair of buffers live at one step is disjoint, and the lower
 * bound is the most bytes live at one step, both computed here by brute force. */
static void test_random_graphs_never_overlap(void **state) {
  (void)state;
  enum { NODES = 120, VALUES = NODES + 2 };
  unsigned seed = 12345;
  for (int round = 0; round < 20; round++) {
    ir_graph *graph = ir_graph_create("random");
    ir_value *values[VALUES];
    int first[VALUES], last[VALUES], count = 0;
    for (int i = 0; i < 2; i++) {
      int64_t dims[1] = {1 + (next_random(&seed) % 300)};
      char name[3] = {'x', (char)('0' + i), 0};
      values[count] = ir_graph_add_input(graph, name, ir_type_make(IR_DTYPE_F32, 1, dims));
      first[count] = last[count] = -1;
      count++;
    }
    for (int step = 0; step < NODES; step++) {
      /* One or two inputs, favouring recent values, sometimes reaching far back (long
       * lifetimes); the planner reads only types, so each output gets a size of its own. */
      ir_value *inputs[2];
      int input_count = 1 + (int)(next_random(&seed) % 2);
      for (int k = 0; k < input_count; k++) {
        int reach = next_random(&seed) % 4 == 0 ? count : (count < 3 ? count : 3);
        int a = count - 1 - (int)(next_random(&seed) % (unsigned)reach);
        inputs[k] = values[a];
        last[a] = step;
      }
      ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_RELU, NULL, inputs, input_count, NULL, 1);
      assert_non_null(node);
      int64_t dims[1] = {1 + (next_random(&seed) % 2000)};
      /* Never an input's dims: no in-place reuse, which this brute force does not model. */
      while (dims[0] == inputs[0]->type.dims[0] || dims[0] == inputs[input_count - 1]->type.dims[0])
        dims[0]++;
      node->outputs[0]->type = ir_type_make(IR_DTYPE_F32, 1, dims);
      values[count] = node->outputs[0];
      first[count] = last[count] = step;
      count++;
    }
    assert_int_equal(ir_graph_add_output(graph, values[count - 1]), 0);
    last[count - 1] = NODES;
    dl_buffer_plan plan;
    assert_int_equal(dl_buffer_plan_build(graph, NULL, NULL, NULL, &plan, NULL), 0);
    uint64_t bytes[VALUES], lower_bound = 0;
    for (int i = 0; i < count; i++)
      bytes[i] = ((uint64_t)values[i]->type.dims[0] * 4 + 255) / 256 * 256;
    for (int step = -1; step <= NODES; step++) {
      uint64_t live = 0;
      for (int i = 0; i < count; i++)
        live += first[i] <= step && step <= last[i] ? bytes[i] : 0;
      lower_bound = live > lower_bound ? live : lower_bound;
    }
    assert_int_equal(plan.live_lower_bound, lower_bound);
    for (int i = 0; i < count; i++) {
      uint64_t at = plan.values[values[i]->id].offset;
      assert_true(at + bytes[i] <= plan.arena_bytes);
      for (int j = 0; j < i; j++) {
        if (first[i] > last[j] || first[j] > last[i])
          continue;
        uint64_t other = plan.values[values[j]->id].offset;
        assert_true(at + bytes[i] <= other || other + bytes[j] <= at);
      }
    }
    dl_buffer_plan_deinit(&plan);
    ir_graph_destroy(graph);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_views_alias_and_lifetimes_share),
      cmocka_unit_test(test_workspace_lives_only_at_its_node),
      cmocka_unit_test(test_workspace_that_does_not_fit_replans),
      cmocka_unit_test(test_constant_output_is_an_error),
      cmocka_unit_test(test_packed_weight_replaces_the_stored_copy),
      cmocka_unit_test(test_random_graphs_never_overlap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
