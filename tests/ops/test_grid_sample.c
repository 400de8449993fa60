/* GridSample and AffineGrid on the host twin against C references: GridSample 2-D with
 * each mode and padding (grid positions inside and well outside the input, align_corners
 * both ways) and 3-D linear; AffineGrid 2-D and 3-D with and without align_corners; PTX
 * through ptxas. */
#include "pointwise_test.h"

#include <math.h>
#include <string.h>

static double reflect(double v, double low, double high) {
  double range = high - low;
  if (v < low || v > high) {
    bool below = v < low;
    double distance = below ? low - v : v - high;
    double turns = trunc(distance / range), rest = distance - turns * range;
    bool even = fmod(turns, 2) == 0;
    return below == even ? low + rest : high - rest;
  }
  return v;
}

typedef struct sampler {
  const char *mode, *padding;
  bool align;
  int spatial;
  const int64_t *in;
} sampler;

static double pixel(const sampler *s, const float *x, const int64_t *index) {
  int64_t offset = 0;
  for (int a = 0; a < s->spatial; a++) {
    int64_t i = index[a], size = s->in[a];
    if (strcmp(s->padding, "zeros") == 0 && (i < 0 || i >= size))
      return 0;
    if (strcmp(s->padding, "reflection") == 0)
      i = (int64_t)reflect((double)i, s->align ? 0 : -0.5, (double)size - (s->align ? 1 : 0.5));
    i = i < 0 ? 0 : i >= size ? size - 1 : i;
    offset = offset * size + i;
  }
  return x[offset];
}

static double keys(double t) { /* A = -0.75 */
  const double a = -0.75;
  t = fabs(t);
  return t <= 1  ? ((a + 2) * t - (a + 3)) * t * t + 1
         : t < 2 ? ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
                 : 0;
}

/* Sample one channel plane `x` at normalized grid point `g` (x first, as the grid stores). */
static double sample(const sampler *s, const float *x, const float *g) {
  double coordinate[3];
  for (int a = 0; a < s->spatial; a++) {
    /* f32 arithmetic, as the reference's float32 coordinates (ties in nearest depend on it) */
    float n = g[s->spatial - 1 - a], size = (float)s->in[a];
    float v = s->align ? (n + 1) / 2 * (size - 1) : ((n + 1) * size - 1) / 2;
    if (strcmp(s->mode, "nearest") == 0)
      v = nearbyintf(v);
    if (strcmp(s->padding, "border") == 0)
      v = fminf(fmaxf(v, 0), size - 1);
    else if (strcmp(s->padding, "reflection") == 0)
      v = (float)reflect(v, s->align ? 0 : -0.5, size - (s->align ? 1 : 0.5));
    coordinate[a] = v;
  }
  int taps = strcmp(s->mode, "nearest") == 0 ? 1 : strcmp(s->mode, "linear") == 0 ? 2 : 4;
  int combinations = (int)pow(taps, s->spatial);
  double sum = 0;
  for (int c = 0; c < combinations; c++) {
    int64_t index[3];
    double weight = 1;
    for (int a = 0, rest = c; a < s->spatial; a++, rest /= taps) {
      int k = rest % taps;
      double base = taps == 1 ? coordinate[a] : floor(coordinate[a]);
      index[a] = (int64_t)base + k - (taps == 4 ? 1 : 0);
      double distance = coordinate[a] - (double)index[a];
      weight *= taps == 1 ? 1 : taps == 2 ? 1 - fabs(distance) : keys(distance);
    }
    sum += weight * pixel(s, x, index);
  }
  return sum;
}

static void run_grid_sample(const char *mode, const char *padding, bool align, int spatial) {
  const int64_t in2[2] = {4, 5}, in3[3] = {3, 4, 2}, out2[2] = {3, 7}, out3[3] = {2, 3, 3};
  const int64_t *in = spatial == 2 ? in2 : in3, *out = spatial == 2 ? out2 : out3;
  int64_t x_dims[5] = {2, 3}, g_dims[5] = {2}, in_size = 1, out_size = 1;
  for (int a = 0; a < spatial; a++) {
    x_dims[2 + a] = in[a], g_dims[1 + a] = out[a];
    in_size *= in[a], out_size *= out[a];
  }
  g_dims[1 + spatial] = spatial;
  ir_graph *graph = ir_graph_create("grid_sample");
  ir_value *inputs_v[2] = {pt_input(graph, "x", IR_DTYPE_F32, spatial + 2, x_dims),
                           pt_input(graph, "grid", IR_DTYPE_F32, spatial + 2, g_dims)};
  ir_node *node = pt_node(graph, IR_OP_GRID_SAMPLE, inputs_v, 2, 1);
  ir_node_set_string(graph, node, "mode", mode);
  ir_node_set_string(graph, node, "padding_mode", padding);
  ir_node_set_int(graph, node, "align_corners", align);
  int64_t nx = 2 * 3 * in_size, ng = 2 * out_size * spatial;
  float *x = malloc((size_t)nx * sizeof(float)), *g = malloc((size_t)ng * sizeof(float));
  for (int64_t e = 0; e < nx; e++)
    x[e] = (float)((e * 29) % 23) * 0.5f - 5;
  for (int64_t e = 0; e < ng; e++) /* [-1.9, 1.9]: inside and beyond both edges */
    g[e] = (float)((e * 37) % 39) * 0.1f - 1.9f;
  const void *inputs[2] = {x, g};
  float *y = pt_run_once(graph, node, inputs);
  sampler s = {mode, padding, align, spatial, in};
  for (int64_t n = 0; n < 2; n++)
    for (int64_t c = 0; c < 3; c++)
      for (int64_t o = 0; o < out_size; o++) {
        double expected = sample(&s, x + (n * 3 + c) * in_size, g + (n * out_size + o) * spatial);
        double actual = y[(n * 3 + c) * out_size + o];
        if (fabs(actual - expected) > 1e-4 + 1e-4 * fabs(expected))
          fail_msg("%s %s align %d %d-D: (%lld, %lld, %lld) is %g, expected %g", mode, padding,
                   align, spatial, (long long)n, (long long)c, (long long)o, actual, expected);
      }
  free(x), free(g), free(y);
}

static void test_grid_sample(void **state) {
  (void)state;
  const char *modes[] = {"nearest", "linear", "cubic"};
  const char *paddings[] = {"zeros", "border", "reflection"};
  for (int m = 0; m < 3; m++)
    for (int p = 0; p < 3; p++)
      for (int align = 0; align < 2; align++)
        run_grid_sample(modes[m], paddings[p], align, 2);
  run_grid_sample("linear", "zeros", false, 3);
  run_grid_sample("nearest", "reflection", true, 3);
}

static void run_affine_grid(int spatial, bool align) {
  const int64_t size2[4] = {2, 3, 4, 5}, size3[5] = {2, 3, 3, 4, 2};
  const int64_t *size = spatial == 2 ? size2 : size3, count = spatial + 2;
  int64_t theta_dims[3] = {2, spatial, spatial + 1};
  ir_graph *graph = ir_graph_create("affine_grid");
  ir_value *inputs_v[2] = {pt_input(graph, "theta", IR_DTYPE_F32, 3, theta_dims),
                           pt_constant(graph, "size", IR_DTYPE_I64, 1, &count, size)};
  ir_node *node = pt_node(graph, IR_OP_AFFINE_GRID, inputs_v, 2, 1);
  ir_node_set_int(graph, node, "align_corners", align);
  float theta[24];
  for (int e = 0; e < 2 * spatial * (spatial + 1); e++)
    theta[e] = (float)((e * 7) % 5) * 0.5f - 1;
  const void *inputs[2] = {theta, NULL}; /* one entry per node input; size is a constant */
  float *y = pt_run_once(graph, node, inputs);
  int64_t points = 1;
  for (int a = 0; a < spatial; a++)
    points *= size[2 + a];
  for (int64_t n = 0; n < 2; n++)
    for (int64_t p = 0; p < points; p++) {
      double base[4] = {0, 0, 0, 1}; /* x, y, z (as many as spatial), then 1 */
      for (int a = spatial - 1, rest = (int)p; a >= 0; rest /= (int)size[2 + a], a--) {
        double i = rest % size[2 + a], length = (double)size[2 + a];
        base[spatial - 1 - a] =
            align ? (length > 1 ? -1 + 2 * i / (length - 1) : -1) : (2 * i + 1) / length - 1;
      }
      base[spatial] = 1;
      for (int j = 0; j < spatial; j++) {
        double expected = 0;
        for (int k = 0; k <= spatial; k++)
          expected += theta[(n * spatial + j) * (spatial + 1) + k] * base[k];
        assert_float_equal(y[(n * points + p) * spatial + j], expected, 1e-5);
      }
    }
  free(y);
}

static void test_affine_grid(void **state) {
  (void)state;
  run_affine_grid(2, false);
  run_affine_grid(2, true);
  run_affine_grid(3, false);
  run_affine_grid(3, true);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_grid_sample),
                                     cmocka_unit_test(test_affine_grid)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
