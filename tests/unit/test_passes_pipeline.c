/* Tests of the pass registry and pipelines: lookups, -O levels, --passes parsing, and the
 * runner's --verify-each, --print-ir-after and --time-passes behaviour. */
#include "test_infer_support.h"

#include "passes/pass.h"

/* Rows of the pass table, so that adding a pass changes no count here. */
enum {
  PASS_ROWS = 0
#define PASS(function, name, description) +1
#include "passes/passes.def"
#undef PASS
};

/* "name, name, ..." of every registered pass, in table order. */
static const char *all_pass_names(void) {
  static char names[1024];
  names[0] = '\0';
  for (int i = 0; i < dl_pass_count(); i++)
    snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s", i ? ", " : "",
             dl_pass_at(i)->name);
  return names;
}

static int position_of(const dl_pipeline *pipeline, const char *name) {
  for (int i = 0; i < pipeline->count; i++)
    if (pipeline->passes[i] == dl_pass_find(name))
      return i;
  return -1;
}

static void registry_lists_every_pass(void **state) {
  (void)state;
  assert_int_equal(dl_pass_count(), PASS_ROWS);
  assert_string_equal(dl_pass_at(0)->name, "fold-constants");
  assert_null(dl_pass_at(PASS_ROWS));
  assert_null(dl_pass_at(-1));
  const dl_pass *dce = dl_pass_find("dce");
  assert_non_null(dce);
  assert_non_null(dce->run);
  assert_true(strlen(dce->description) > 10);
  assert_null(dl_pass_find("DCE"));
  assert_null(dl_pass_find(NULL));
  assert_string_equal(dl_pass_names(), all_pass_names());
  assert_non_null(strstr(dl_pass_names(), "fold-constants, "));
}

static void levels_are_lists_of_passes(void **state) {
  (void)state;
  dl_pipeline pipeline;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_pipeline_for_level(0, &pipeline, &diag), 0);
  assert_int_equal(pipeline.count, 0);
  for (int level = 1; level <= 3; level++) {
    assert_int_equal(dl_pipeline_for_level(level, &pipeline, &diag), 0);
    /* -O1 cleans up; -O2 and -O3 also fuse, after the clean-up. */
    assert_ptr_equal(pipeline.passes[0], dl_pass_find("fold-constants"));
    assert_true(position_of(&pipeline, "cse") > 0);
    assert_true(position_of(&pipeline, "dce") > position_of(&pipeline, "cse"));
    if (level == 1)
      assert_int_equal(position_of(&pipeline, "fuse"), -1);
    else
      assert_true(position_of(&pipeline, "fuse") > position_of(&pipeline, "dce"));
    /* Memory is planned last: any later pass adding a value would leave the plan stale. */
    assert_int_equal(position_of(&pipeline, "plan-memory"), pipeline.count - 1);
  }
  assert_int_equal(dl_pipeline_for_level(4, &pipeline, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "-O4"));
  dl_diag_deinit(&diag);
}

static void expect_parse_error(const char *list, const char *fragment) {
  dl_pipeline pipeline;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_pipeline_parse(list, &pipeline, &diag), -1);
  const char *message = dl_diag_message(&diag, 0);
  if (!strstr(message, fragment))
    fprintf(stderr, "message '%s' lacks '%s'\n", message, fragment);
  assert_non_null(strstr(message, fragment));
  assert_non_null(strstr(message, "known passes: "));
  assert_non_null(strstr(message, all_pass_names()));
  dl_diag_deinit(&diag);
}

static void pass_lists_parse_in_order(void **state) {
  (void)state;
  dl_pipeline pipeline;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_pipeline_parse("dce,fold-constants,dce", &pipeline, &diag), 0);
  assert_int_equal(pipeline.count, 3);
  assert_ptr_equal(pipeline.passes[0], dl_pass_find("dce"));
  assert_ptr_equal(pipeline.passes[1], dl_pass_find("fold-constants"));
  assert_ptr_equal(pipeline.passes[2], dl_pass_find("dce"));
  assert_int_equal(diag.count, 0);
  dl_diag_deinit(&diag);
  expect_parse_error("dce,frobnicate", "unknown pass 'frobnicate'");
  expect_parse_error("", "empty");
  expect_parse_error("dce,", "empty");
  expect_parse_error(",dce", "empty");
}

/* x → Identity → Relu → output, inferred. */
static ir_graph *small_graph(void) {
  ir_graph *graph = ir_graph_create("small");
  ir_value *x = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 1, (int64_t[]){4}));
  ir_node *identity = ir_graph_add_node(graph, NULL, IR_OP_IDENTITY, "id", &x, 1, NULL, 1);
  ir_node *relu = ir_graph_add_node(graph, NULL, IR_OP_RELU, "relu", identity->outputs, 1, NULL, 1);
  ir_graph_add_output(graph, relu->outputs[0]);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_graph(graph, &diag), 0);
  dl_diag_deinit(&diag);
  return graph;
}

/* A pass that breaks the graph: the recorded output type disagrees with inference. */
static int break_types(ir_graph *graph, dl_diag *diag) {
  (void)diag;
  graph->body.results[0]->type.dims[0] = 5;
  return 0;
}
static int refuse(ir_graph *graph, dl_diag *diag) {
  (void)graph;
  return dl_error(diag, "refusing on purpose");
}

static void verify_each_catches_the_pass_that_broke_the_graph(void **state) {
  (void)state;
  ir_graph *graph = small_graph();
  const dl_pass breaker = {"break-types", "test pass", break_types};
  dl_pipeline pipeline = {.passes = {dl_pass_find("dce"), &breaker, dl_pass_find("dce")},
                          .count = 3};
  dl_diag diag;
  dl_diag_init(&diag);
  dl_pipeline_options without = {0};
  assert_int_equal(dl_pipeline_run(&pipeline, graph, &without, &diag), 0);
  ir_graph_destroy(graph);
  graph = small_graph();
  dl_pipeline_options with = {.verify_each = true};
  assert_int_equal(dl_pipeline_run(&pipeline, graph, &with, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, diag.count - 1), "after pass 'break-types'"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

static void a_failing_pass_stops_the_pipeline(void **state) {
  (void)state;
  ir_graph *graph = small_graph();
  const dl_pass refuser = {"refuse", "test pass", refuse};
  dl_pipeline pipeline = {.passes = {&refuser, dl_pass_find("eliminate-identity")}, .count = 2};
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_pipeline_run(&pipeline, graph, NULL, &diag), -1);
  assert_string_equal(dl_diag_message(&diag, 0), "refusing on purpose");
  assert_string_equal(dl_diag_message(&diag, 1), "pass 'refuse' failed");
  /* eliminate-identity never ran. */
  assert_int_equal(graph->body.first->op, IR_OP_IDENTITY);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

static char *run_with_log(const char *print_after, bool time_passes) {
  ir_graph *graph = small_graph();
  dl_pipeline pipeline;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_pipeline_for_level(2, &pipeline, &diag), 0);
  char *text = NULL;
  size_t length = 0;
  FILE *log = open_memstream(&text, &length);
  assert_non_null(log);
  dl_pipeline_options options = {
      .print_ir_after = print_after, .time_passes = time_passes, .verify_each = true, .log = log};
  assert_int_equal(dl_pipeline_run(&pipeline, graph, &options, &diag), 0);
  fclose(log);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
  return text;
}

static int count_text(const char *text, const char *fragment) {
  int count = 0;
  for (const char *at = strstr(text, fragment); at; at = strstr(at + 1, fragment))
    count++;
  return count;
}

static void print_ir_after_writes_text_ir_to_the_log(void **state) {
  (void)state;
  char *one = run_with_log("eliminate-identity", false);
  assert_int_equal(count_text(one, "# ----- IR after"), 1);
  assert_non_null(strstr(one, "# ----- IR after eliminate-identity -----\ndlir 1\n"));
  assert_null(strstr(one, "Identity("));
  free(one);
  char *all = run_with_log("all", false);
  dl_pipeline level2;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_pipeline_for_level(2, &level2, &diag), 0);
  dl_diag_deinit(&diag);
  assert_int_equal(count_text(all, "# ----- IR after"), level2.count);
  assert_int_equal(count_text(all, "dlir 1\n"), level2.count);
  /* Identity is still there after fold-constants, the first pass. */
  assert_non_null(strstr(all, "Identity("));
  free(all);
  /* A comma list names several passes; a name must match a whole item ("dc" is no pass). */
  char *two = run_with_log("dce,fold-constants", false);
  assert_int_equal(count_text(two, "# ----- IR after"), 2);
  assert_non_null(strstr(two, "IR after fold-constants"));
  assert_non_null(strstr(two, "IR after dce"));
  free(two);
  char *partial = run_with_log("dc,fold", false);
  assert_string_equal(partial, "");
  free(partial);
  char *none = run_with_log(NULL, false);
  assert_string_equal(none, "");
  free(none);
}

static void time_passes_writes_one_row_per_pass(void **state) {
  (void)state;
  char *table = run_with_log(NULL, true);
  assert_non_null(strstr(table, "pass execution timing"));
  assert_int_equal(count_text(table, "%  fold-constants\n"), 1);
  assert_int_equal(count_text(table, "%  eliminate-identity\n"), 1);
  assert_int_equal(count_text(table, "%  dce\n"), 1);
  assert_non_null(strstr(table, "100.0%  total\n"));
  free(table);
}

/* --precision adds its pass before dce (so the f32 weights it replaces go), or with a dce of
 * its own where the level has none (-O0); f32 adds nothing. */
static void precision_adds_its_pass_before_dce(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  dl_precision precision = DL_PRECISION_F32;
  assert_int_equal(dl_precision_parse("bf16", &precision), 0);
  assert_int_equal(precision, DL_PRECISION_BF16);
  assert_string_equal(dl_precision_name(precision), "bf16");
  assert_int_equal(dl_precision_parse("f8", &precision), -1);
  assert_int_equal(dl_precision_parse(NULL, &precision), -1);
  dl_pipeline pipeline;
  assert_int_equal(dl_pipeline_for_level(2, &pipeline, &diag), 0);
  int count = pipeline.count, dce = position_of(&pipeline, "dce");
  assert_int_equal(dl_pipeline_add_precision(&pipeline, DL_PRECISION_F32, &diag), 0);
  assert_int_equal(pipeline.count, count);
  assert_int_equal(dl_pipeline_add_precision(&pipeline, DL_PRECISION_F16, &diag), 0);
  assert_int_equal(pipeline.count, count + 1);
  assert_int_equal(position_of(&pipeline, "to-f16"), dce);
  assert_int_equal(position_of(&pipeline, "dce"), dce + 1);
  assert_string_equal(pipeline.passes[pipeline.count - 1]->name, "plan-memory");
  assert_int_equal(dl_pipeline_for_level(0, &pipeline, &diag), 0);
  assert_int_equal(dl_pipeline_add_precision(&pipeline, DL_PRECISION_BF16, &diag), 0);
  assert_int_equal(pipeline.count, 2);
  assert_string_equal(pipeline.passes[0]->name, "to-bf16");
  assert_string_equal(pipeline.passes[1]->name, "dce");
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(registry_lists_every_pass),
      cmocka_unit_test(levels_are_lists_of_passes),
      cmocka_unit_test(pass_lists_parse_in_order),
      cmocka_unit_test(verify_each_catches_the_pass_that_broke_the_graph),
      cmocka_unit_test(a_failing_pass_stops_the_pipeline),
      cmocka_unit_test(print_ir_after_writes_text_ir_to_the_log),
      cmocka_unit_test(time_passes_writes_one_row_per_pass),
      cmocka_unit_test(precision_adds_its_pass_before_dce),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
