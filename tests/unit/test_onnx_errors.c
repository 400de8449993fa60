/* ONNX import of broken and unusual inputs (models from tests/models/make_import_cases.py,
 * plus truncated and bit-flipped copies of real models): NULL and a message that names
 * the problem, never a crash; edge cases (bindings, legacy forms) import correctly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/onnx/onnx_import.h"

#define CASES DLCC_MODELS_DIR "/import_cases/"

/* True if some message of `diag` contains `text`. */
static bool has_message(const dl_diag *diag, const char *text) {
  for (int i = 0; i < diag->count; i++)
    if (strstr(dl_diag_message(diag, i), text))
      return true;
  return false;
}

static void print_messages(const dl_diag *diag) {
  for (int i = 0; i < diag->count; i++)
    print_message("  message: %s\n", dl_diag_message(diag, i));
}

/* Imports `path` expecting failure with a message containing each of the texts. */
static void expect_failure(const char *path, const dl_onnx_options *options, ...) {
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_onnx_import_file(path, options, &diag);
  if (graph)
    print_message("%s imported but should have failed\n", path);
  assert_null(graph);
  va_list texts;
  va_start(texts, options);
  for (const char *text; (text = va_arg(texts, const char *));) {
    if (!has_message(&diag, text)) {
      print_messages(&diag);
      fail_msg("%s: no message contains \"%s\"", path, text);
    }
  }
  va_end(texts);
  dl_diag_deinit(&diag);
}

static ir_graph *expect_success(const char *path, const dl_onnx_options *options, dl_diag *diag) {
  dl_diag_init(diag);
  ir_graph *graph = dl_onnx_import_file(path, options, diag);
  if (!graph)
    print_messages(diag);
  assert_non_null(graph);
  return graph;
}

static void test_wrong_attribute_type(void **state) {
  (void)state;
  expect_failure(CASES "wrong_attr_type.onnx", NULL, "wrong_attr_type.onnx", "'conv' (Conv)",
                 "kernel_shape", NULL);
  expect_failure(CASES "legacy_axes_float.onnx", NULL, "node 'unsqueeze' (Unsqueeze, opset 11)",
                 "attribute 'axes' must be a list of at most 4096 ints", NULL);
}

static void test_bad_tensors(void **state) {
  (void)state;
  expect_failure(CASES "absurd_shape.onnx", NULL, "tensor 'w'", "overflows", NULL);
  expect_failure(CASES "raw_size_mismatch.onnx", NULL, "tensor 'w'", "raw_data has 12 bytes",
                 "needs 16 bytes", NULL);
  expect_failure(CASES "typed_count_mismatch.onnx", NULL, "has 3 values but its shape needs 4",
                 NULL);
  expect_failure(CASES "negative_dim.onnx", NULL, "dimension 0 is negative", NULL);
  expect_failure(CASES "wrong_typed_field.onnx", NULL, "does not match its element type", NULL);
}

static void test_external_data_cannot_escape(void **state) {
  (void)state;
  expect_failure(CASES "escape/dotdot.onnx", NULL, "'../outside.bin' must be a relative path",
                 NULL);
  expect_failure(CASES "escape/absolute.onnx", NULL, "must be a relative path inside", NULL);
  expect_failure(CASES "escape/symlink.onnx", NULL, "'link.bin' leads outside", NULL);
  expect_failure(CASES "escape/past_end.onnx", NULL, "lies beyond the end", NULL);
}

static void test_external_data_inside_folder(void **state) {
  (void)state;
  dl_diag diag;
  ir_graph *graph = expect_success(CASES "escape/inside.onnx", NULL, &diag);
  ir_value *w = ir_graph_find_value(graph, "w");
  assert_non_null(w);
  assert_int_equal(w->kind, IR_VALUE_CONSTANT);
  const float *data = w->data;
  assert_true(data[0] == 0.0f && data[1] == 1.0f && data[2] == 2.0f && data[3] == 3.0f);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
}

/* From memory there is no model folder, so external data is refused. */
static void test_external_data_refused_from_memory(void **state) {
  (void)state;
  FILE *file = fopen(CASES "escape/inside.onnx", "rb");
  assert_non_null(file);
  char buffer[4096];
  size_t size = fread(buffer, 1, sizeof(buffer), file);
  fclose(file);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_null(dl_onnx_import_memory(buffer, size, "inside.onnx", NULL, NULL, &diag));
  assert_true(has_message(&diag, "inside.onnx: tensor 'w': external data 'inside.bin' is refused"));
  dl_diag_deinit(&diag);
}

/* From memory with a base folder, external data is read from that folder. */
static void test_external_data_from_memory_with_folder(void **state) {
  (void)state;
  FILE *file = fopen(DLCC_MODELS_DIR "/external_data/model.onnx", "rb");
  assert_non_null(file);
  char buffer[8192];
  size_t size = fread(buffer, 1, sizeof(buffer), file);
  fclose(file);
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_onnx_import_memory(buffer, size, "model.onnx",
                                          DLCC_MODELS_DIR "/external_data", NULL, &diag);
  assert_non_null(graph);
  ir_value *bias = ir_graph_find_value(graph, "fc2.bias");
  assert_non_null(bias);
  assert_non_null(bias->data);
  assert_int_equal(bias->type.dims[0], 8);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
}

static void test_every_unsupported_node_is_listed(void **state) {
  (void)state;
  expect_failure(
      CASES "unsupported_ops.onnx", NULL,
      "unsupported_ops.onnx: node 'tfidf_12' (TfIdfVectorizer, opset 17): unsupported op",
      "node 'custom' (Foo, opset 17): unsupported op domain 'com.example'",
      "node 'branch' (If, opset 17): unsupported", "node 'seq' (SequenceEmpty",
      "4 nodes cannot be imported", NULL);
}

/* Nodes found unsupported while building them are all reported; their dependents are
 * skipped without messages of their own. */
static void test_runtime_shapes_are_all_listed(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_null(dl_onnx_import_file(CASES "runtime_shapes.onnx", NULL, &diag));
  assert_true(has_message(&diag, "node 'reshape1' (Reshape, opset 17): unsupported: input 1 "
                                 "'shape' decides the output shape but is computed at run time"));
  assert_true(has_message(&diag, "node 'reshape2' (Reshape, opset 17): unsupported"));
  assert_false(has_message(&diag, "'relu'"));
  assert_int_equal(diag.count, 2);
  dl_diag_deinit(&diag);
}

/* The inputs whose values decide output shapes (SHAPE_INPUTS in ir/ops.def) must be
 * constants; every other input may be computed at run time. Node names are "<op>_<input>"
 * (tests/models/make_import_cases.py). */
static void test_shape_inputs_must_be_constant(void **state) {
  (void)state;
  static const struct {
    const char *op, *node;
    int input;
  } SHAPE_INPUTS[] = {
      {"Reshape", "reshape_1", 1},
      {"Slice", "slice_1", 1},
      {"Slice", "slice_2", 2},
      {"Slice", "slice_3", 3},
      {"Slice", "slice_4", 4},
      {"Squeeze", "squeeze_1", 1},
      {"Unsqueeze", "unsqueeze_1", 1},
      {"ReduceMax", "reducemax_1", 1},
      {"ReduceMean", "reducemean_1", 1},
      {"ReduceMin", "reducemin_1", 1},
      {"ReduceSum", "reducesum_1", 1},
      {"Split", "split_1", 1},
      {"Expand", "expand_1", 1},
      {"Pad", "pad_1", 1},
      {"Pad", "pad_3", 3},
      {"Range", "range_0", 0},
      {"Range", "range_1", 1},
      {"Range", "range_2", 2},
      {"ConstantOfShape", "constantofshape_0", 0},
  };
  enum { COUNT = sizeof(SHAPE_INPUTS) / sizeof(SHAPE_INPUTS[0]) };
  dl_diag diag;
  ir_graph *graph = expect_success(CASES "shape_inputs_constant.onnx", NULL, &diag);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);

  dl_diag_init(&diag);
  assert_null(dl_onnx_import_file(CASES "shape_inputs_runtime.onnx", NULL, &diag));
  for (int i = 0; i < COUNT; i++) {
    char expected[256];
    snprintf(expected, sizeof(expected),
             "node '%s' (%s, opset 18): unsupported: input %d 'dyn' decides the output shape",
             SHAPE_INPUTS[i].node, SHAPE_INPUTS[i].op, SHAPE_INPUTS[i].input);
    if (!has_message(&diag, expected)) {
      print_messages(&diag);
      fail_msg("no message contains \"%s\"", expected);
    }
  }
  assert_int_equal(diag.count, COUNT);
  dl_diag_deinit(&diag);
}

static void test_graph_structure_errors(void **state) {
  (void)state;
  expect_failure(CASES "undefined_input.onnx", NULL, "node 'relu' (Relu, opset 17)",
                 "'nowhere' is not defined before this node", NULL);
  expect_failure(CASES "duplicate_output.onnx", NULL, "output 'x' is already defined", NULL);
  expect_failure(CASES "string_input.onnx", NULL, "value 's': unsupported element type", NULL);
  expect_failure(CASES "missing_dim.onnx", NULL, "value 'x': dimension 1 has neither", NULL);
  expect_failure(CASES "missing_output.onnx", NULL, "graph output 'y' is not computed", NULL);
  expect_failure(CASES "wrong_output_type.onnx", NULL,
                 "graph output 'y' is declared with ONNX element type 7 but computes f32[1,3,8,8]",
                 NULL);
  expect_failure(CASES "wrong_output_shape.onnx", NULL,
                 "graph output 'y' is declared with another shape", NULL);
  expect_failure(CASES "wrong_value_info.onnx", NULL,
                 "value 'r' is declared with another shape (rank 4) than the f32[1,3,8,8]", NULL);
}

static void test_symbolic_dims_and_bindings(void **state) {
  (void)state;
  dl_diag diag;
  ir_graph *graph = expect_success(CASES "symbolic_batch.onnx", NULL, &diag);
  ir_value *x = ir_graph_find_value(graph, "x");
  assert_int_equal(x->type.rank, 2);
  assert_false(ir_dim_is_static(x->type.dims[0]));
  assert_string_equal(graph->symbols[ir_dim_symbol_index(x->type.dims[0])], "batch");
  assert_int_equal(x->type.dims[1], 4);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);

  const char *bindings[] = {"batch=3"};
  dl_onnx_options options = {.dim_bindings = bindings, .num_dim_bindings = 1};
  graph = expect_success(CASES "symbolic_batch.onnx", &options, &diag);
  ir_value *y = graph->body.results[0];
  assert_int_equal(y->type.rank, 2);
  assert_int_equal(y->type.dims[0], 3);
  assert_int_equal(graph->num_symbols, 0);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);

  const char *bad[] = {"batch"};
  dl_onnx_options bad_options = {.dim_bindings = bad, .num_dim_bindings = 1};
  expect_failure(CASES "symbolic_batch.onnx", &bad_options, "binding 'batch' must read NAME=SIZE",
                 NULL);
}

/* A symbolic batch feeding a Shape → Reshape chain: unsupported until bound. */
static void test_dynamic_batch_transformer(void **state) {
  (void)state;
  expect_failure(CASES "transformer_dynamic_batch.onnx", NULL, "(Reshape, opset 18): unsupported",
                 NULL);
  const char *bindings[] = {"batch=2"};
  dl_onnx_options options = {.dim_bindings = bindings, .num_dim_bindings = 1};
  dl_diag diag;
  ir_graph *graph = expect_success(CASES "transformer_dynamic_batch.onnx", &options, &diag);
  ir_value *out = graph->body.results[0];
  assert_int_equal(out->type.rank, 3);
  assert_true(out->type.dims[0] == 2 && out->type.dims[1] == 16 && out->type.dims[2] == 64);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
}

static void test_legacy_forms(void **state) {
  (void)state;
  dl_diag diag;
  ir_graph *graph = expect_success(CASES "cast_string_to.onnx", NULL, &diag);
  assert_int_equal(graph->body.results[0]->type.dtype, IR_DTYPE_F64);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);

  graph = expect_success(CASES "cast_like.onnx", NULL, &diag);
  ir_node *cast = graph->body.last;
  assert_int_equal(cast->op, IR_OP_CAST);
  assert_int_equal(cast->num_inputs, 1);
  assert_int_equal(graph->body.results[0]->type.dtype, IR_DTYPE_I16);
  assert_int_equal(ir_node_attr(cast, "saturate")->as.i, 0);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
  expect_failure(CASES "cast_like_one_input.onnx", NULL, "node 'cast_like' (CastLike, opset 19)",
                 "needs two inputs", NULL);

  /* QuantizeLinear: x / scale (reshaped to [3,1]), rounded, plus the zero point, clipped to
   * [-8, 7] and cast to i4. */
  graph = expect_success(CASES "quantize_int4.onnx", NULL, &diag);
  ir_node *last = graph->body.last;
  assert_int_equal(last->op, IR_OP_CAST);
  assert_int_equal(graph->body.results[0]->type.dtype, IR_DTYPE_I4);
  assert_int_equal(last->inputs[0]->producer->op, IR_OP_CLIP);
  assert_int_equal(last->inputs[0]->producer->inputs[0]->producer->op, IR_OP_ADD);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
  expect_failure(CASES "quantize_bad_axis.onnx", NULL, "node 'q' (QuantizeLinear, opset 21)",
                 "must be 1-D with x's dim 1 (4)", NULL);
  expect_failure(CASES "group_norm_bad_groups.onnx", NULL, "node 'gn' (GroupNormalization, opset 21)",
                 "num_groups 3 must be positive and divide the 4 channels", NULL);
  expect_failure(CASES "group_norm_opset18.onnx", NULL, "node 'gn' (GroupNormalization, opset 18)",
                 "per-group scale and bias", NULL);
  expect_failure(CASES "rnn_bad_activation.onnx", NULL, "node 'rnn' (RNN, opset 22)",
                 "unsupported activation 'Gelu'", NULL);
  expect_failure(CASES "flex_softmax_precision.onnx", NULL, "node 'flex' (FlexAttention",
                 "unsupported: softmax_precision other than float", NULL);
  expect_failure(CASES "linear_attention_bad_rule.onnx", NULL, "node 'la' (LinearAttention)",
                 "update_rule 'softmax' is not one of linear, gated, delta, gated_delta", NULL);
  expect_failure(CASES "causal_conv_bad_activation.onnx", NULL,
                 "node 'cc' (CausalConvWithState, opset 27)", "unsupported activation 'relu'", NULL);

  graph = expect_success(CASES "int8_typed.onnx", NULL, &diag);
  const int8_t *w = ir_graph_find_value(graph, "w")->data;
  assert_true(w[0] == -1 && w[1] == 2 && w[2] == 127);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);

  /* Mul-6 broadcasting b [3,8] at axis 1 of x [1,3,8,8]: b is unsqueezed to [3,8,1]
   * (folded into a constant, as b is one). */
  graph = expect_success(CASES "legacy_broadcast_axis.onnx", NULL, &diag);
  ir_node *mul = graph->body.last;
  assert_int_equal(mul->op, IR_OP_MUL);
  assert_null(ir_node_attr(mul, "axis"));
  assert_null(ir_node_attr(mul, "broadcast"));
  assert_int_equal(mul->inputs[1]->type.rank, 3);
  assert_int_equal(mul->inputs[1]->type.dims[2], 1);
  assert_int_equal(graph->body.results[0]->type.dims[3], 8);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);

  /* Softmax-11 over axis 1 of [1,3,8,8]: Flatten(1) → Softmax(axis 1) → Reshape. */
  graph = expect_success(CASES "softmax_axis1.onnx", NULL, &diag);
  ir_op expected[] = {IR_OP_FLATTEN, IR_OP_SOFTMAX, IR_OP_RESHAPE};
  int count = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, count++)
    if (count < 3)
      assert_int_equal(node->op, expected[count]);
  assert_int_equal(count, 3);
  assert_int_equal(graph->body.first->outputs[0]->type.dims[1], 3 * 8 * 8);
  ir_value *y = graph->body.results[0];
  assert_string_equal(y->name, "y");
  assert_int_equal(y->type.rank, 4);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
}

static unsigned char *read_file(const char *path, size_t *out_size) {
  FILE *file = fopen(path, "rb");
  assert_non_null(file);
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  unsigned char *data = malloc((size_t)size);
  assert_non_null(data);
  assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
  fclose(file);
  *out_size = (size_t)size;
  return data;
}

static void test_empty_input(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  assert_null(dl_onnx_import_memory("", 0, "empty.onnx", NULL, NULL, &diag));
  assert_true(has_message(&diag, "empty.onnx: not a valid ONNX model"));
  dl_diag_deinit(&diag);
}

/* Every prefix of a model fails cleanly (or, rarely, still parses as a smaller model). */
static void test_truncated_models(void **state) {
  (void)state;
  size_t size;
  unsigned char *data = read_file(DLCC_MODELS_DIR "/small_cnn.onnx", &size);
  int parse_failures = 0;
  for (size_t length = 0; length < size; length += 1 + length / 16) {
    dl_diag diag;
    dl_diag_init(&diag);
    ir_graph *graph = dl_onnx_import_memory(data, length, "cut.onnx", NULL, NULL, &diag);
    assert_true(graph != NULL || diag.count > 0);
    parse_failures +=
        has_message(&diag, "cut.onnx: not a valid ONNX model (protobuf parse failed");
    ir_graph_destroy(graph);
    dl_diag_deinit(&diag);
  }
  assert_true(parse_failures > 10);
  free(data);
}

/* Flipping bits anywhere gives a graph or messages, never a crash (run under ASan in CI). */
static void test_bit_flipped_models(void **state) {
  (void)state;
  size_t size;
  unsigned char *data = read_file(DLCC_MODELS_DIR "/transformer_encoder.onnx", &size);
  unsigned seed = 12345;
  int failures = 0;
  for (int trial = 0; trial < 400; trial++) {
    seed = seed * 1103515245u + 12345u;
    /* Flip in the first 4 KiB most of the time: that is where the graph structure is. */
    size_t limit = trial % 4 ? (size < 4096 ? size : 4096) : size;
    size_t at = (seed >> 8) % limit;
    unsigned char bit = (unsigned char)(1u << ((seed >> 4) & 7));
    data[at] ^= bit;
    dl_diag diag;
    dl_diag_init(&diag);
    ir_graph *graph = dl_onnx_import_memory(data, size, "flipped.onnx", NULL, NULL, &diag);
    assert_true(graph != NULL || diag.count > 0);
    for (int i = 0; i < diag.count; i++)
      assert_non_null(strstr(dl_diag_message(&diag, i), "flipped.onnx"));
    failures += graph == NULL;
    ir_graph_destroy(graph);
    dl_diag_deinit(&diag);
    data[at] ^= bit;
  }
  assert_true(failures > 0);
  free(data);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wrong_attribute_type),
      cmocka_unit_test(test_bad_tensors),
      cmocka_unit_test(test_external_data_cannot_escape),
      cmocka_unit_test(test_external_data_inside_folder),
      cmocka_unit_test(test_external_data_refused_from_memory),
      cmocka_unit_test(test_external_data_from_memory_with_folder),
      cmocka_unit_test(test_every_unsupported_node_is_listed),
      cmocka_unit_test(test_runtime_shapes_are_all_listed),
      cmocka_unit_test(test_shape_inputs_must_be_constant),
      cmocka_unit_test(test_graph_structure_errors),
      cmocka_unit_test(test_symbolic_dims_and_bindings),
      cmocka_unit_test(test_dynamic_batch_transformer),
      cmocka_unit_test(test_legacy_forms),
      cmocka_unit_test(test_empty_input),
      cmocka_unit_test(test_truncated_models),
      cmocka_unit_test(test_bit_flipped_models),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
