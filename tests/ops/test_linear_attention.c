/* LinearAttention on the host twin against a C reference (double) of the ONNX recurrence:
 * every update rule, grouped and multi-query heads, decay per key element and per head, beta
 * per head and shared, with and without past_state, explicit scale, sequences longer than
 * the suite's; PTX through ptxas. */
#include "pointwise_test.h"

#include <math.h>
#include <string.h>

typedef struct linear_case {
  const char *rule;
  int64_t batch, sequence, q_heads, kv_heads, key_size, value_size;
  bool past, decay_per_head, beta_shared;
  float scale; /* 0: 1/sqrt(key size) */
} linear_case;

/* The recurrence token by token; y [B, T, Hq*dv], state [B, Hkv, dk, dv]. */
static void reference(const linear_case *c, const float *q, const float *k, const float *v,
                      const float *past, const float *decay, const float *beta, float *y,
                      float *state_out) {
  int64_t T = c->sequence, Hq = c->q_heads, Hk = c->kv_heads, dk = c->key_size, dv = c->value_size,
          group = Hq / Hk;
  bool gated = strncmp(c->rule, "gated", 5) == 0, delta = strstr(c->rule, "delta") != NULL;
  double scale = c->scale != 0 ? c->scale : 1.0 / sqrt((double)dk);
  double *S = calloc((size_t)(dk * dv), sizeof(double)), *u = calloc((size_t)dv, sizeof(double));
  for (int64_t b = 0; b < c->batch; b++)
    for (int64_t h = 0; h < Hk; h++) {
      int64_t base = (b * Hk + h) * dk * dv;
      for (int64_t i = 0; i < dk * dv; i++)
        S[i] = past ? past[base + i] : 0;
      for (int64_t t = 0; t < T; t++) {
        int64_t token = b * T + t;
        const float *kt = k + (token * Hk + h) * dk, *vt = v + (token * Hk + h) * dv;
        if (gated)
          for (int64_t d = 0; d < dk; d++) {
            double g = c->decay_per_head ? decay[token * Hk + h] : decay[(token * Hk + h) * dk + d];
            for (int64_t j = 0; j < dv; j++)
              S[d * dv + j] *= exp(g);
          }
        for (int64_t j = 0; j < dv; j++) {
          u[j] = vt[j];
          if (delta) {
            double retrieved = 0;
            for (int64_t d = 0; d < dk; d++)
              retrieved += S[d * dv + j] * kt[d];
            u[j] = beta[c->beta_shared ? token : token * Hk + h] * (u[j] - retrieved);
          }
        }
        for (int64_t d = 0; d < dk; d++)
          for (int64_t j = 0; j < dv; j++)
            S[d * dv + j] += kt[d] * u[j];
        for (int64_t g = 0; g < group; g++) {
          int64_t hq = h * group + g;
          const float *qt = q + (token * Hq + hq) * dk;
          for (int64_t j = 0; j < dv; j++) {
            double sum = 0;
            for (int64_t d = 0; d < dk; d++)
              sum += qt[d] * S[d * dv + j];
            y[(token * Hq + hq) * dv + j] = (float)(scale * sum);
          }
        }
      }
      for (int64_t i = 0; i < dk * dv; i++)
        state_out[base + i] = (float)S[i];
    }
  free(S), free(u);
}

static void run_linear(const linear_case *c) {
  int64_t B_ = c->batch, T = c->sequence, Hq = c->q_heads, Hk = c->kv_heads, dk = c->key_size,
          dv = c->value_size;
  bool gated = strncmp(c->rule, "gated", 5) == 0, delta = strstr(c->rule, "delta") != NULL;
  int64_t q_dims[3] = {B_, T, Hq * dk}, k_dims[3] = {B_, T, Hk * dk}, v_dims[3] = {B_, T, Hk * dv};
  int64_t s_dims[4] = {B_, Hk, dk, dv};
  int64_t g_dims[3] = {B_, T, c->decay_per_head ? Hk : Hk * dk};
  int64_t b_dims[3] = {B_, T, c->beta_shared ? 1 : Hk};
  ir_graph *graph = ir_graph_create("linear_attention");
  ir_value *in[6] = {pt_input(graph, "query", IR_DTYPE_F32, 3, q_dims),
                     pt_input(graph, "key", IR_DTYPE_F32, 3, k_dims),
                     pt_input(graph, "value", IR_DTYPE_F32, 3, v_dims),
                     c->past ? pt_input(graph, "past_state", IR_DTYPE_F32, 4, s_dims) : NULL,
                     gated ? pt_input(graph, "decay", IR_DTYPE_F32, 3, g_dims) : NULL,
                     delta ? pt_input(graph, "beta", IR_DTYPE_F32, 3, b_dims) : NULL};
  int count = delta ? 6 : gated ? 5 : c->past ? 4 : 3;
  ir_node *node = pt_node(graph, IR_OP_LINEAR_ATTENTION, in, count, 2);
  ir_node_set_int(graph, node, "q_num_heads", Hq);
  ir_node_set_int(graph, node, "kv_num_heads", Hk);
  ir_node_set_string(graph, node, "update_rule", c->rule);
  if (c->scale != 0)
    ir_node_set_float(graph, node, "scale", c->scale);
  pt_infer(graph, node);
  size_t nq = (size_t)(B_ * T * Hq * dk), nk = (size_t)(B_ * T * Hk * dk),
         nv = (size_t)(B_ * T * Hk * dv), ns = (size_t)(B_ * Hk * dk * dv),
         ny = (size_t)(B_ * T * Hq * dv), ng = (size_t)(g_dims[0] * g_dims[1] * g_dims[2]),
         nb = (size_t)(b_dims[0] * b_dims[1] * b_dims[2]);
  float *q = pt_random_alloc(nq, 1, -1, 1), *k = pt_random_alloc(nk, 2, -0.5f, 0.5f);
  float *v = pt_random_alloc(nv, 3, -1, 1), *past = pt_random_alloc(ns, 4, -1, 1);
  float *decay = pt_random_alloc(ng, 5, -0.5f, 0), *beta = pt_random_alloc(nb, 6, 0, 1);
  float *y = malloc(ny * sizeof(float)), *state = malloc(ns * sizeof(float));
  reference(c, q, k, v, c->past ? past : NULL, decay, beta, y, state);
  const void *inputs[6] = {
      q, k, v, c->past ? past : NULL, gated ? decay : NULL, delta ? beta : NULL};
  void *outputs[2];
  pt_run(graph, node, inputs, outputs);
  pt_expect_close(outputs[0], y, ny, 1e-4, 1e-5);
  pt_expect_close(outputs[1], state, ns, 1e-4, 1e-5);
  pt_check_ptx(graph, node);
  free(outputs[0]), free(outputs[1]), free(q), free(k), free(v), free(past), free(decay);
  free(beta), free(y), free(state);
  ir_graph_destroy(graph);
}

static void test_linear_attention(void **state) {
  (void)state;
  const linear_case cases[] = {
      {"gated_delta", 2, 9, 4, 2, 8, 6, true, false, false, 0},   /* grouped heads, a past */
      {"linear", 1, 5, 1, 1, 16, 3, false, false, false, 0},      /* plain sum of k v^T */
      {"gated_delta", 1, 7, 2, 2, 4, 5, false, true, true, 0.5f}, /* per-head decay, shared beta */
      {"delta", 2, 3, 3, 1, 5, 4, true, false, false, 0},         /* multi-query */
      {"gated", 1, 40, 2, 1, 8, 8, false, false, false, 0},       /* a longer prefill */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_linear(&cases[i]);
}

/* An update rule that names no input it has is refused, naming the node. */
static void test_linear_attention_errors(void **state) {
  (void)state;
  int64_t dims[3] = {1, 2, 8};
  ir_graph *graph = ir_graph_create("linear_attention");
  ir_value *in[3] = {pt_input(graph, "query", IR_DTYPE_F32, 3, dims),
                     pt_input(graph, "key", IR_DTYPE_F32, 3, dims),
                     pt_input(graph, "value", IR_DTYPE_F32, 3, dims)};
  ir_node *node = pt_node(graph, IR_OP_LINEAR_ATTENTION, in, 3, 2);
  ir_node_set_int(graph, node, "q_num_heads", 2);
  ir_node_set_int(graph, node, "kv_num_heads", 2);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_not_equal(ir_infer_node(graph, node, &diag), 0); /* gated_delta needs decay */
  assert_non_null(strstr(dl_diag_message(&diag, 0), "needs the decay input"));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "LinearAttention"));
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_linear_attention),
                                     cmocka_unit_test(test_linear_attention_errors)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
