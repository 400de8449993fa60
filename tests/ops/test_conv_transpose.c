/* ConvTranspose on the host twin against a C reference that scatters every input element
 * through the kernel (the definition, not the kernel's gather): 1-D, 2-D with strides, pads,
 * dilations, output_padding, groups and a bias, auto_pad SAME_LOWER, output_shape, 3-D;
 * PTX through ptxas. */
#include "pointwise_test.h"

#include <math.h>
#include <string.h>

typedef struct transpose_case {
  int spatial;
  int64_t batch, channels, outputs, group; /* outputs: M, all groups */
  int64_t in[3], kernel[3], strides[3], dilations[3], pads[6], output_padding[3];
  const char *auto_pad;
  int64_t output_shape[3]; /* 0: none */
  bool bias;
} transpose_case;

static void run_case(const transpose_case *c) {
  int rank = c->spatial + 2;
  int64_t x_dims[5] = {c->batch, c->channels}, w_dims[5] = {c->channels, c->outputs / c->group};
  for (int d = 0; d < c->spatial; d++)
    x_dims[2 + d] = c->in[d], w_dims[2 + d] = c->kernel[d];
  ir_graph *graph = ir_graph_create("conv_transpose");
  ir_value *in[3] = {pt_input(graph, "x", IR_DTYPE_F32, rank, x_dims),
                     pt_input(graph, "w", IR_DTYPE_F32, rank, w_dims),
                     c->bias ? pt_input(graph, "b", IR_DTYPE_F32, 1, &c->outputs) : NULL};
  ir_node *node = pt_node(graph, IR_OP_CONV_TRANSPOSE, in, c->bias ? 3 : 2, 1);
  ir_node_set_int(graph, node, "group", c->group);
  ir_node_set_ints(graph, node, "strides", c->strides, c->spatial);
  ir_node_set_ints(graph, node, "dilations", c->dilations, c->spatial);
  ir_node_set_ints(graph, node, "output_padding", c->output_padding, c->spatial);
  if (c->auto_pad)
    ir_node_set_string(graph, node, "auto_pad", c->auto_pad);
  else
    ir_node_set_ints(graph, node, "pads", c->pads, 2 * c->spatial);
  if (c->output_shape[0])
    ir_node_set_ints(graph, node, "output_shape", c->output_shape, c->spatial);
  pt_infer(graph, node);
  const ir_type *y = &node->outputs[0]->type;
  int64_t nx = 1, nw = 1, ny = 1;
  for (int d = 0; d < rank; d++)
    nx *= x_dims[d], nw *= w_dims[d], ny *= y->dims[d];
  float *x = malloc((size_t)nx * sizeof(float)), *w = malloc((size_t)nw * sizeof(float));
  float *b = malloc((size_t)c->outputs * sizeof(float));
  double *expected = calloc((size_t)ny, sizeof(double));
  for (int64_t e = 0; e < nx; e++)
    x[e] = (float)((e * 13) % 17) * 0.125f - 1;
  for (int64_t e = 0; e < nw; e++)
    w[e] = (float)((e * 7) % 11) * 0.25f - 1.25f;
  for (int64_t m = 0; m < c->outputs; m++)
    b[m] = (float)m * 0.5f;
  /* Begin pads as the op resolved them: what SAME_LOWER or output_shape leave at the start. */
  int64_t begin[3] = {0};
  for (int d = 0; d < c->spatial; d++) {
    int64_t natural = c->strides[d] * (c->in[d] - 1) + c->output_padding[d] +
                      (c->kernel[d] - 1) * c->dilations[d] + 1;
    int64_t total = natural - y->dims[2 + d];
    begin[d] = c->auto_pad ? total - total / 2 : c->pads[d]; /* SAME_LOWER: odd pad first */
  }
  int64_t in_size = nx / (c->batch * c->channels), k_size = nw / w_dims[0] / w_dims[1];
  int64_t out_size = ny / (c->batch * c->outputs), per_group = c->channels / c->group;
  for (int64_t n = 0; n < c->batch; n++)
    for (int64_t ch = 0; ch < c->channels; ch++)
      for (int64_t i = 0; i < in_size; i++)
        for (int64_t m = 0; m < w_dims[1]; m++)
          for (int64_t k = 0; k < k_size; k++) {
            int64_t o = 0, rest_i = i, rest_k = k, at[3], outside = 0;
            for (int d = c->spatial - 1; d >= 0; d--) {
              int64_t id = rest_i % c->in[d], kd = rest_k % c->kernel[d];
              rest_i /= c->in[d], rest_k /= c->kernel[d];
              at[d] = id * c->strides[d] + kd * c->dilations[d] - begin[d];
              outside |= at[d] < 0 || at[d] >= y->dims[2 + d];
            }
            if (outside)
              continue;
            for (int d = 0; d < c->spatial; d++)
              o = o * y->dims[2 + d] + at[d];
            int64_t out_channel = ch / per_group * w_dims[1] + m;
            expected[(n * c->outputs + out_channel) * out_size + o] +=
                (double)x[(n * c->channels + ch) * in_size + i] *
                w[(ch * w_dims[1] + m) * k_size + k];
          }
  const void *inputs[3] = {x, w, b};
  void *outputs[1];
  pt_run(graph, node, inputs, outputs);
  for (int64_t e = 0; e < ny; e++) {
    double want = expected[e] + (c->bias ? b[e / out_size % c->outputs] : 0);
    float got = ((float *)outputs[0])[e];
    if (fabs(got - want) > 1e-4 + 1e-4 * fabs(want))
      fail_msg("%d-D case: element %lld is %g, expected %g", c->spatial, (long long)e, got, want);
  }
  pt_check_ptx(graph, node);
  free(outputs[0]), free(x), free(w), free(b), free(expected);
  ir_graph_destroy(graph);
}

static void test_conv_transpose(void **state) {
  (void)state;
  const transpose_case cases[] = {
      {1, 2, 3, 4, 1, {7}, {3}, {1}, {1}, {0, 0}, {0}, NULL, {0}, false},
      {2, 2, 4, 6, 2, {5, 4}, {3, 2}, {2, 3}, {2, 1}, {1, 0, 2, 1}, {1, 2}, NULL, {0}, true},
      {2, 1, 2, 3, 1, {3, 3}, {3, 3}, {2, 2}, {1, 1}, {0}, {0, 0}, "SAME_LOWER", {0}, false},
      {2, 1, 1, 2, 1, {3, 3}, {3, 3}, {3, 2}, {1, 1}, {0}, {0, 0}, NULL, {10, 8}, true},
      {3,
       1,
       2,
       2,
       2,
       {3, 2, 4},
       {2, 3, 2},
       {1, 2, 2},
       {1, 1, 2},
       {0, 1, 0, 0, 0, 1},
       {0, 1, 1},
       NULL,
       {0},
       true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    run_case(&cases[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_conv_transpose)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
