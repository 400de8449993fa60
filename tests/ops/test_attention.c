/* Attention on the host twin against a double reference (the textbook form: scores, mask,
 * softmax, weighted sum of V): 4-D and 3-D layouts, grouped KV heads, a KV cache with the
 * present outputs, causal masking offset by the cache, bool and broadcast float masks, a
 * mask shorter than the keys, softcap, an explicit scale and the QK output modes; PTX through
 * ptxas. Tolerance rtol 1e-4 / atol 1e-5 (f32 online softmax, kb_exp's few ulp). */
#include <math.h>

#include "pointwise_test.h"

typedef struct attention_case {
  bool three_d, causal, bool_mask;
  int64_t batch, q_heads, kv_heads, q_sequence, kv_sequence, past, head_size, v_head_size;
  int mask_rank;        /* 0: no mask; 2 or 4 */
  int64_t mask_length;  /* the mask's last dim (<= total: the rest is masked) */
  float scale, softcap; /* scale 0: the default 1/sqrt(head size) */
  int qk_mode;          /* -1: no QK output */
} attention_case;

typedef struct reference {
  double *scores, *biased, *probabilities;
} reference;

/* Element t of a [batch, heads, sequence, size] tensor stored 4-D or 3-D. */
static int64_t at(bool three_d, int64_t heads, int64_t sequence, int64_t size, int64_t b, int64_t h,
                  int64_t j, int64_t t) {
  return three_d ? ((b * sequence + j) * heads + h) * size + t
                 : ((b * heads + h) * sequence + j) * size + t;
}

static void run_attention(const attention_case *c) {
  int64_t total = c->past + c->kv_sequence, B_ = c->batch, H = c->q_heads, S = c->q_sequence;
  int64_t D = c->head_size, DV = c->v_head_size, HK = c->kv_heads;
  int rank = c->three_d ? 3 : 4;
  int64_t q_dims[4], k_dims[4], v_dims[4];
  if (c->three_d) {
    int64_t q3[3] = {B_, S, H * D}, k3[3] = {B_, c->kv_sequence, HK * D},
            v3[3] = {B_, c->kv_sequence, HK * DV};
    memcpy(q_dims, q3, sizeof q3), memcpy(k_dims, k3, sizeof k3), memcpy(v_dims, v3, sizeof v3);
  } else {
    int64_t q4[4] = {B_, H, S, D}, k4[4] = {B_, HK, c->kv_sequence, D},
            v4[4] = {B_, HK, c->kv_sequence, DV};
    memcpy(q_dims, q4, sizeof q4), memcpy(k_dims, k4, sizeof k4), memcpy(v_dims, v4, sizeof v4);
  }
  int64_t pk_dims[4] = {B_, HK, c->past, D}, pv_dims[4] = {B_, HK, c->past, DV};
  int64_t mask_dims[4] = {B_, 1, S, c->mask_length};
  if (c->mask_rank == 2)
    mask_dims[0] = S, mask_dims[1] = c->mask_length;
  ir_graph *graph = ir_graph_create("attention");
  ir_value *in[6] = {pt_input(graph, "q", IR_DTYPE_F32, rank, q_dims),
                     pt_input(graph, "k", IR_DTYPE_F32, rank, k_dims),
                     pt_input(graph, "v", IR_DTYPE_F32, rank, v_dims)};
  int inputs_count = 3;
  if (c->mask_rank) {
    in[3] = pt_input(graph, "mask", c->bool_mask ? IR_DTYPE_BOOL : IR_DTYPE_F32, c->mask_rank,
                     mask_dims);
    inputs_count = 4;
  }
  if (c->past) {
    in[4] = pt_input(graph, "past_key", IR_DTYPE_F32, 4, pk_dims);
    in[5] = pt_input(graph, "past_value", IR_DTYPE_F32, 4, pv_dims);
    inputs_count = 6;
  }
  int outputs_count = c->qk_mode >= 0 ? 4 : c->past ? 3 : 1;
  ir_node *node = pt_node(graph, IR_OP_ATTENTION, in, inputs_count, outputs_count);
  if (c->three_d) {
    ir_node_set_int(graph, node, "q_num_heads", H);
    ir_node_set_int(graph, node, "kv_num_heads", HK);
  }
  ir_node_set_int(graph, node, "is_causal", c->causal);
  if (c->scale)
    ir_node_set_float(graph, node, "scale", c->scale);
  if (c->softcap)
    ir_node_set_float(graph, node, "softcap", c->softcap);
  if (c->qk_mode >= 0)
    ir_node_set_int(graph, node, "qk_matmul_output_mode", c->qk_mode);
  pt_infer(graph, node);

  int64_t q_count = B_ * H * S * D, k_count = B_ * HK * c->kv_sequence * D,
          v_count = B_ * HK * c->kv_sequence * DV;
  int64_t mask_count = pt_count(c->mask_rank ? c->mask_rank : 1, mask_dims);
  float *q = pt_random_alloc((size_t)q_count, 1, -1, 1),
        *k = pt_random_alloc((size_t)k_count, 2, -1, 1);
  float *v = pt_random_alloc((size_t)v_count, 3, -1, 1),
        *mask = pt_random_alloc((size_t)mask_count, 4, -2, 1);
  float *past_k = pt_random_alloc((size_t)(B_ * HK * c->past * D), 5, -1, 1);
  float *past_v = pt_random_alloc((size_t)(B_ * HK * c->past * DV), 6, -1, 1);
  uint8_t *bool_mask = malloc((size_t)mask_count);
  for (int64_t m = 0; m < mask_count; m++)
    bool_mask[m] = mask[m] > -0.5f || m % 7 == 0; /* some blocked, never a whole row */
  double scale = c->scale ? c->scale : 1.0 / sqrt((double)D);
  int64_t y_count = B_ * H * S * DV, qk_count = B_ * H * S * total;
  float *y = malloc((size_t)y_count * sizeof(float)),
        *qk = malloc((size_t)qk_count * sizeof(float));
  float *present_k = malloc((size_t)(B_ * HK * total * D) * sizeof(float));
  float *present_v = malloc((size_t)(B_ * HK * total * DV) * sizeof(float));
  double *row = malloc((size_t)total * sizeof(double) * 2);
  for (int64_t b = 0; b < B_; b++)
    for (int64_t g = 0; g < HK; g++)
      for (int64_t j = 0; j < total; j++) {
        for (int64_t t = 0; t < D; t++)
          present_k[((b * HK + g) * total + j) * D + t] =
              j < c->past ? past_k[((b * HK + g) * c->past + j) * D + t]
                          : k[at(c->three_d, HK, c->kv_sequence, D, b, g, j - c->past, t)];
        for (int64_t t = 0; t < DV; t++)
          present_v[((b * HK + g) * total + j) * DV + t] =
              j < c->past ? past_v[((b * HK + g) * c->past + j) * DV + t]
                          : v[at(c->three_d, HK, c->kv_sequence, DV, b, g, j - c->past, t)];
      }
  for (int64_t b = 0; b < B_; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t i = 0; i < S; i++) {
        int64_t g = h / (H / HK);
        double maximum = -INFINITY, sum = 0, *raw = row + total;
        for (int64_t j = 0; j < total; j++) {
          double dot = 0;
          for (int64_t t = 0; t < D; t++)
            dot += (double)q[at(c->three_d, H, S, D, b, h, i, t)] *
                   present_k[((b * HK + g) * total + j) * D + t];
          double s = dot * scale;
          if (c->softcap > 0)
            s = c->softcap * tanh(s / c->softcap);
          raw[j] = s;
          if (c->mask_rank) {
            int64_t m =
                c->mask_rank == 2 ? i * c->mask_length + j : (b * S + i) * c->mask_length + j;
            if (j >= c->mask_length)
              s = -INFINITY;
            else if (c->bool_mask)
              s = bool_mask[m] ? s : -INFINITY;
            else
              s += mask[m];
          }
          if (c->causal && j > i + c->past)
            s = -INFINITY;
          row[j] = s;
          maximum = fmax(maximum, s);
        }
        for (int64_t j = 0; j < total; j++)
          sum += exp(row[j] - maximum);
        for (int64_t d = 0; d < DV; d++) {
          double acc = 0;
          for (int64_t j = 0; j < total; j++)
            acc += exp(row[j] - maximum) / sum * present_v[((b * HK + g) * total + j) * DV + d];
          y[at(c->three_d, H, S, DV, b, h, i, d)] = (float)acc;
        }
        for (int64_t j = 0; j < total; j++)
          qk[((b * H + h) * S + i) * total + j] =
              (float)(c->qk_mode == 3   ? exp(row[j] - maximum) / sum
                      : c->qk_mode == 2 ? row[j]
                                        : raw[j]);
      }
  const void *mask_data = !c->mask_rank ? NULL : c->bool_mask ? (void *)bool_mask : mask;
  const void *inputs[6] = {q, k, v, mask_data, c->past ? past_k : NULL, c->past ? past_v : NULL};
  void *outputs[4];
  pt_run(graph, node, inputs, outputs);
  print_message("Attention %s, %lld/%lld heads, %lld+%lld keys%s%s\n", c->three_d ? "3-D" : "4-D",
                (long long)H, (long long)HK, (long long)c->past, (long long)c->kv_sequence,
                c->causal ? ", causal" : "", c->mask_rank ? ", mask" : "");
  pt_expect_close(outputs[0], y, (size_t)y_count, PT_RTOL, PT_ATOL);
  if (outputs_count > 1) {
    pt_expect_close(outputs[1], present_k, (size_t)(B_ * HK * total * D), 0, 0);
    pt_expect_close(outputs[2], present_v, (size_t)(B_ * HK * total * DV), 0, 0);
  }
  if (outputs_count > 3) {
    /* -inf scores (mode 2) compare equal; the reference's exp is exact, ours a few ulp. */
    float *scores = outputs[3];
    for (int64_t e = 0; e < qk_count; e++)
      if (isinf(qk[e])) {
        assert_true(isinf(scores[e]) && scores[e] < 0);
        qk[e] = scores[e] = 0;
      }
    pt_expect_close(outputs[3], qk, (size_t)qk_count, PT_RTOL, PT_ATOL);
  }
  pt_check_ptx(graph, node);
  for (int o = 0; o < outputs_count; o++)
    free(outputs[o]);
  free(q), free(k), free(v), free(mask), free(past_k), free(past_v), free(bool_mask), free(y),
      free(qk);
  free(present_k), free(present_v), free(row);
  ir_graph_destroy(graph);
}

static void test_attention(void **state) {
  (void)state;
  const attention_case cases[] = {
      /* 3d causal bool mask mask_len: batch qh kvh qs kvs past d dv | mask_rank len scale softcap
         qk */
      {false, false, false, 2, 3, 3, 4, 6, 0, 8, 8, 0, 0, 0, 0, -1},
      {true, false, false, 2, 4, 2, 3, 5, 0, 8, 6, 0, 0, 0.25f, 0, -1}, /* 3-D, GQA, scale */
      {false, true, false, 1, 4, 1, 3, 2, 4, 8, 8, 0, 0, 0, 0, -1},     /* causal after a cache */
      {true, true, false, 2, 2, 2, 4, 4, 2, 4, 4, 0, 0, 0, 0, -1},      /* 3-D cache, causal */
      {false, false, false, 2, 2, 2, 3, 5, 0, 8, 8, 2, 5, 0, 0, 2},     /* float mask 2-D, QK */
      {false, false, true, 2, 2, 1, 3, 5, 2, 8, 8, 4, 7, 0, 0, 3},      /* bool mask 4-D, probs */
      {false, false, false, 1, 2, 2, 3, 6, 0, 8, 8, 4, 4, 0, 0, 1},     /* mask shorter than keys */
      {false, false, false, 1, 2, 2, 3, 6, 0, 8, 8, 0, 0, 0, 2.0f, 0},  /* softcap, raw scores */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_attention(&cases[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_attention)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
