/* Resize's taps (resize_taps.h): coordinate transformation, interpolation coefficients and
 * neighbour indices of one axis, in the order and precision of ONNX's reference. */
#include "codegen/ops/resize_taps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Coefficient lists are at most this long: antialias widens the cubic's 4 taps by
 * 1 / scale, and scales below 1/64 are refused. */
enum { RESIZE_MAX_COEFFS = 4 * 64 + 4 };

static bool mode_is(const ir_resize *plan, const char *name) {
  return strcmp(plan->coordinate_mode, name) == 0;
}

/* The input coordinate of output position y; *extrapolated for tf_crop_and_resize outside
 * the input. The roi's arithmetic is in float, as the reference's float32 roi. */
static double source_coordinate(const ir_resize *plan, int axis, double y, bool *extrapolated) {
  double in = (double)plan->in[axis], scale = plan->scales[axis];
  double out = scale * in, out_int = (double)plan->out[axis];
  *extrapolated = false;
  if (mode_is(plan, "align_corners"))
    return out == 1 ? 0 : y * (in - 1) / (out - 1);
  if (mode_is(plan, "asymmetric"))
    return y / scale;
  if (mode_is(plan, "tf_crop_and_resize")) {
    float start = (float)plan->roi_start[axis], end = (float)plan->roi_end[axis];
    float extent = end - start, offset = start * (float)(in - 1);
    double x = out == 1 ? (double)extent * (in - 1) / 2 : y * (double)extent * (in - 1) / (out - 1);
    x += (double)offset;
    *extrapolated = x < 0 || x > in - 1;
    return x;
  }
  if (mode_is(plan, "pytorch_half_pixel"))
    return out == 1 ? -0.5 : (y + 0.5) / scale - 0.5;
  if (mode_is(plan, "half_pixel_symmetric")) {
    double adjustment = out_int / out, center = in / 2;
    return center * (1 - adjustment) + (y + 0.5) / scale - 0.5;
  }
  return (y + 0.5) / scale - 0.5; /* half_pixel */
}

static double cubic(double x, double a) { /* the cubic convolution kernel at |x| */
  x = fabs(x);
  if (x <= 1)
    return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2)
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

static void normalize(double *coeffs, int n) {
  double sum = 0;
  for (int k = 0; k < n; k++)
    sum += coeffs[k];
  for (int k = 0; k < n; k++)
    coeffs[k] /= sum;
}

/* Interpolation coefficients for the fraction `ratio` in (0, 1]; returns their count. */
static int coefficients(const ir_resize *plan, double ratio, double scale, double *coeffs) {
  if (plan->mode == IR_RESIZE_NEAREST) {
    const char *mode = plan->nearest_mode;
    bool high = ratio == 1 || strcmp(mode, "ceil") == 0 ||
                (strcmp(mode, "round_prefer_floor") == 0 && ratio > 0.5) ||
                (strcmp(mode, "round_prefer_ceil") == 0 && ratio >= 0.5);
    coeffs[0] = !high, coeffs[1] = high;
    return 2;
  }
  double a = plan->cubic_a;
  if (!plan->antialias && plan->mode == IR_RESIZE_LINEAR) {
    coeffs[0] = 1 - ratio, coeffs[1] = ratio;
    return 2;
  }
  if (!plan->antialias) {
    double r = ratio, s = 1 - ratio;
    coeffs[0] = ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a;
    coeffs[1] = ((a + 2) * r - (a + 3)) * r * r + 1;
    coeffs[2] = ((a + 2) * s - (a + 3)) * s * s + 1;
    coeffs[3] = ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a;
    return 4;
  }
  scale = fmin(scale, 1.0);
  int n;
  if (plan->mode == IR_RESIZE_LINEAR) {
    int start = (int)floor(-1 / scale) + 1;
    n = 2 - 2 * start;
    for (int k = 0; k < n; k++)
      coeffs[k] = fmin(fmax(1 - fabs((start + k - ratio) * scale), 0), 1);
  } else {
    int start = (int)floor(-2 / scale) + 1;
    n = 2 - 2 * start;
    for (int k = 0; k < n; k++)
      coeffs[k] = cubic(scale * (start + k - ratio), a);
  }
  normalize(coeffs, n);
  return n;
}

/* First of the n input indices nearest to x, ties to the smaller (the reference pads the
 * axis by ceil(n / 2) on each side and searches there). */
static int64_t first_neighbour(double x, int n) {
  int64_t pad = (n + 1) / 2;
  double padded = x + (double)pad, p = floor(padded), fraction = padded - p;
  int64_t offset = n % 2 == 0 ? (fraction == 0 ? -(n / 2) : -(n / 2) + 1)
                              : (fraction <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1);
  return (int64_t)p + offset - pad;
}

/* Taps of one position: merged by clamped index, zero weights dropped; returns the count. */
static int position_taps(const ir_resize *plan, int axis, int64_t y, int64_t *index,
                         double *weight) {
  bool extrapolated;
  double x = source_coordinate(plan, axis, (double)y, &extrapolated);
  if (extrapolated) {
    index[0] = -1, weight[0] = 0;
    return 1;
  }
  double whole = floor(x), coeffs[RESIZE_MAX_COEFFS];
  int n = coefficients(plan, x == whole ? 1.0 : x - whole, plan->scales[axis], coeffs);
  int64_t first = first_neighbour(x, n), size = plan->in[axis];
  if (plan->exclude_outside) {
    double sum = 0;
    for (int k = 0; k < n; k++) {
      if (first + k < 0 || first + k >= size)
        coeffs[k] = 0;
      sum += coeffs[k];
    }
    for (int k = 0; k < n; k++)
      coeffs[k] /= sum == 0 ? 1 : sum;
  }
  int count = 0;
  for (int k = 0; k < n; k++) {
    int64_t at = first + k < 0 ? 0 : first + k >= size ? size - 1 : first + k;
    if (coeffs[k] == 0)
      continue;
    int j = 0;
    while (j < count && index[j] != at)
      j++;
    if (j == count)
      index[count] = at, weight[count++] = 0;
    weight[j] += coeffs[k];
  }
  if (count == 0) /* every weight 0: read the nearest index, weigh it 0 */
    index[0] = first < 0 ? 0 : first >= size ? size - 1 : first, weight[count++] = 0;
  return count;
}

int resize_taps_compute(const ir_resize *plan, int axis, resize_taps *out) {
  int64_t positions = plan->out[axis];
  int64_t *index =
      malloc((size_t)(positions ? positions : 1) * RESIZE_MAX_COEFFS * sizeof(int64_t));
  double *weight = malloc((size_t)(positions ? positions : 1) * RESIZE_MAX_COEFFS * sizeof(double));
  int *counts = calloc((size_t)(positions ? positions : 1), sizeof(int));
  *out = (resize_taps){.out = positions, .taps = 1};
  if (!index || !weight || !counts) {
    free(index), free(weight), free(counts);
    return -1;
  }
  for (int64_t y = 0; y < positions; y++) {
    counts[y] =
        position_taps(plan, axis, y, index + y * RESIZE_MAX_COEFFS, weight + y * RESIZE_MAX_COEFFS);
    if (counts[y] > out->taps)
      out->taps = counts[y];
  }
  /* Compact to `taps` a position; padding taps repeat the first index with weight 0. */
  for (int64_t y = 0; y < positions; y++)
    for (int k = 0; k < out->taps; k++) {
      int64_t to = y * out->taps + k, from = y * RESIZE_MAX_COEFFS + k; /* to <= from */
      index[to] = k < counts[y] ? index[from] : index[y * out->taps];
      weight[to] = k < counts[y] ? weight[from] : 0;
    }
  free(counts);
  out->index = index, out->weight = weight;
  return 0;
}

void resize_taps_free(resize_taps *taps) {
  free(taps->index), free(taps->weight);
  *taps = (resize_taps){0};
}
