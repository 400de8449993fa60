/* The growable array (ir/array.h) on the heap and in an arena, and region params and
 * results grown through it past their first block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ir/array.h"
#include "ir/graph.h"

static void test_heap_array(void **state) {
  (void)state;
  int *items = NULL, count = 0;
  size_t capacity = 0;
  for (int i = 0; i < 1000; i++)
    assert_int_equal(IR_ARRAY_APPEND(NULL, items, count, capacity, i * 3), 0);
  assert_int_equal(count, 1000);
  assert_true(capacity >= 1000 && capacity < 2048);
  for (int i = 0; i < 1000; i++)
    assert_int_equal(items[i], i * 3);
  free(items);
}

static void test_arena_array(void **state) {
  (void)state;
  ir_arena *arena = ir_arena_create();
  int64_t *items = NULL;
  size_t capacity = 0, count = 0;
  for (int64_t i = 0; i < 300; i++)
    assert_int_equal(IR_ARRAY_APPEND(arena, items, count, capacity, -i), 0);
  for (int64_t i = 0; i < 300; i++)
    assert_int_equal(items[i], -i);
  /* Reserving grows to fit at once, and the new room is zeroed. */
  int64_t *grown = ir_array_reserve(arena, items, &capacity, 5000, sizeof *items);
  assert_non_null(grown);
  assert_true(capacity >= 5000);
  assert_int_equal(grown[299], -299);
  assert_int_equal(grown[4999], 0);
  ir_arena_destroy(arena);
}

static void test_overflowing_sizes_fail_cleanly(void **state) {
  (void)state;
  char *items = NULL;
  size_t capacity = 0;
  assert_null(ir_array_reserve(NULL, items, &capacity, SIZE_MAX, 1));
  assert_int_equal(capacity, 0);
  assert_null(ir_array_reserve(NULL, items, &capacity, SIZE_MAX / 4, 16));
  assert_int_equal(capacity, 0);
}

/* Appends `count` params named PREFIX0.. to `region`, each also yielded as a result. */
static void add_params_and_results(ir_graph *graph, ir_region *region, const char *prefix,
                                   int count) {
  for (int i = 0; i < count; i++) {
    char name[32];
    snprintf(name, sizeof(name), "%s%d", prefix, i);
    ir_value *param = ir_region_add_param(graph, region, name, ir_type_scalar(IR_DTYPE_F32));
    assert_non_null(param);
    assert_int_equal(ir_region_add_result(graph, region, param), 0);
  }
}

/* A region grows its params and results however they were set before. */
static void test_region_growth(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("regions");
  ir_region *body = &graph->body;
  add_params_and_results(graph, body, "p", 200);
  assert_int_equal(body->num_params, 200);
  assert_int_equal(body->num_results, 200);
  for (int i = 0; i < 200; i++)
    assert_ptr_equal(body->results[i], body->params[i]);

  /* A pass that sets exactly-sized arrays itself, then appends. */
  ir_value **params = ir_arena_alloc_array(graph->arena, 3, sizeof(ir_value *));
  ir_value **results = ir_arena_alloc_array(graph->arena, 3, sizeof(ir_value *));
  for (int i = 0; i < 3; i++)
    params[i] = results[i] = body->params[i];
  body->params = params, body->num_params = 3, body->params_capacity = 0;
  body->results = results, body->num_results = 3, body->results_capacity = 0;
  add_params_and_results(graph, body, "q", 40);
  assert_int_equal(body->num_params, 43);
  assert_string_equal(body->params[2]->name, "p2");
  assert_string_equal(body->params[3]->name, "q0");
  assert_string_equal(body->results[42]->name, "q39");
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_heap_array),
      cmocka_unit_test(test_arena_array),
      cmocka_unit_test(test_overflowing_sizes_fail_cleanly),
      cmocka_unit_test(test_region_growth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
