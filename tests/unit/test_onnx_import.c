/* ONNX import of the generated test models (tests/models/make_*.py): graph inputs and
 * outputs with their types, weights kept as constants, shape chains folded, older
 * opsets rewritten into the latest form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/onnx/onnx_import.h"
#include "ir/verify.h"

static ir_graph *import_model(const char *file) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", DLCC_MODELS_DIR, file);
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_onnx_import_file(path, NULL, &diag);
  for (int i = 0; i < diag.count; i++)
    print_message("  message: %s\n", dl_diag_message(&diag, i));
  assert_non_null(graph);
  assert_int_equal(diag.count, 0);
  assert_int_equal(ir_verify_graph(graph, &diag), 0);
  dl_diag_deinit(&diag);
  return graph;
}

static void expect_type(const ir_value *value, ir_dtype dtype, int rank, const int64_t *dims) {
  ir_type expected = ir_type_make(dtype, rank, dims);
  char got[128], want[128];
  ir_type_format(&value->type, NULL, got, sizeof(got));
  ir_type_format(&expected, NULL, want, sizeof(want));
  if (!ir_type_equal(&value->type, &expected))
    fail_msg("value '%s' has type %s, expected %s", value->name, got, want);
}

static int count_ops(const ir_graph *graph, ir_op op) {
  int count = 0;
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    count += node->op == op;
  return count;
}

static void test_mlp(void **state) {
  (void)state;
  ir_graph *graph = import_model("mlp.onnx");
  assert_string_equal(graph->name, "mlp");
  assert_int_equal(graph->body.num_params, 1);
  expect_type(graph->body.params[0], IR_DTYPE_F32, 2, (int64_t[]){4, 64});
  assert_int_equal(graph->body.num_results, 1);
  assert_string_equal(graph->body.results[0]->name, "probabilities");
  expect_type(graph->body.results[0], IR_DTYPE_F32, 2, (int64_t[]){4, 10});
  assert_int_equal(count_ops(graph, IR_OP_GEMM), 3);
  assert_int_equal(count_ops(graph, IR_OP_SOFTMAX), 1);
  /* Initializers are constants with data, not graph inputs. */
  ir_value *weight = ir_graph_find_value(graph, "fc0.weight");
  assert_int_equal(weight->kind, IR_VALUE_CONSTANT);
  assert_non_null(weight->data);
  expect_type(weight, IR_DTYPE_F32, 2, (int64_t[]){64, 128});
  ir_graph_destroy(graph);
}

static void test_small_cnn(void **state) {
  (void)state;
  ir_graph *graph = import_model("small_cnn.onnx");
  expect_type(graph->body.results[0], IR_DTYPE_F32, 2, (int64_t[]){2, 10});
  expect_type(ir_graph_find_value(graph, "block2.pool"), IR_DTYPE_F32, 4, (int64_t[]){2, 16, 8, 8});
  assert_int_equal(count_ops(graph, IR_OP_CONV), 2);
  assert_int_equal(count_ops(graph, IR_OP_BATCH_NORMALIZATION), 2);
  assert_int_equal(count_ops(graph, IR_OP_GLOBAL_AVERAGE_POOL), 1);
  ir_graph_destroy(graph);
}

static void test_resnet18(void **state) {
  (void)state;
  ir_graph *graph = import_model("resnet18.onnx");
  expect_type(graph->body.params[0], IR_DTYPE_F32, 4, (int64_t[]){1, 3, 224, 224});
  expect_type(graph->body.results[0], IR_DTYPE_F32, 2, (int64_t[]){1, 1000});
  expect_type(ir_graph_find_value(graph, "conv1.relu"), IR_DTYPE_F32, 4,
              (int64_t[]){1, 64, 112, 112});
  expect_type(ir_graph_find_value(graph, "layer4.1.out"), IR_DTYPE_F32, 4,
              (int64_t[]){1, 512, 7, 7});
  /* 1 stem + 16 block convs + 3 downsampling shortcuts. */
  assert_int_equal(count_ops(graph, IR_OP_CONV), 20);
  assert_int_equal(count_ops(graph, IR_OP_ADD), 8);
  /* The big weights are used in place, not copied into the arena. */
  assert_true(ir_arena_bytes_used(graph->arena) < 4 * 1024 * 1024);
  ir_graph_destroy(graph);
}

static void test_transformer_shape_chain_is_folded(void **state) {
  (void)state;
  ir_graph *graph = import_model("transformer_encoder.onnx");
  expect_type(graph->body.params[0], IR_DTYPE_I64, 2, (int64_t[]){1, 16});
  expect_type(graph->body.results[0], IR_DTYPE_F32, 3, (int64_t[]){1, 16, 64});
  expect_type(ir_graph_find_value(graph, "probs"), IR_DTYPE_F32, 4, (int64_t[]){1, 4, 16, 16});
  /* Shape → Gather → Unsqueeze → Concat and the Cast/Sqrt scale became constants. */
  ir_value *target = ir_graph_find_value(graph, "q.target");
  assert_int_equal(target->kind, IR_VALUE_CONSTANT);
  const int64_t *dims = target->data;
  assert_true(dims[0] == 1 && dims[1] == 16 && dims[2] == 4 && dims[3] == 16);
  assert_int_equal(count_ops(graph, IR_OP_SHAPE), 0);
  assert_int_equal(count_ops(graph, IR_OP_CONCAT), 0);
  assert_int_equal(count_ops(graph, IR_OP_RESHAPE), 4);
  assert_int_equal(count_ops(graph, IR_OP_ERF), 1);
  ir_graph_destroy(graph);
}

static void test_external_data(void **state) {
  (void)state;
  ir_graph *graph = import_model("external_data/model.onnx");
  ir_value *weight = ir_graph_find_value(graph, "fc1.weight");
  assert_int_equal(weight->kind, IR_VALUE_CONSTANT);
  assert_non_null(weight->data);
  expect_type(graph->body.results[0], IR_DTYPE_F32, 2, (int64_t[]){2, 8});
  ir_graph_destroy(graph);
}

static ir_node *find_node(const ir_graph *graph, ir_op op) {
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    if (node->op == op)
      return node;
  fail_msg("no %s node", ir_op_name(op));
  return NULL;
}

static void test_opset7_is_normalized(void **state) {
  (void)state;
  ir_graph *graph = import_model("opset7.onnx");
  expect_type(graph->body.results[0], IR_DTYPE_F64, 3, (int64_t[]){2, 2, 3});
  /* Clip bounds and Pad pads/value became constant inputs. */
  ir_node *clip = find_node(graph, IR_OP_CLIP);
  assert_int_equal(clip->num_inputs, 3);
  assert_int_equal(clip->inputs[1]->kind, IR_VALUE_CONSTANT);
  assert_true(*(const float *)clip->inputs[1]->data == -0.5f);
  assert_null(ir_node_attr(clip, "min"));
  ir_node *pad = find_node(graph, IR_OP_PAD);
  assert_true(pad->num_inputs >= 3);
  expect_type(pad->inputs[1], IR_DTYPE_I64, 1, (int64_t[]){6});
  expect_type(ir_graph_find_value(graph, "padded"), IR_DTYPE_F32, 3, (int64_t[]){2, 5, 4});
  expect_type(ir_graph_find_value(graph, "sliced"), IR_DTYPE_F32, 3, (int64_t[]){2, 3, 3});
  /* Softmax-1 at axis 1 of a 3-D tensor: Flatten → Softmax → Reshape. */
  assert_int_equal(count_ops(graph, IR_OP_FLATTEN), 1);
  expect_type(ir_graph_find_value(graph, "softmax"), IR_DTYPE_F32, 3, (int64_t[]){2, 3, 3});
  expect_type(ir_graph_find_value(graph, "unsqueezed"), IR_DTYPE_F32, 3, (int64_t[]){1, 2, 3});
  assert_int_equal(find_node(graph, IR_OP_DROPOUT)->num_inputs, 2);
  ir_graph_destroy(graph);
}

static void test_opset11_is_normalized(void **state) {
  (void)state;
  ir_graph *graph = import_model("opset11.onnx");
  expect_type(ir_graph_find_value(graph, "x5"), IR_DTYPE_F32, 5, (int64_t[]){2, 1, 3, 4, 1});
  expect_type(ir_graph_find_value(graph, "x3"), IR_DTYPE_F32, 3, (int64_t[]){2, 3, 4});
  expect_type(ir_graph_find_value(graph, "a"), IR_DTYPE_F32, 3, (int64_t[]){2, 3, 1});
  expect_type(ir_graph_find_value(graph, "b"), IR_DTYPE_F32, 3, (int64_t[]){2, 3, 3});
  expect_type(ir_graph_find_value(graph, "mean"), IR_DTYPE_F32, 3, (int64_t[]){2, 3, 1});
  assert_int_equal(find_node(graph, IR_OP_REDUCE_MEAN)->num_inputs, 2);
  expect_type(graph->body.results[0], IR_DTYPE_F32, 3, (int64_t[]){2, 3, 1});
  assert_int_equal(count_ops(graph, IR_OP_FLATTEN), 1); /* default axis 1 of a 3-D input */
  ir_graph_destroy(graph);
}

static void test_opset13_is_normalized(void **state) {
  (void)state;
  ir_graph *graph = import_model("opset13.onnx");
  assert_int_equal(find_node(graph, IR_OP_REDUCE_MEAN)->num_inputs, 2);
  expect_type(ir_graph_find_value(graph, "a"), IR_DTYPE_F32, 3, (int64_t[]){2, 3, 2});
  expect_type(graph->body.results[0], IR_DTYPE_F32, 3, (int64_t[]){2, 1, 2});
  assert_int_equal(count_ops(graph, IR_OP_FLATTEN), 0); /* Softmax-13 needs no rewrite */
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mlp),
      cmocka_unit_test(test_small_cnn),
      cmocka_unit_test(test_resnet18),
      cmocka_unit_test(test_transformer_shape_chain_is_folded),
      cmocka_unit_test(test_external_data),
      cmocka_unit_test(test_opset7_is_normalized),
      cmocka_unit_test(test_opset11_is_normalized),
      cmocka_unit_test(test_opset13_is_normalized),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
