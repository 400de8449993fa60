/* Data-movement lowerings (Transpose, Slice, Expand, Concat, Split, Gather, Pad) on the host
 * twin against C references, for several dtypes, and through ptxas. */
#include "dense_test_util.h"

#include <string.h>

static ir_value *ints_constant(ir_graph *graph, const char *name, const int64_t *values,
                               int count) {
  int64_t dims[1] = {count};
  return ir_graph_add_constant_copy(graph, name, ir_type_make(IR_DTYPE_I64, 1, dims), values);
}

/* Distinct values so that a wrong source index shows. */
static float *iota(int64_t count) {
  float *data = malloc((size_t)(count ? count : 1) * sizeof *data);
  for (int64_t i = 0; i < count; i++)
    data[i] = (float)i * 0.5f - 3.0f;
  return data;
}

static void unravel(int64_t index, int rank, const int64_t *dims, int64_t *coords) {
  for (int d = rank - 1; d >= 0; d--) {
    coords[d] = index % dims[d];
    index /= dims[d];
  }
}

static int64_t ravel(int rank, const int64_t *dims, const int64_t *coords) {
  int64_t index = 0;
  for (int d = 0; d < rank; d++)
    index = index * dims[d] + coords[d];
  return index;
}

/* Runs a one-output node whose input 0 is `x`, compares output 0 exactly with `expected`. */
static void run_and_compare(ir_graph *graph, ir_node *node, const void *x, const void *expected,
                            size_t element_size) {
  dense_infer(graph, node);
  const void *inputs[8] = {x}; /* the harness reads one entry per node input */
  void *outputs[1] = {NULL};
  dense_run(graph, node, inputs, outputs, NULL);
  size_t bytes = (size_t)dense_count(&node->outputs[0]->type) * element_size;
  assert_memory_equal(outputs[0], expected, bytes);
  free(outputs[0]);
  dense_check_ptx(graph, node);
}

static void test_transpose(void **state) {
  (void)state;
  int64_t dims[3] = {2, 3, 5}, perm[3] = {2, 0, 1}, out_dims[3] = {5, 2, 3};
  ir_graph *graph = ir_graph_create("transpose");
  float *x = iota(30), expected[30];
  for (int64_t i = 0; i < 30; i++) {
    int64_t o[3], s[3];
    unravel(i, 3, out_dims, o);
    s[perm[0]] = o[0], s[perm[1]] = o[1], s[perm[2]] = o[2];
    expected[i] = x[ravel(3, dims, s)];
  }
  ir_value *in = ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 3, dims));
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_TRANSPOSE, "t", &in, 1, NULL, 1);
  ir_node_set_ints(graph, node, "perm", perm, 3);
  run_and_compare(graph, node, x, expected, 4);
  /* i64 with the default (reversed) permutation */
  int64_t m_dims[2] = {7, 3}, m[21], m_expected[21];
  for (int i = 0; i < 21; i++)
    m[i] = (int64_t)i * 1000000007LL;
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 7; c++)
      m_expected[r * 7 + c] = m[c * 3 + r];
  ir_value *in64 = ir_graph_add_input(graph, "m", ir_type_make(IR_DTYPE_I64, 2, m_dims));
  run_and_compare(graph, ir_graph_add_node(graph, NULL, IR_OP_TRANSPOSE, "t64", &in64, 1, NULL, 1),
                  m, m_expected, 8);
  /* rank 4 swapping the inner two axes: the outer two merge into one */
  int64_t d4[4] = {2, 3, 4, 5}, p4[4] = {0, 1, 3, 2}, o4[4] = {2, 3, 5, 4};
  float *x4 = iota(120), e4[120];
  for (int64_t i = 0; i < 120; i++) {
    int64_t o[4], src[4];
    unravel(i, 4, o4, o);
    for (int d = 0; d < 4; d++)
      src[p4[d]] = o[d];
    e4[i] = x4[ravel(4, d4, src)];
  }
  ir_value *in4 = ir_graph_add_input(graph, "x4", ir_type_make(IR_DTYPE_F32, 4, d4));
  ir_node *t4 = ir_graph_add_node(graph, NULL, IR_OP_TRANSPOSE, "t4", &in4, 1, NULL, 1);
  ir_node_set_ints(graph, t4, "perm", p4, 4);
  run_and_compare(graph, t4, x4, e4, 4);
  free(x4);
  free(x);
  ir_graph_destroy(graph);
}

static void test_slice_steps(void **state) {
  (void)state;
  int64_t dims[2] = {10, 8};
  int64_t starts[2] = {1, -1}, ends[2] = {9, -100}, axes[2] = {0, 1}, steps[2] = {3, -2};
  ir_graph *graph = ir_graph_create("slice");
  float *x = iota(80), expected[12];
  int n = 0;
  for (int r = 1; r < 9; r += 3)    /* rows 1, 4, 7 */
    for (int c = 7; c >= 0; c -= 2) /* columns 7, 5, 3, 1 */
      expected[n++] = x[r * 8 + c];
  ir_value *inputs[5] = {
      ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 2, dims)),
      ints_constant(graph, "starts", starts, 2), ints_constant(graph, "ends", ends, 2),
      ints_constant(graph, "axes", axes, 2), ints_constant(graph, "steps", steps, 2)};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_SLICE, "s", inputs, 5, NULL, 1);
  run_and_compare(graph, node, x, expected, 4);
  assert_int_equal(node->outputs[0]->type.dims[0], 3);
  assert_int_equal(node->outputs[0]->type.dims[1], 4);
  /* u8, last axis only via axes = [-1], ends past the end */
  uint8_t bytes[80], bytes_expected[50];
  for (int i = 0; i < 80; i++)
    bytes[i] = (uint8_t)(i * 7);
  for (int r = 0; r < 10; r++)
    for (int c = 0; c < 5; c++)
      bytes_expected[r * 5 + c] = bytes[r * 8 + 3 + c];
  int64_t s2 = 3, e2 = 1000, a2 = -1;
  ir_value *in2[4] = {ir_graph_add_input(graph, "b", ir_type_make(IR_DTYPE_U8, 2, dims)),
                      ints_constant(graph, "s2", &s2, 1), ints_constant(graph, "e2", &e2, 1),
                      ints_constant(graph, "a2", &a2, 1)};
  run_and_compare(graph, ir_graph_add_node(graph, NULL, IR_OP_SLICE, "s8", in2, 4, NULL, 1), bytes,
                  bytes_expected, 1);
  free(x);
  ir_graph_destroy(graph);
}

static void test_expand(void **state) {
  (void)state;
  int64_t dims[2] = {3, 1}, shape[3] = {2, 3, 4};
  ir_graph *graph = ir_graph_create("expand");
  float x[3] = {1.5f, -2.0f, 7.0f}, expected[24];
  for (int i = 0; i < 24; i++)
    expected[i] = x[(i / 4) % 3];
  ir_value *inputs[2] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 2, dims)),
                         ints_constant(graph, "shape", shape, 3)};
  run_and_compare(graph, ir_graph_add_node(graph, NULL, IR_OP_EXPAND, "e", inputs, 2, NULL, 1), x,
                  expected, 4);
  ir_graph_destroy(graph);
}

/* Tile of x [2, 3, 1] by repeats [2, 1, 4]: out[i, j, k] = x[i % 2, j, 0]. */
static void test_tile(void **state) {
  (void)state;
  int64_t dims[3] = {2, 3, 1}, repeats[3] = {2, 1, 4};
  ir_graph *graph = ir_graph_create("tile");
  float x[6] = {1, 2, 3, 4, 5, 6}, expected[48];
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 4; k++)
        expected[(i * 3 + j) * 4 + k] = x[(i % 2) * 3 + j];
  ir_value *inputs[2] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 3, dims)),
                         ints_constant(graph, "repeats", repeats, 3)};
  run_and_compare(graph, ir_graph_add_node(graph, NULL, IR_OP_TILE, "t", inputs, 2, NULL, 1), x,
                  expected, 4);
  ir_graph_destroy(graph);
}

/* Concat of `count` f32 parts of [2, sizes[i], 3] along axis 1 (given as -2). */
static void check_concat(int count, const int64_t *sizes) {
  ir_graph *graph = ir_graph_create("concat");
  ir_value *inputs[40];
  const void *data[40];
  float *parts[40];
  int64_t total = 0;
  for (int p = 0; p < count; p++) {
    int64_t dims[3] = {2, sizes[p], 3};
    parts[p] = dense_random_array((size_t)(6 * sizes[p]), (uint32_t)p + 40);
    data[p] = parts[p];
    inputs[p] = ir_graph_add_input(graph, NULL, ir_type_make(IR_DTYPE_F32, 3, dims));
    total += sizes[p];
  }
  float *expected = malloc((size_t)(6 * total) * sizeof *expected);
  for (int b = 0; b < 2; b++) {
    int64_t at = 0;
    for (int p = 0; p < count; p++)
      for (int64_t r = 0; r < sizes[p]; r++, at++)
        for (int c = 0; c < 3; c++)
          expected[(b * total + at) * 3 + c] = parts[p][(b * sizes[p] + r) * 3 + c];
  }
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_CONCAT, "cat", inputs, count, NULL, 1);
  ir_node_set_int(graph, node, "axis", -2);
  dense_infer(graph, node);
  void *outputs[1] = {NULL};
  dense_run(graph, node, data, outputs, NULL);
  assert_memory_equal(outputs[0], expected, (size_t)(6 * total) * sizeof(float));
  dense_check_ptx(graph, node);
  free(outputs[0]);
  free(expected);
  for (int p = 0; p < count; p++)
    free(parts[p]);
  ir_graph_destroy(graph);
}

static void test_concat(void **state) {
  (void)state;
  check_concat(3, (int64_t[]){3, 1, 5});
  check_concat(2, (int64_t[]){0, 4});                                         /* an empty part */
  check_concat(15, (int64_t[]){1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}); /* one launch */
}

/* Lowers `node` for the host and runs every launch, binding any number of inputs and
 * outputs. */
static void run_all_launches(const ir_graph *graph, const ir_node *node, void *const *inputs,
                             void *const *outputs, int expected_launches) {
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options target = {.kind = KB_TARGET_HOST, .opt_level = 2};
  kernel_builder *kb = kb_create(&target, "many", &diag);
  lower_context ctx = {.kb = kb, .graph = graph, .kernel_prefix = "t", .diag = &diag};
  lower_result result;
  assert_int_equal(lower_node(&ctx, node, &result), 0);
  assert_int_equal(result.launch_count, expected_launches);
  kb_jit *jit = kb_jit_create(kb, &diag);
  assert_non_null(jit);
  for (int l = 0; l < result.launch_count; l++) {
    const lower_launch *launch = &result.launches[l];
    const kb_kernel_info *info = kb_kernel_info_find(kb, launch->kernel);
    dlrt_host_block_fn fn = kb_jit_lookup(jit, launch->kernel);
    assert_non_null(info);
    assert_non_null(fn);
    void **pointers = calloc((size_t)launch->arg_count, sizeof(void *));
    void **params = calloc((size_t)launch->arg_count, sizeof(void *));
    for (int a = 0; a < launch->arg_count; a++) {
      const lower_arg *arg = &launch->args[a];
      assert_true(arg->kind == LOWER_ARG_INPUT || arg->kind == LOWER_ARG_OUTPUT);
      pointers[a] = arg->kind == LOWER_ARG_INPUT ? inputs[arg->index] : outputs[arg->index];
      params[a] = &pointers[a];
    }
    dlrt_host_launch host = {.shared_memory = calloc(1, info->shared_bytes + 16),
                             .scratch = calloc(1, info->host_scratch_bytes + 16)};
    memcpy(host.grid, launch->grid, sizeof host.grid);
    memcpy(host.block, launch->block, sizeof host.block);
    for (uint32_t x = 0; x < launch->grid[0]; x++) {
      host.block_index[0] = x;
      fn(params, &host);
    }
    free(host.shared_memory);
    free(host.scratch);
    free(pointers);
    free(params);
  }
  kb_jit_destroy(jit);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

static void test_many_parts(void **state) {
  (void)state;
  /* 20 concat inputs, then 20 split outputs: one launch each (launches take any number of
   * arguments). */
  enum { PARTS = 20 };
  ir_graph *graph = ir_graph_create("many");
  ir_value *inputs[PARTS];
  float *parts[PARTS], *whole = iota(4 * 3 * PARTS);
  for (int p = 0; p < PARTS; p++) {
    int64_t dims[2] = {4, 3};
    inputs[p] = ir_graph_add_input(graph, NULL, ir_type_make(IR_DTYPE_F32, 2, dims));
    parts[p] = malloc(12 * sizeof(float));
    for (int i = 0; i < 12; i++)
      parts[p][i] = whole[(i / 3) * 3 * PARTS + p * 3 + i % 3];
  }
  ir_node *concat = ir_graph_add_node(graph, NULL, IR_OP_CONCAT, "cat", inputs, PARTS, NULL, 1);
  ir_node_set_int(graph, concat, "axis", 1);
  dense_infer(graph, concat);
  float *joined = calloc(12 * PARTS, sizeof(float));
  run_all_launches(graph, concat, (void *const *)parts, (void *const *)&joined, 1);
  assert_memory_equal(joined, whole, 12 * PARTS * sizeof(float));
  ir_value *source = concat->outputs[0];
  ir_node *split = ir_graph_add_node(graph, NULL, IR_OP_SPLIT, "split", &source, 1, NULL, PARTS);
  ir_node_set_int(graph, split, "axis", 1);
  dense_infer(graph, split);
  float *pieces[PARTS];
  for (int p = 0; p < PARTS; p++)
    pieces[p] = calloc(12, sizeof(float));
  run_all_launches(graph, split, (void *const *)&whole, (void *const *)pieces, 1);
  for (int p = 0; p < PARTS; p++) {
    assert_memory_equal(pieces[p], parts[p], 12 * sizeof(float));
    free(pieces[p]);
    free(parts[p]);
  }
  dense_check_ptx(graph, split);
  free(joined);
  free(whole);
  ir_graph_destroy(graph);
}

static void test_split(void **state) {
  (void)state;
  int64_t dims[3] = {2, 9, 3}, sizes[3] = {2, 3, 4};
  ir_graph *graph = ir_graph_create("split");
  float *x = iota(54);
  ir_value *inputs[2] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 3, dims)),
                         ints_constant(graph, "split", sizes, 3)};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_SPLIT, "split", inputs, 2, NULL, 3);
  ir_node_set_int(graph, node, "axis", 1);
  dense_infer(graph, node);
  const void *data[2] = {x, NULL};
  void *outputs[3] = {NULL, NULL, NULL};
  dense_run(graph, node, data, outputs, NULL);
  int64_t offset = 0;
  for (int p = 0; p < 3; p++) {
    const float *part = outputs[p];
    for (int b = 0; b < 2; b++)
      for (int64_t r = 0; r < sizes[p]; r++)
        for (int c = 0; c < 3; c++)
          assert_true(part[(b * sizes[p] + r) * 3 + c] == x[(b * 9 + offset + r) * 3 + c]);
    offset += sizes[p];
    free(outputs[p]);
  }
  dense_check_ptx(graph, node);
  free(x);
  ir_graph_destroy(graph);
}

static void test_gather(void **state) {
  (void)state;
  /* axis 1 with negative i64 indices of shape [2, 2] */
  int64_t dims[3] = {2, 5, 3}, index_dims[2] = {2, 2}, indices[4] = {0, -1, 3, -5};
  ir_graph *graph = ir_graph_create("gather");
  float *x = iota(30), expected[24];
  int n = 0;
  for (int a = 0; a < 2; a++)
    for (int j = 0; j < 4; j++)
      for (int c = 0; c < 3; c++) {
        int64_t index = indices[j] < 0 ? indices[j] + 5 : indices[j];
        expected[n++] = x[(a * 5 + index) * 3 + c];
      }
  ir_value *inputs[2] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 3, dims)),
                         ir_graph_add_constant_copy(
                             graph, "indices", ir_type_make(IR_DTYPE_I64, 2, index_dims), indices)};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_GATHER, "g", inputs, 2, NULL, 1);
  ir_node_set_int(graph, node, "axis", 1);
  run_and_compare(graph, node, x, expected, 4);
  /* An embedding lookup: axis 0, i32 indices as a runtime input. */
  int64_t table_dims[2] = {6, 4}, ids_dims[1] = {3};
  int32_t ids[3] = {5, 0, -2};
  float *table = iota(24), rows[12];
  for (int j = 0; j < 3; j++)
    memcpy(&rows[4 * j], &table[4 * (ids[j] < 0 ? ids[j] + 6 : ids[j])], 4 * sizeof(float));
  ir_value *in2[2] = {ir_graph_add_input(graph, "table", ir_type_make(IR_DTYPE_F32, 2, table_dims)),
                      ir_graph_add_input(graph, "ids", ir_type_make(IR_DTYPE_I32, 1, ids_dims))};
  ir_node *lookup = ir_graph_add_node(graph, NULL, IR_OP_GATHER, "embed", in2, 2, NULL, 1);
  dense_infer(graph, lookup);
  const void *data[2] = {table, ids};
  void *outputs[1] = {NULL};
  dense_run(graph, lookup, data, outputs, NULL);
  assert_memory_equal(outputs[0], rows, sizeof rows);
  free(outputs[0]);
  free(x);
  free(table);
  ir_graph_destroy(graph);
}

/* Pad of a [3, 4] f32 tensor by pads (begin 0, begin 1, end 0, end 1) in `mode`. */
static void check_pad(const char *mode, const int64_t *pads, const float *fill) {
  int64_t dims[2] = {3, 4};
  int64_t out_dims[2] = {3 + pads[0] + pads[2], 4 + pads[1] + pads[3]};
  ir_graph *graph = ir_graph_create("pad");
  float *x = iota(12), expected[256];
  for (int64_t i = 0; i < out_dims[0] * out_dims[1]; i++) {
    int64_t o[2], s[2];
    unravel(i, 2, out_dims, o);
    int outside = 0;
    for (int d = 0; d < 2; d++) {
      s[d] = o[d] - pads[d];
      if (s[d] < 0 || s[d] >= dims[d]) {
        outside = 1;
        if (strcmp(mode, "edge") == 0)
          s[d] = s[d] < 0 ? 0 : dims[d] - 1;
        else if (strcmp(mode, "reflect") == 0)
          s[d] = s[d] < 0 ? -s[d] : 2 * (dims[d] - 1) - s[d];
        else if (strcmp(mode, "wrap") == 0)
          s[d] = (s[d] % dims[d] + dims[d]) % dims[d];
      }
    }
    expected[i] =
        outside && strcmp(mode, "constant") == 0 ? (fill ? *fill : 0.0f) : x[s[0] * 4 + s[1]];
  }
  int64_t scalar_dims[1] = {0};
  ir_value *inputs[3] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_F32, 2, dims)),
                         ints_constant(graph, "pads", pads, 4),
                         fill ? ir_graph_add_constant_copy(
                                    graph, "fill", ir_type_make(IR_DTYPE_F32, 0, scalar_dims), fill)
                              : NULL};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_PAD, "pad", inputs, fill ? 3 : 2, NULL, 1);
  ir_node_set_string(graph, node, "mode", mode);
  run_and_compare(graph, node, x, expected, 4);
  free(x);
  ir_graph_destroy(graph);
}

static void test_pad(void **state) {
  (void)state;
  float fill = 2.5f;
  check_pad("constant", (int64_t[]){1, 2, 0, 3}, &fill);
  check_pad("constant", (int64_t[]){0, -1, 2, 1}, NULL); /* a negative pad crops */
  check_pad("edge", (int64_t[]){2, 1, 1, 3}, NULL);
  check_pad("reflect", (int64_t[]){2, 3, 2, 1}, NULL);
  check_pad("wrap", (int64_t[]){1, 2, 2, 5}, NULL);
}

/* Pad's axes input (opset 18) with an i8 tensor and a runtime fill value. */
static void test_pad_axes_and_runtime_fill(void **state) {
  (void)state;
  int64_t dims[2] = {2, 3}, pads[2] = {1, 2}, axes[1] = {-1}, scalar[1] = {0};
  int8_t x[6] = {1, -2, 3, -4, 5, -6}, fill = -7;
  int8_t expected[12] = {-7, 1, -2, 3, -7, -7, -7, -4, 5, -6, -7, -7};
  ir_graph *graph = ir_graph_create("pad_axes");
  ir_value *inputs[4] = {ir_graph_add_input(graph, "x", ir_type_make(IR_DTYPE_I8, 2, dims)),
                         ints_constant(graph, "pads", pads, 2),
                         ir_graph_add_input(graph, "fill", ir_type_make(IR_DTYPE_I8, 0, scalar)),
                         ints_constant(graph, "axes", axes, 1)};
  ir_node *node = ir_graph_add_node(graph, NULL, IR_OP_PAD, "pad", inputs, 4, NULL, 1);
  dense_infer(graph, node);
  assert_int_equal(node->outputs[0]->type.dims[1], 6);
  const void *data[4] = {x, NULL, &fill, NULL};
  void *outputs[1] = {NULL};
  dense_run(graph, node, data, outputs, NULL);
  assert_memory_equal(outputs[0], expected, sizeof expected);
  free(outputs[0]);
  dense_check_ptx(graph, node);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_transpose),
      cmocka_unit_test(test_slice_steps),
      cmocka_unit_test(test_expand),
      cmocka_unit_test(test_tile),
      cmocka_unit_test(test_concat),
      cmocka_unit_test(test_split),
      cmocka_unit_test(test_gather),
      cmocka_unit_test(test_pad),
      cmocka_unit_test(test_many_parts),
      cmocka_unit_test(test_pad_axes_and_runtime_fill),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
