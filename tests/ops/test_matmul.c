/* MatMul lowering (tiled GEMM) on the host twin against a C reference (f32, f16, bf16), and
 * through ptxas. */
#include "dense_test_util.h"

#include <math.h>
#include <string.h>

/* Offset of a right-aligned broadcast operand's matrix for output batch index `batch`. */
static int64_t reference_batch_offset(const ir_type *operand, int matrix_rank, int64_t matrix,
                                      const int64_t *batch_dims, int batch_rank, int64_t batch) {
  int own_rank = operand->rank - matrix_rank;
  int64_t offset = 0, stride = matrix;
  for (int d = batch_rank - 1; d >= 0; d--) {
    int64_t index = batch % batch_dims[d];
    batch /= batch_dims[d];
    int own = d - (batch_rank - own_rank);
    if (own < 0)
      continue;
    if (operand->dims[own] != 1)
      offset += index * stride;
    stride *= operand->dims[own];
  }
  return offset;
}

static void reference_matmul(const ir_type *a, const float *a_data, const ir_type *b,
                             const float *b_data, const ir_type *y, float *out) {
  int64_t m = a->rank == 1 ? 1 : a->dims[a->rank - 2], k = a->dims[a->rank - 1];
  int64_t n = b->rank == 1 ? 1 : b->dims[b->rank - 1];
  int batch_rank = y->rank - (a->rank == 1 ? 0 : 1) - (b->rank == 1 ? 0 : 1);
  int64_t batch_count = 1;
  for (int d = 0; d < batch_rank; d++)
    batch_count *= y->dims[d];
  for (int64_t batch = 0; batch < batch_count; batch++) {
    const float *a_matrix =
        a_data + reference_batch_offset(a, a->rank == 1 ? 1 : 2, m * k, y->dims, batch_rank, batch);
    const float *b_matrix =
        b_data + reference_batch_offset(b, b->rank == 1 ? 1 : 2, k * n, y->dims, batch_rank, batch);
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < n; j++) {
        double sum = 0;
        for (int64_t p = 0; p < k; p++)
          sum += (double)a_matrix[i * k + p] * b_matrix[p * n + j];
        out[(batch * m + i) * n + j] = (float)sum;
      }
  }
}

/* Builds Y = MatMul(A, B) with A an input and B a constant (like a weight), runs it and
 * compares; checks the PTX when `ptx` is set. */
static void check_matmul(int a_rank, const int64_t *a_dims, int b_rank, const int64_t *b_dims,
                         const int64_t *expected_dims, int expected_rank, int ptx,
                         const char *label) {
  ir_graph *graph = ir_graph_create("matmul");
  ir_type a_type = dense_type(IR_DTYPE_F32, a_rank, a_dims);
  ir_type b_type = dense_type(IR_DTYPE_F32, b_rank, b_dims);
  float *a_data = dense_random_array((size_t)dense_count(&a_type), 1);
  float *b_data = dense_random_array((size_t)dense_count(&b_type), 2);
  ir_value *inputs[2] = {ir_graph_add_input(graph, "a", a_type),
                         ir_graph_add_constant(graph, "b", b_type, b_data)};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_MATMUL, "mm", inputs, 2, NULL, 1);
  dense_infer(graph, node);
  const ir_type *y = &node->outputs[0]->type;
  assert_int_equal(y->rank, expected_rank);
  for (int d = 0; d < expected_rank; d++)
    assert_int_equal(y->dims[d], expected_dims[d]);
  const void *data[2] = {a_data, NULL};
  void *outputs[1] = {NULL};
  dense_run(graph, node, data, outputs, label);
  size_t count = (size_t)dense_count(y);
  float *expected = malloc(count * sizeof *expected);
  reference_matmul(&a_type, a_data, &b_type, b_data, y, expected);
  dense_expect_close(outputs[0], expected, count, 1e-4);
  if (ptx)
    dense_check_ptx(graph, node);
  free(expected);
  free(outputs[0]);
  free(a_data);
  free(b_data);
  ir_graph_destroy(graph);
}

static void test_square_tile_multiple(void **state) {
  (void)state;
  check_matmul(2, (int64_t[]){64, 32}, 2, (int64_t[]){32, 128}, (int64_t[]){64, 128}, 2, 1,
               "64x32 @ 32x128");
}

static void test_ragged_edges(void **state) {
  (void)state;
  /* M, N and K all off the 64/64/16 tile grid. */
  check_matmul(2, (int64_t[]){67, 37}, 2, (int64_t[]){37, 71}, (int64_t[]){67, 71}, 2, 0, NULL);
  check_matmul(2, (int64_t[]){1, 5}, 2, (int64_t[]){5, 3}, (int64_t[]){1, 3}, 2, 0, NULL);
  check_matmul(2, (int64_t[]){130, 17}, 2, (int64_t[]){17, 1}, (int64_t[]){130, 1}, 2, 0, NULL);
  /* K = 0: every output is an empty sum. */
  check_matmul(2, (int64_t[]){3, 0}, 2, (int64_t[]){0, 4}, (int64_t[]){3, 4}, 2, 0, NULL);
}

/* Grid of the node's first launch, lowered for the host; returns the launch count. */
static int64_t lowered_counter_bytes; /* of the last lowered_grid */

static int lowered_grid(int64_t m, int64_t k, int64_t n, uint32_t *grid) {
  ir_graph *graph = ir_graph_create("grid");
  int64_t a_dims[2] = {m, k}, b_dims[2] = {k, n};
  ir_value *inputs[2] = {ir_graph_add_input(graph, "a", dense_type(IR_DTYPE_F32, 2, a_dims)),
                         ir_graph_add_input(graph, "b", dense_type(IR_DTYPE_F32, 2, b_dims))};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_MATMUL, "mm", inputs, 2, NULL, 1);
  dense_infer(graph, node);
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options target = {.kind = KB_TARGET_HOST};
  kernel_builder *kb = kb_create(&target, "grid", &diag);
  lower_context ctx = {.kb = kb, .graph = graph, .kernel_prefix = "t", .diag = &diag};
  lower_result result;
  assert_int_equal(lower_node(&ctx, node, &result), 0);
  memcpy(grid, result.launches[0].grid, 3 * sizeof *grid);
  lowered_counter_bytes = result.counter_bytes;
  kb_destroy(kb);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
  return result.launch_count;
}

static void test_thin_tiles(void **state) {
  (void)state;
  uint32_t grid[3];
  assert_int_equal(lowered_grid(5, 37, 8300, grid), 1); /* 16x256 tiles */
  assert_int_equal(grid[0], 33);
  assert_int_equal(grid[1], 1);
  lowered_grid(5, 37, 1000, grid); /* too few 256-column blocks: 64x64 tiles */
  assert_int_equal(grid[0], 16);
  lowered_grid(17, 37, 8300, grid); /* M above 16: 64x64 tiles */
  assert_int_equal(grid[0], 130);
  /* 4 blocks of 256 columns, but K splits 8 ways: 32 thin blocks, not 16x4 wide ones */
  lowered_grid(1, 2048, 1000, grid);
  assert_int_equal(grid[0], 4);
  assert_int_equal(grid[1], 1);
  assert_int_equal(grid[2], 8);
  assert_int_equal(lowered_counter_bytes, 4 * 4);
  check_matmul(2, (int64_t[]){1, 2048}, 2, (int64_t[]){2048, 1000}, (int64_t[]){1, 1000}, 2, 1,
               "thin split-K 1x2048 @ 2048x1000");
  /* M <= 16 with enough columns for 32 blocks of 256: the 16x256 tile shape. */
  check_matmul(2, (int64_t[]){5, 37}, 2, (int64_t[]){37, 8300}, (int64_t[]){5, 8300}, 2, 1,
               "thin 5x37 @ 37x8300");
  check_matmul(3, (int64_t[]){40, 16, 9}, 3, (int64_t[]){40, 9, 230}, (int64_t[]){40, 16, 230}, 3,
               0, NULL);
}

static void test_split_k(void **state) {
  (void)state;
  uint32_t grid[3];
  /* 16 output tiles and 32 K tiles: two K splits in one launch (the last block of each
   * tile adds them up), one counter per output tile. */
  assert_int_equal(lowered_grid(128, 512, 512, grid), 1);
  assert_int_equal(grid[2], 2);
  assert_int_equal(lowered_counter_bytes, 16 * 4);
  assert_int_equal(lowered_grid(512, 512, 512, grid), 1); /* 64 tiles: no split */
  assert_int_equal(grid[2], 1);
  assert_int_equal(lowered_counter_bytes, 0);
  /* one output tile, K = 1000 (63 K tiles in 3 uneven splits) */
  assert_int_equal(lowered_grid(7, 1000, 45, grid), 1);
  assert_int_equal(grid[2], 3);
  assert_int_equal(lowered_counter_bytes, 4);
  check_matmul(2, (int64_t[]){7, 1000}, 2, (int64_t[]){1000, 45}, (int64_t[]){7, 45}, 2, 1,
               "split-K 7x1000 @ 1000x45");
  check_matmul(1, (int64_t[]){4096}, 2, (int64_t[]){4096, 96}, (int64_t[]){96}, 1, 0,
               "split-K vector 4096 @ 4096x96");
}

static void test_batched(void **state) {
  (void)state;
  check_matmul(3, (int64_t[]){3, 20, 33}, 3, (int64_t[]){3, 33, 18}, (int64_t[]){3, 20, 18}, 3, 1,
               "batched 3x20x33 @ 3x33x18");
}

static void test_broadcast_batch(void **state) {
  (void)state;
  /* B's batch of 1 broadcasts over A's 2x3; A's 1 broadcasts over B's 4. */
  check_matmul(4, (int64_t[]){2, 3, 9, 17}, 3, (int64_t[]){1, 17, 5}, (int64_t[]){2, 3, 9, 5}, 4, 0,
               NULL);
  check_matmul(3, (int64_t[]){1, 6, 10}, 3, (int64_t[]){4, 10, 7}, (int64_t[]){4, 6, 7}, 3, 1,
               NULL);
  /* A shared weight over a folded batch (transformer projection). */
  check_matmul(3, (int64_t[]){2, 50, 96}, 2, (int64_t[]){96, 80}, (int64_t[]){2, 50, 80}, 3, 1,
               "2x50x96 @ 96x80 (batch folded into M)");
}

static void test_vectors(void **state) {
  (void)state;
  check_matmul(1, (int64_t[]){19}, 2, (int64_t[]){19, 23}, (int64_t[]){23}, 1, 1, NULL);
  check_matmul(2, (int64_t[]){21, 19}, 1, (int64_t[]){19}, (int64_t[]){21}, 1, 0, NULL);
  check_matmul(1, (int64_t[]){40}, 1, (int64_t[]){40}, (int64_t[]){0}, 0, 0, NULL);
  check_matmul(3, (int64_t[]){2, 4, 9}, 1, (int64_t[]){9}, (int64_t[]){2, 4}, 2, 0, NULL);
  check_matmul(1, (int64_t[]){9}, 3, (int64_t[]){3, 9, 5}, (int64_t[]){3, 5}, 2, 0, NULL);
}

static void test_transformer_sized(void **state) {
  (void)state;
  check_matmul(2, (int64_t[]){128, 512}, 2, (int64_t[]){512, 512}, (int64_t[]){128, 512}, 2, 0,
               "128x512 @ 512x512");
}

/* Random ranks (1-4), sizes around the tile edges and broadcast batch dims of 1. */
static void test_random_shapes(void **state) {
  (void)state;
  uint32_t seed = 12345;
  for (int trial = 0; trial < 8; trial++) {
    int a_rank = 1 + (int)((dense_random(&seed) + 1) * 2),
        b_rank = 1 + (int)((dense_random(&seed) + 1) * 2);
    int64_t m = 1 + (int64_t)((dense_random(&seed) + 1) * 40),
            n = 1 + (int64_t)((dense_random(&seed) + 1) * 40);
    int64_t k = 1 + (int64_t)((dense_random(&seed) + 1) * 40);
    int64_t batch[2] = {1 + (int64_t)((dense_random(&seed) + 1) * 1.5), 3};
    int64_t a_dims[4], b_dims[4], y_dims[4];
    int a_batch = a_rank > 2 ? a_rank - 2 : 0, b_batch = b_rank > 2 ? b_rank - 2 : 0;
    int y_batch = a_batch > b_batch ? a_batch : b_batch;
    for (int d = 0; d < a_batch; d++) /* A broadcasts its first batch dim when trial is odd */
      a_dims[d] = (trial & 1) && d == 0 && a_batch == y_batch ? 1 : batch[2 - a_batch + d];
    for (int d = 0; d < b_batch; d++)
      b_dims[d] = batch[2 - b_batch + d];
    for (int d = 0; d < y_batch; d++) {
      int64_t from_a = d - (y_batch - a_batch) >= 0 ? a_dims[d - (y_batch - a_batch)] : 1;
      int64_t from_b = d - (y_batch - b_batch) >= 0 ? b_dims[d - (y_batch - b_batch)] : 1;
      y_dims[d] = from_a > from_b ? from_a : from_b;
    }
    int y_rank = y_batch;
    if (a_rank == 1)
      a_dims[0] = k;
    else
      a_dims[a_batch] = m, a_dims[a_batch + 1] = k, y_dims[y_rank++] = m;
    if (b_rank == 1)
      b_dims[0] = k;
    else
      b_dims[b_batch] = k, b_dims[b_batch + 1] = n, y_dims[y_rank++] = n;
    check_matmul(a_rank, a_dims, b_rank, b_dims, y_dims, y_rank, 0, NULL);
  }
}

/* f16 and bf16 MatMul: operands widened exactly, sums in f32, one rounding into the output:
 * each element within half an ulp of the output type (plus the f32 sum's error) of the
 * double-precision product of the rounded operands. 40x70 @ 70x33 (ragged tiles, 5 K slices). */
static void check_half_matmul(ir_dtype dtype) {
  int64_t a_dims[2] = {40, 70}, b_dims[2] = {70, 33};
  ir_graph *graph = ir_graph_create("matmul_half");
  ir_type a_type = dense_type(dtype, 2, a_dims), b_type = dense_type(dtype, 2, b_dims);
  float *a = dense_random_array(40 * 70, 5), *b = dense_random_array(70 * 33, 6);
  uint16_t a_bits[40 * 70], b_bits[70 * 33];
  bool half = dtype == IR_DTYPE_F16;
  for (int i = 0; i < 40 * 70; i++) {
    a_bits[i] = half ? ir_f32_to_f16(a[i]) : ir_f32_to_bf16(a[i]);
    a[i] = half ? ir_f16_to_f32(a_bits[i]) : ir_bf16_to_f32(a_bits[i]);
  }
  for (int i = 0; i < 70 * 33; i++) {
    b_bits[i] = half ? ir_f32_to_f16(b[i]) : ir_f32_to_bf16(b[i]);
    b[i] = half ? ir_f16_to_f32(b_bits[i]) : ir_bf16_to_f32(b_bits[i]);
  }
  ir_value *inputs[2] = {ir_graph_add_input(graph, "a", a_type),
                         ir_graph_add_constant(graph, "b", b_type, b_bits)};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_MATMUL, "mm", inputs, 2, NULL, 1);
  dense_infer(graph, node);
  assert_int_equal(node->outputs[0]->type.dtype, dtype);
  const void *data[2] = {a_bits, NULL};
  void *outputs[1] = {NULL};
  dense_run(graph, node, data, outputs, "half");
  float expected[40 * 33];
  reference_matmul(&a_type, a, &b_type, b, &node->outputs[0]->type, expected);
  const uint16_t *y = outputs[0];
  double ulp = half ? 1.0 / 1024 : 1.0 / 128;
  for (int i = 0; i < 40 * 33; i++) {
    double actual = half ? ir_f16_to_f32(y[i]) : ir_bf16_to_f32(y[i]);
    assert_true(fabs(actual - expected[i]) <= fabs(expected[i]) * ulp * 0.5 + 1e-4);
  }
  dense_check_ptx(graph, node);
  free(outputs[0]), free(a), free(b);
  ir_graph_destroy(graph);
}

static void test_half_types(void **state) {
  (void)state;
  check_half_matmul(IR_DTYPE_F16);
  check_half_matmul(IR_DTYPE_BF16);
}

static void test_rejects_integer(void **state) {
  (void)state;
  ir_graph *graph = ir_graph_create("matmul_i32");
  int64_t dims[2] = {4, 4};
  ir_value *inputs[2] = {ir_graph_add_input(graph, "a", dense_type(IR_DTYPE_I32, 2, dims)),
                         ir_graph_add_input(graph, "b", dense_type(IR_DTYPE_I32, 2, dims))};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_MATMUL, "int_mm", inputs, 2, NULL, 1);
  dense_infer(graph, node);
  dl_diag diag;
  dl_diag_init(&diag);
  void *outputs[1] = {NULL};
  assert_int_equal(op_harness_run(graph, node, NULL, outputs, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "int_mm"));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "f32"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_square_tile_multiple),
      cmocka_unit_test(test_ragged_edges),
      cmocka_unit_test(test_thin_tiles),
      cmocka_unit_test(test_split_k),
      cmocka_unit_test(test_batched),
      cmocka_unit_test(test_broadcast_batch),
      cmocka_unit_test(test_vectors),
      cmocka_unit_test(test_transformer_sized),
      cmocka_unit_test(test_random_shapes),
      cmocka_unit_test(test_half_types),
      cmocka_unit_test(test_rejects_integer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
