/* RotaryEmbedding on the host twin against a C reference of the ONNX definition: 4-D with
 * position_ids, 3-D with per-token caches, interleaved pairs, a partial rotary dimension (the
 * rest copied), an out-of-range position (clamped); PTX through ptxas. rtol 1e-5: one
 * multiply-add per element in f32. */
#include "pointwise_test.h"

typedef struct rotary_case {
  bool three_d, interleaved, positions;
  int64_t batch, heads, sequence, head_size, rotary_dim, cache_rows;
} rotary_case;

static void run_rotary(const rotary_case *c) {
  int64_t B_ = c->batch, H = c->heads, S = c->sequence, D = c->head_size, half = c->rotary_dim / 2;
  int64_t x_dims[4] = {B_, H, S, D}, x3[3] = {B_, S, H * D};
  int64_t cache_dims[3] = {B_, S, half}, table_dims[2] = {c->cache_rows, half},
          pos_dims[2] = {B_, S};
  ir_graph *graph = ir_graph_create("rotary");
  ir_value *in[4] = {
      pt_input(graph, "x", IR_DTYPE_F32, c->three_d ? 3 : 4, c->three_d ? x3 : x_dims),
      pt_input(graph, "cos", IR_DTYPE_F32, c->positions ? 2 : 3,
               c->positions ? table_dims : cache_dims),
      pt_input(graph, "sin", IR_DTYPE_F32, c->positions ? 2 : 3,
               c->positions ? table_dims : cache_dims),
      c->positions ? pt_input(graph, "position_ids", IR_DTYPE_I64, 2, pos_dims) : NULL};
  ir_node *node = pt_node(graph, IR_OP_ROTARY_EMBEDDING, in, c->positions ? 4 : 3, 1);
  ir_node_set_int(graph, node, "interleaved", c->interleaved);
  if (c->three_d)
    ir_node_set_int(graph, node, "num_heads", H);
  if (c->rotary_dim != D)
    ir_node_set_int(graph, node, "rotary_embedding_dim", c->rotary_dim);
  pt_infer(graph, node);
  int64_t n = B_ * H * S * D, cache_count = c->positions ? c->cache_rows * half : B_ * S * half;
  float *x = pt_random_alloc((size_t)n, 1, -1, 1), *expected = malloc((size_t)n * sizeof(float));
  float *cosine = pt_random_alloc((size_t)cache_count, 2, -1, 1);
  float *sine = pt_random_alloc((size_t)cache_count, 3, -1, 1);
  int64_t *positions = malloc((size_t)(B_ * S) * sizeof(int64_t));
  for (int64_t p = 0; p < B_ * S && c->positions; p++)
    positions[p] = p == 1 ? c->cache_rows + 5 : (p * 3) % c->cache_rows; /* p 1: clamped */
  for (int64_t b = 0; b < B_; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t s = 0; s < S; s++) {
        int64_t base = c->three_d ? ((b * S + s) * H + h) * D : ((b * H + h) * S + s) * D;
        int64_t row = b * S + s;
        if (c->positions)
          row = positions[row] < c->cache_rows ? positions[row] : c->cache_rows - 1;
        for (int64_t t = 0; t < D; t++)
          expected[base + t] = x[base + t];
        for (int64_t k = 0; k < half; k++) {
          int64_t i1 = c->interleaved ? 2 * k : k, i2 = c->interleaved ? 2 * k + 1 : k + half;
          double co = cosine[row * half + k], si = sine[row * half + k];
          expected[base + i1] = (float)(co * x[base + i1] - si * x[base + i2]);
          expected[base + i2] = (float)(si * x[base + i1] + co * x[base + i2]);
        }
      }
  const void *inputs[4] = {x, cosine, sine, c->positions ? positions : NULL};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  pt_expect_close(outputs[0], expected, (size_t)n, 1e-5, 1e-6);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(x), free(expected), free(cosine), free(sine), free(positions);
  ir_graph_destroy(graph);
}

static void test_rotary_embedding(void **state) {
  (void)state;
  const rotary_case cases[] = {
      {false, false, true, 2, 3, 4, 8, 8, 10}, /* 4-D, position_ids */
      {true, true, false, 2, 2, 3, 8, 8, 0},   /* 3-D, interleaved, per-token caches */
      {false, true, true, 1, 2, 5, 8, 4, 6},   /* half the head rotated */
      {true, false, true, 1, 4, 3, 6, 4, 7},   /* 3-D, partial, halves */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_rotary(&cases[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_rotary_embedding)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
