/* The .dlir printer's exact output: layout, quoting, number spellings, constant placement
 * (inline, side file at 64-byte offsets, elided) and default node names. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "ir/print.h"

/* mkdir -p: the test's work folder lives under the build tree. */
static void make_folders(const char *path) {
  char partial[1024];
  for (size_t i = 1; path[i - 1]; i++)
    if (path[i] == '/' || path[i] == '\0') {
      snprintf(partial, sizeof(partial), "%.*s", (int)i, path);
      mkdir(partial, 0777);
    }
}

static char *print_or_fail(const ir_graph *graph, const ir_print_options *options) {
  dl_diag diag;
  dl_diag_init(&diag);
  char *text = ir_print_to_string(graph, options, &diag);
  if (!text)
    dl_diag_print(&diag, stderr);
  assert_non_null(text);
  assert_int_equal(diag.count, 0);
  dl_diag_deinit(&diag);
  return text;
}

static void test_small_graph_layout(void **state) {
  ir_graph *graph = ir_graph_create("tiny");
  int batch = ir_graph_symbol(graph, "batch");
  ir_value *x = ir_graph_add_input(
      graph, "x", ir_type_make(IR_DTYPE_F32, 2, (int64_t[]){IR_DIM_SYMBOL(batch), 4}));
  float bias_data[4] = {0.5f, -0.0f, 1e-45f, 0.1f};
  ir_value *bias = ir_graph_add_constant_copy(
      graph, "bias", ir_type_make(IR_DTYPE_F32, 1, (int64_t[]){4}), bias_data);
  ir_node *add = ir_graph_add_node(graph, NULL, IR_OP_ADD, NULL, (ir_value *[]){x, bias}, 2,
                                   (const char *[]){"y"}, 1);
  add->outputs[0]->type = x->type;
  ir_node *relu =
      ir_graph_add_node(graph, NULL, IR_OP_RELU, "/layer1/Relu", (ir_value *[]){add->outputs[0]}, 1,
                        (const char *[]){"onnx::Relu_7"}, 1);
  relu->outputs[0]->type = x->type;
  ir_node_set_float(graph, relu, "alpha", INFINITY);
  ir_graph_add_output(graph, relu->outputs[0]);

  char *text = print_or_fail(graph, NULL);
  assert_string_equal(
      text,
      "dlir 1\n"
      "graph \"tiny\" {\n"
      "  symbol batch\n"
      "  input %x: f32[batch,4]\n"
      "  const %bias: f32[4] = [0.5, -0, 1.40129846e-45, 0.100000001]\n"
      "  %y: f32[batch,4] = Add(%x, %bias)\n"
      "  %\"onnx::Relu_7\": f32[batch,4] = Relu(%y) {alpha: float = inf} name \"/layer1/Relu\"\n"
      "  output %\"onnx::Relu_7\"\n"
      "}\n");
  free(text);
  ir_graph_destroy(graph);
}

static void test_names_that_need_quotes(void **state) {
  assert_true(ir_print_name_is_bare("conv1"));
  assert_true(ir_print_name_is_bare("_x.y_2"));
  assert_false(ir_print_name_is_bare("1abc"));
  assert_false(ir_print_name_is_bare("a-b"));
  assert_false(ir_print_name_is_bare(""));
  assert_false(ir_print_name_is_bare("size")); /* keywords would lex as keywords */
  assert_false(ir_print_name_is_bare("_"));
  assert_false(ir_print_name_is_bare("inf"));

  ir_graph *graph = ir_graph_create("q\"uote\\d\n");
  ir_graph_symbol(graph, "size");
  ir_graph_add_input(graph, "0", ir_type_scalar(IR_DTYPE_BOOL));
  ir_graph_add_input(graph, "tab\there", ir_type_scalar(IR_DTYPE_I8));
  char *text = print_or_fail(graph, NULL);
  assert_non_null(strstr(text, "graph \"q\\\"uote\\\\d\\n\" {\n"));
  assert_non_null(strstr(text, "  symbol \"size\"\n"));
  assert_non_null(strstr(text, "  input %0: bool[]\n"));
  assert_non_null(strstr(text, "  input %\"tab\\there\": i8[]\n"));
  free(text);
  ir_graph_destroy(graph);
}

static void test_constants_inline_side_and_elided(void **state) {
  ir_graph *graph = ir_graph_create("weights");
  float small[2] = {1, 2};
  float large[20] = {0};
  for (int i = 0; i < 20; i++)
    large[i] = (float)i;
  int64_t ints[3] = {INT64_MIN, -1, INT64_MAX};
  ir_graph_add_constant_copy(graph, "small", ir_type_make(IR_DTYPE_F32, 1, (int64_t[]){2}), small);
  ir_graph_add_constant_copy(graph, "first", ir_type_make(IR_DTYPE_F32, 1, (int64_t[]){17}), large);
  ir_graph_add_constant_copy(graph, "second", ir_type_make(IR_DTYPE_F32, 2, (int64_t[]){4, 5}),
                             large);
  ir_graph_add_constant_copy(graph, "ints", ir_type_make(IR_DTYPE_I64, 1, (int64_t[]){3}), ints);
  ir_graph_add_constant(graph, "gone", ir_type_make(IR_DTYPE_F32, 1, (int64_t[]){1}), NULL);

  /* Without a side file, large constants are elided; small ones stay inline. */
  char *text = print_or_fail(graph, NULL);
  assert_non_null(strstr(text, "  const %small: f32[2] = [1, 2]\n"));
  assert_non_null(strstr(text, "  const %first: f32[17] = elided\n"));
  assert_non_null(
      strstr(text, "  const %ints: i64[3] = [-9223372036854775808, -1, 9223372036854775807]\n"));
  assert_non_null(strstr(text, "  const %gone: f32[1] = elided\n"));
  free(text);

  make_folders(DLCC_TEST_WORK_DIR);
  const char *side = DLCC_TEST_WORK_DIR "/print_side.bin";
  ir_print_options options = {.side_file_path = side, .side_file_ref = "print_side.bin"};
  text = print_or_fail(graph, &options);
  assert_non_null(
      strstr(text, "  const %first: f32[17] = file \"print_side.bin\" offset 0 size 68\n"));
  assert_non_null(
      strstr(text, "  const %second: f32[4,5] = file \"print_side.bin\" offset 128 size 80\n"));
  free(text);
  struct stat info;
  assert_int_equal(stat(side, &info), 0);
  assert_int_equal(info.st_size, 208);
  FILE *file = fopen(side, "rb");
  unsigned char bytes[208];
  assert_int_equal(fread(bytes, 1, sizeof(bytes), file), 208);
  fclose(file);
  assert_memory_equal(bytes, large, 68);
  assert_memory_equal(bytes + 128, large, 80);
  for (int i = 68; i < 128; i++)
    assert_int_equal(bytes[i], 0);

  /* elide_constants wins over the side file; a bigger inline limit inlines everything. */
  options.elide_constants = true;
  text = print_or_fail(graph, &options);
  assert_non_null(strstr(text, "  const %second: f32[4,5] = elided\n"));
  free(text);
  options = (ir_print_options){.inline_limit_bytes = 1000};
  text = print_or_fail(graph, &options);
  assert_non_null(strstr(
      text,
      "  const %first: f32[17] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]\n"));
  free(text);
  ir_graph_destroy(graph);
}

static void test_group_region_and_absent_inputs(void **state) {
  ir_graph *graph = ir_graph_create("g");
  ir_type t = ir_type_make(IR_DTYPE_F16, 1, (int64_t[]){3});
  ir_value *a = ir_graph_add_input(graph, "a", t);
  ir_node *group = ir_graph_add_node(graph, NULL, IR_OP_GROUP, NULL, (ir_value *[]){a}, 1,
                                     (const char *[]){"out"}, 1);
  group->outputs[0]->type = t;
  ir_region *body = ir_node_create_body(graph, group);
  ir_value *p = ir_region_add_param(graph, body, "p", t);
  ir_node *clip = ir_graph_add_node(graph, body, IR_OP_CLIP, NULL, (ir_value *[]){p, NULL, p}, 3,
                                    (const char *[]){"c"}, 1);
  clip->outputs[0]->type = t;
  ir_node_set_dtype(graph, clip, "kind", IR_DTYPE_BF16);
  ir_node_set_strings(graph, clip, "tags", (const char *[]){"a", "b c"}, 2);
  ir_node_set_ints(graph, clip, "empty", NULL, 0);
  ir_region_add_result(graph, body, clip->outputs[0]);
  ir_graph_add_output(graph, group->outputs[0]);
  char *text = print_or_fail(graph, NULL);
  assert_string_equal(text, "dlir 1\n"
                            "graph \"g\" {\n"
                            "  input %a: f16[3]\n"
                            "  %out: f16[3] = dl.group(%a) {\n"
                            "  ^(%p: f16[3]):\n"
                            "    %c: f16[3] = Clip(%p, _, %p) {kind: dtype = bf16, tags: strings = "
                            "[\"a\", \"b c\"], empty: ints = []}\n"
                            "    yield %c\n"
                            "  }\n"
                            "  output %out\n"
                            "}\n");
  free(text);
  ir_graph_destroy(graph);
}

static void test_unwritable_side_file_is_an_error(void **state) {
  ir_graph *graph = ir_graph_create("w");
  float large[32] = {0};
  ir_graph_add_constant_copy(graph, "w", ir_type_make(IR_DTYPE_F32, 1, (int64_t[]){32}), large);
  ir_graph_add_constant_copy(graph, "v", ir_type_make(IR_DTYPE_F32, 1, (int64_t[]){32}), large);
  ir_print_options options = {.side_file_path = "/nonexistent-folder/x.bin"};
  dl_diag diag;
  dl_diag_init(&diag);
  assert_null(ir_print_to_string(graph, &options, &diag));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "/nonexistent-folder/x.bin"));
  assert_int_equal(diag.count, 1); /* one message, not one per constant */
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_graph_layout),
      cmocka_unit_test(test_names_that_need_quotes),
      cmocka_unit_test(test_constants_inline_side_and_elided),
      cmocka_unit_test(test_group_region_and_absent_inputs),
      cmocka_unit_test(test_unwritable_side_file_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
