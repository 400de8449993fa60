/* GatherElements, ScatterElements and ScatterND on the host twin against C references:
 * every axis, negative indices, i32 and i64 indices, each reduction with duplicate indices
 * (applied in order), ScatterND over whole rows and single elements; PTX through ptxas.
 * Bit-exact: the kernels move or combine single elements in the reference's order. */
#include "pointwise_test.h"

enum { DATA_SEED = 5 };

/* Indices in [-size, size): negative ones count from the end. */
static void make_indices(int64_t *indices, int64_t count, int64_t size, uint32_t seed) {
  uint32_t state = seed;
  for (int64_t i = 0; i < count; i++) {
    state = state * 1664525u + 1013904223u;
    indices[i] = (int64_t)((state >> 8) % (uint32_t)(2 * size)) - size;
  }
}

static int64_t wrap(int64_t index, int64_t size) { return index < 0 ? index + size : index; }

static void run_gather_elements(int axis, ir_dtype index_dtype) {
  const int64_t data_dims[3] = {3, 4, 5}, index_dims[3] = {3, 4, 5};
  int64_t index_shape[3] = {index_dims[0], index_dims[1], index_dims[2]};
  index_shape[axis] = 6; /* longer than the data's axis: indices repeat */
  int64_t count = pt_count(3, index_shape), strides[3] = {20, 5, 1};
  ir_graph *graph = ir_graph_create("gather_elements");
  ir_value *in[2] = {pt_input(graph, "data", IR_DTYPE_F32, 3, data_dims),
                     pt_input(graph, "indices", index_dtype, 3, index_shape)};
  ir_node *node = pt_node(graph, IR_OP_GATHER_ELEMENTS, in, 2, 1);
  ir_node_set_int(graph, node, "axis", axis - 3); /* negative axis */
  pt_infer(graph, node);
  float *data = pt_random_alloc(60, DATA_SEED, -1, 1),
        *expected = malloc((size_t)count * sizeof(float));
  int64_t *indices = malloc((size_t)count * sizeof(int64_t));
  int32_t *indices32 = malloc((size_t)count * sizeof(int32_t));
  make_indices(indices, count, data_dims[axis], 3);
  for (int64_t i = 0; i < count; i++) {
    int64_t coords[3] = {i / (index_shape[1] * index_shape[2]), i / index_shape[2] % index_shape[1],
                         i % index_shape[2]};
    coords[axis] = wrap(indices[i], data_dims[axis]);
    expected[i] = data[coords[0] * strides[0] + coords[1] * strides[1] + coords[2]];
    indices32[i] = (int32_t)indices[i];
  }
  const void *inputs[2] = {data, index_dtype == IR_DTYPE_I64 ? (void *)indices : indices32};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  assert_memory_equal(outputs[0], expected, (size_t)count * sizeof(float));
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data), free(expected), free(indices), free(indices32);
  ir_graph_destroy(graph);
}

static void test_gather_elements(void **state) {
  (void)state;
  for (int axis = 0; axis < 3; axis++)
    run_gather_elements(axis, axis == 1 ? IR_DTYPE_I32 : IR_DTYPE_I64);
}

static float combine(const char *reduction, float a, float b) {
  if (strcmp(reduction, "add") == 0)
    return a + b;
  if (strcmp(reduction, "mul") == 0)
    return a * b;
  if (strcmp(reduction, "max") == 0)
    return b > a ? b : a;
  if (strcmp(reduction, "min") == 0)
    return b < a ? b : a;
  return b;
}

/* data [4, 6], indices/updates [4, 5] along axis 1 or [5, 6] along axis 0: duplicates. */
static void run_scatter_elements(int axis, const char *reduction) {
  const int64_t data_dims[2] = {4, 6};
  int64_t update_dims[2] = {4, 6};
  update_dims[1 - axis] = data_dims[1 - axis];
  update_dims[axis] = 5;
  int64_t count = pt_count(2, update_dims);
  ir_graph *graph = ir_graph_create("scatter_elements");
  ir_value *in[3] = {pt_input(graph, "data", IR_DTYPE_F32, 2, data_dims),
                     pt_input(graph, "indices", IR_DTYPE_I64, 2, update_dims),
                     pt_input(graph, "updates", IR_DTYPE_F32, 2, update_dims)};
  ir_node *node = pt_node(graph, IR_OP_SCATTER_ELEMENTS, in, 3, 1);
  ir_node_set_int(graph, node, "axis", axis);
  ir_node_set_string(graph, node, "reduction", reduction);
  pt_infer(graph, node);
  float *data = pt_random_alloc(24, DATA_SEED, 0.5f, 2),
        *updates = pt_random_alloc((size_t)count, 9, 0.5f, 2);
  float expected[24];
  memcpy(expected, data, sizeof(expected));
  int64_t *indices = malloc((size_t)count * sizeof(int64_t));
  make_indices(indices, count, data_dims[axis], 4);
  for (int64_t line = 0; line < count / update_dims[axis]; line++)
    for (int64_t k = 0; k < update_dims[axis]; k++) { /* in the order of the updates */
      int64_t j = axis == 1 ? line * update_dims[1] + k : k * update_dims[1] + line;
      int64_t coords[2] = {j / update_dims[1], j % update_dims[1]};
      coords[axis] = wrap(indices[j], data_dims[axis]);
      float *at = &expected[coords[0] * 6 + coords[1]];
      *at = combine(reduction, *at, updates[j]);
    }
  const void *inputs[3] = {data, indices, updates};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  assert_memory_equal(outputs[0], expected, sizeof(expected));
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data), free(updates), free(indices);
  ir_graph_destroy(graph);
}

static void test_scatter_elements(void **state) {
  (void)state;
  static const char *const REDUCTIONS[] = {"none", "add", "mul", "max", "min"};
  for (int r = 0; r < 5; r++)
    for (int axis = 0; axis < 2; axis++)
      run_scatter_elements(axis, REDUCTIONS[r]);
}

/* data [4, 3, 2]; tuples of `depth` indices name slices of 3*2 (depth 1) or 1 (depth 3). */
static void run_scatter_nd(int depth, const char *reduction) {
  const int64_t data_dims[3] = {4, 3, 2}, tuples = 5;
  int64_t index_dims[2] = {tuples, depth}, slice = depth == 1 ? 6 : 1;
  int64_t update_dims[3] = {tuples, 3, 2};
  ir_graph *graph = ir_graph_create("scatter_nd");
  ir_value *in[3] = {pt_input(graph, "data", IR_DTYPE_F32, 3, data_dims),
                     pt_input(graph, "indices", IR_DTYPE_I64, 2, index_dims),
                     pt_input(graph, "updates", IR_DTYPE_F32, depth == 1 ? 3 : 1, update_dims)};
  ir_node *node = pt_node(graph, IR_OP_SCATTER_ND, in, 3, 1);
  ir_node_set_string(graph, node, "reduction", reduction);
  pt_infer(graph, node);
  float *data = pt_random_alloc(24, DATA_SEED, 0.5f, 2);
  float *updates = pt_random_alloc((size_t)(tuples * slice), 13, 0.5f, 2), expected[24];
  memcpy(expected, data, sizeof(expected));
  int64_t indices[15];
  for (int64_t j = 0; j < tuples; j++)
    for (int d = 0; d < depth; d++)
      make_indices(&indices[j * depth + d], 1, data_dims[d], (uint32_t)(j * 3 + d + 1));
  for (int64_t j = 0; j < tuples; j++) {
    int64_t base = 0, strides[3] = {6, 2, 1};
    for (int d = 0; d < depth; d++)
      base += wrap(indices[j * depth + d], data_dims[d]) * strides[d];
    for (int64_t s = 0; s < slice; s++)
      expected[base + s] = combine(reduction, expected[base + s], updates[j * slice + s]);
  }
  const void *inputs[3] = {data, indices, updates};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  assert_memory_equal(outputs[0], expected, sizeof(expected));
  pt_check_ptx(graph, node);
  free(outputs[0]), free(data), free(updates);
  ir_graph_destroy(graph);
}

static void test_scatter_nd(void **state) {
  (void)state;
  run_scatter_nd(1, "none");
  run_scatter_nd(1, "add");
  run_scatter_nd(3, "mul");
  run_scatter_nd(3, "max");
  run_scatter_nd(1, "min");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_gather_elements),
      cmocka_unit_test(test_scatter_elements),
      cmocka_unit_test(test_scatter_nd),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
