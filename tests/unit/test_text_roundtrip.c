/* Round trip of the .dlir text IR: print(parse(print(g))) is byte-identical to print(g),
 * side-file bytes included, for graphs covering every attribute kind, every dtype, regions
 * (nested), symbols, quoted names, absent inputs and inline/side/elided constants. */
#include <dirent.h>
#include <float.h>
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

#include "frontend/text/text_parse.h"
#include "ir/print.h"

#define WORK DLCC_TEST_WORK_DIR

static void make_folders(const char *path) {
  char partial[1024];
  for (size_t i = 1; path[i - 1]; i++)
    if (path[i] == '/' || path[i] == '\0') {
      snprintf(partial, sizeof(partial), "%.*s", (int)i, path);
      mkdir(partial, 0777);
    }
}

static char *read_all(const char *path, size_t *out_length) {
  FILE *file = fopen(path, "rb");
  assert_non_null(file);
  fseek(file, 0, SEEK_END);
  long length = ftell(file);
  fseek(file, 0, SEEK_SET);
  char *data = malloc((size_t)length + 1);
  assert_int_equal(fread(data, 1, (size_t)length, file), (size_t)length);
  fclose(file);
  data[length] = '\0';
  *out_length = (size_t)length;
  return data;
}

static void expect_no_errors(dl_diag *diag) {
  if (diag->count)
    dl_diag_print(diag, stderr);
  assert_int_equal(diag->count, 0);
}

static ir_type type_of(ir_dtype dtype, int rank, const int64_t *dims) {
  return ir_type_make(dtype, rank, dims);
}

/* One constant of every dtype, with the values that are hard to spell. */
static void add_dtype_constants(ir_graph *graph) {
  float f32[8] = {INFINITY, -INFINITY, NAN, -0.0f, 1e-45f, FLT_MAX, 0.1f, 16777217.0f};
  uint16_t f16[4] = {0x3c00, 0x7bff, 0x0001, 0x8000};
  uint16_t bf16[4] = {0x3f80, 0x0001, 0xff80, 0x3dcd};
  double f64[3] = {0.1, DBL_MIN / 4, -DBL_MAX};
  int8_t i8[3] = {-128, 0, 127};
  uint8_t u8[2] = {0, 255};
  int16_t i16[2] = {-32768, 32767};
  uint16_t u16[1] = {65535};
  int32_t i32[2] = {INT32_MIN, INT32_MAX};
  uint32_t u32[1] = {UINT32_MAX};
  uint64_t u64[1] = {UINT64_MAX};
  uint8_t flags[3] = {1, 0, 1};
  struct {
    const char *name;
    ir_dtype dtype;
    int count;
    const void *data;
  } rows[] = {
      {"f32", IR_DTYPE_F32, 8, f32},    {"f16", IR_DTYPE_F16, 4, f16},
      {"bf16", IR_DTYPE_BF16, 4, bf16}, {"f64", IR_DTYPE_F64, 3, f64},
      {"i8", IR_DTYPE_I8, 3, i8},       {"u8", IR_DTYPE_U8, 2, u8},
      {"i16", IR_DTYPE_I16, 2, i16},    {"u16", IR_DTYPE_U16, 1, u16},
      {"i32", IR_DTYPE_I32, 2, i32},    {"u32", IR_DTYPE_U32, 1, u32},
      {"u64", IR_DTYPE_U64, 1, u64},    {"flags", IR_DTYPE_BOOL, 3, flags},
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
    assert_non_null(ir_graph_add_constant_copy(
        graph, rows[i].name, type_of(rows[i].dtype, 1, (int64_t[]){rows[i].count}), rows[i].data));
  assert_non_null(
      ir_graph_add_constant_copy(graph, "empty", type_of(IR_DTYPE_F32, 1, (int64_t[]){0}), NULL));
}

static float big_weights[50];
static int64_t big_indices[20];

static ir_node *add_node(ir_graph *graph, ir_region *region, ir_op op, const char *name,
                         ir_value *const *inputs, int num_inputs, const char *output,
                         ir_type type) {
  ir_node *node =
      ir_graph_add_node(graph, region, op, name, inputs, num_inputs, (const char *[]){output}, 1);
  assert_non_null(node);
  node->outputs[0]->type = type;
  return node;
}

static ir_graph *build_rich_graph(void) {
  ir_graph *graph = ir_graph_create("round \"trip\"");
  int batch = ir_graph_symbol(graph, "batch");
  assert_int_equal(ir_graph_symbol(graph, "size"), 1); /* a keyword: printed quoted */
  assert_int_equal(ir_graph_symbol(graph, "n-1"), 2);
  ir_type t = type_of(IR_DTYPE_F32, 2, (int64_t[]){IR_DIM_SYMBOL(batch), 3});
  ir_value *x = ir_graph_add_input(graph, "x", t);
  ir_value *in2 = ir_graph_add_input(graph, "onnx::in/0", t);
  ir_graph_add_input(graph, "7",
                     type_of(IR_DTYPE_I64, 2, (int64_t[]){IR_DIM_SYMBOL(1), IR_DIM_SYMBOL(2)}));
  add_dtype_constants(graph);
  for (int i = 0; i < 50; i++)
    big_weights[i] = (float)i / 7.0f;
  for (int i = 0; i < 20; i++)
    big_indices[i] = (int64_t)i * 1000000007 - 3;
  ir_graph_add_constant(graph, "big", type_of(IR_DTYPE_F32, 2, (int64_t[]){5, 10}), big_weights);
  ir_graph_add_constant(graph, "big.indices", type_of(IR_DTYPE_I64, 1, (int64_t[]){20}),
                        big_indices);
  ir_graph_add_constant(graph, "elided", type_of(IR_DTYPE_F32, 1, (int64_t[]){1000}), NULL);

  ir_node *sum = add_node(graph, NULL, IR_OP_ADD, NULL, (ir_value *[]){x, in2}, 2, "s", t);
  ir_node *identity =
      add_node(graph, NULL, IR_OP_IDENTITY, "", (ir_value *[]){sum->outputs[0]}, 1, "i", t);
  identity->name = ""; /* unlike the default name, so it must print */
  ir_node_set_int(graph, identity, "i", -5);
  ir_node_set_float(graph, identity, "f", 0.1f);
  ir_node_set_string(graph, identity, "s", "a\"b\\c\n\x01 é");
  ir_node_set_ints(graph, identity, "is", (int64_t[]){1, -2, INT64_MIN}, 3);
  ir_node_set_floats(graph, identity, "fs", (float[]){INFINITY, -INFINITY, NAN, 1e-45f, -0.0f}, 5);
  ir_node_set_strings(graph, identity, "ss", (const char *[]){"", "x"}, 2);
  ir_node_set_dtype(graph, identity, "d", IR_DTYPE_F16);
  ir_node_set_int(graph, identity, "weird key", 1);
  ir_node_set_int(graph, identity, "size", 2);
  ir_node_set_floats(graph, identity, "none", NULL, 0);
  ir_node *clip = add_node(graph, NULL, IR_OP_CLIP, "/clip/Clip",
                           (ir_value *[]){identity->outputs[0], NULL, NULL}, 3, "c", t);

  /* A group with two results, holding a nested group. */
  ir_node *group =
      ir_graph_add_node(graph, NULL, IR_OP_GROUP, "fused_0", (ir_value *[]){clip->outputs[0], x}, 2,
                        (const char *[]){"g1", "g2"}, 2);
  group->outputs[0]->type = group->outputs[1]->type = t;
  ir_node_set_string(graph, group, "schedule", "tile 32x32");
  ir_region *body = ir_node_create_body(graph, group);
  ir_value *p0 = ir_region_add_param(graph, body, "p0", t);
  ir_value *p1 = ir_region_add_param(graph, body, "p1", t);
  ir_node *inner_add = add_node(graph, body, IR_OP_ADD, NULL, (ir_value *[]){p0, p1}, 2, "t", t);
  ir_node *nested =
      add_node(graph, body, IR_OP_GROUP, NULL, (ir_value *[]){inner_add->outputs[0]}, 1, "n", t);
  ir_region *nested_body = ir_node_create_body(graph, nested);
  ir_value *q = ir_region_add_param(graph, nested_body, "q", t);
  ir_node *relu = add_node(graph, nested_body, IR_OP_RELU, "Relu_99", (ir_value *[]){q}, 1, "r", t);
  ir_region_add_result(graph, nested_body, relu->outputs[0]);
  ir_region_add_result(graph, body, inner_add->outputs[0]);
  ir_region_add_result(graph, body, nested->outputs[0]);

  ir_node *cast = add_node(graph, NULL, IR_OP_CAST, NULL, (ir_value *[]){group->outputs[1]}, 1, "k",
                           type_of(IR_DTYPE_F16, 2, (int64_t[]){IR_DIM_SYMBOL(batch), 3}));
  ir_node_set_dtype(graph, cast, "to", IR_DTYPE_F16);
  ir_graph_add_output(graph, group->outputs[0]);
  ir_graph_add_output(graph, cast->outputs[0]);
  ir_graph_add_output(graph, x);
  return graph;
}

/* Prints with the side file in `folder`, named "side.bin" in the dump. */
static char *print_into(const ir_graph *graph, const char *folder) {
  char side[1024];
  snprintf(side, sizeof(side), "%s/side.bin", folder);
  make_folders(folder);
  ir_print_options options = {.side_file_path = side, .side_file_ref = "side.bin"};
  dl_diag diag;
  dl_diag_init(&diag);
  char *text = ir_print_to_string(graph, &options, &diag);
  expect_no_errors(&diag);
  dl_diag_deinit(&diag);
  assert_non_null(text);
  return text;
}

static void test_round_trip_is_byte_identical(void **state) {
  ir_graph *graph = build_rich_graph();
  char *first = print_into(graph, WORK "/first");
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *parsed = dl_text_parse_string(first, strlen(first), "first.dlir", WORK "/first", &diag);
  expect_no_errors(&diag);
  assert_non_null(parsed);
  char *second = print_into(parsed, WORK "/second");
  assert_string_equal(first, second);

  size_t first_length, second_length;
  char *first_bytes = read_all(WORK "/first/side.bin", &first_length);
  char *second_bytes = read_all(WORK "/second/side.bin", &second_length);
  assert_int_equal(first_length, second_length);
  assert_memory_equal(first_bytes, second_bytes, first_length);

  /* The data itself came back, not only its spelling. */
  const ir_value *big = ir_graph_find_value(parsed, "big");
  assert_memory_equal(big->data, big_weights, sizeof(big_weights));
  const ir_value *halves = ir_graph_find_value(parsed, "f16");
  assert_memory_equal(halves->data, ((uint16_t[]){0x3c00, 0x7bff, 0x0001, 0x8000}), 8);
  assert_null(ir_graph_find_value(parsed, "elided")->data);
  assert_string_equal(parsed->body.first->next->name, ""); /* explicit empty node name */
  assert_string_equal(parsed->body.first->name, "Add_0");  /* the default name */

  free(first_bytes);
  free(second_bytes);
  free(first);
  free(second);
  ir_graph_destroy(parsed);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* dl_text_parse_file finds the side file next to the dump, wherever the dump is read from. */
static void test_parse_file_resolves_side_file_next_to_it(void **state) {
  ir_graph *graph = build_rich_graph();
  char *text = print_into(graph, WORK "/file");
  FILE *file = fopen(WORK "/file/model.dlir", "wb");
  assert_non_null(file);
  fputs(text, file);
  fclose(file);
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *parsed = dl_text_parse_file(WORK "/file/model.dlir", &diag);
  expect_no_errors(&diag);
  assert_non_null(parsed);
  char *again = print_into(parsed, WORK "/file-again");
  assert_string_equal(text, again);
  free(again);
  free(text);
  ir_graph_destroy(parsed);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* Without a side file, large constants print as `elided`; that dump round-trips too. */
static void test_elided_dump_round_trips(void **state) {
  ir_graph *graph = build_rich_graph();
  dl_diag diag;
  dl_diag_init(&diag);
  char *first = ir_print_to_string(graph, NULL, &diag);
  assert_non_null(strstr(first, "const %big: f32[5,10] = elided\n"));
  ir_graph *parsed = dl_text_parse_string(first, strlen(first), NULL, NULL, &diag);
  expect_no_errors(&diag);
  assert_non_null(parsed);
  assert_null(ir_graph_find_value(parsed, "big")->data);
  char *second = ir_print_to_string(parsed, NULL, &diag);
  assert_string_equal(first, second);
  free(first);
  free(second);
  ir_graph_destroy(parsed);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* Printing a parsed graph over the side file it was read from replaces the file instead of
 * truncating the mapping its constants point into (which would crash with SIGBUS). */
static void test_reprint_over_own_side_file(void **state) {
  ir_graph *graph = build_rich_graph();
  char *first = print_into(graph, WORK "/self");
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *parsed = dl_text_parse_string(first, strlen(first), "self.dlir", WORK "/self", &diag);
  expect_no_errors(&diag);
  size_t before_length, after_length;
  char *before = read_all(WORK "/self/side.bin", &before_length);
  char *second = print_into(parsed, WORK "/self");
  assert_string_equal(first, second);
  char *after = read_all(WORK "/self/side.bin", &after_length);
  assert_int_equal(before_length, after_length);
  assert_memory_equal(before, after, before_length);
  assert_memory_equal(ir_graph_find_value(parsed, "big")->data, big_weights, sizeof(big_weights));
  free(before);
  free(after);
  free(first);
  free(second);
  ir_graph_destroy(parsed);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* The fuzz seed corpus is hand-written .dlir: each file must be valid and round-trip. */
static void test_seed_corpus_parses_and_round_trips(void **state) {
  const char *folder = DLCC_SOURCE_DIR "/tests/fuzz/text_parser";
  DIR *dir = opendir(folder);
  assert_non_null(dir);
  int files = 0;
  for (struct dirent *entry; (entry = readdir(dir));) {
    if (!strstr(entry->d_name, ".dlir"))
      continue;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", folder, entry->d_name);
    dl_diag diag;
    dl_diag_init(&diag);
    ir_graph *graph = dl_text_parse_file(path, &diag);
    expect_no_errors(&diag);
    assert_non_null(graph);
    char *first = ir_print_to_string(graph, NULL, &diag);
    ir_graph *again = dl_text_parse_string(first, strlen(first), path, NULL, &diag);
    expect_no_errors(&diag);
    char *second = ir_print_to_string(again, NULL, &diag);
    assert_string_equal(first, second);
    free(first);
    free(second);
    ir_graph_destroy(again);
    ir_graph_destroy(graph);
    dl_diag_deinit(&diag);
    files++;
  }
  closedir(dir);
  assert_true(files >= 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_is_byte_identical),
      cmocka_unit_test(test_parse_file_resolves_side_file_next_to_it),
      cmocka_unit_test(test_elided_dump_round_trips),
      cmocka_unit_test(test_seed_corpus_parses_and_round_trips),
      cmocka_unit_test(test_reprint_over_own_side_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
