/* Inference of Resize (opsets 11-19; Upsample and Resize-10 are imported as Resize): the
 * output is input 0 with each resized axis scaled, from constant scales or sizes. */
#include "ir/infer/resize.h"

#include <math.h>
#include <string.h>

static bool one_of(const char *value, const char *const *names) {
  for (; *names; names++)
    if (strcmp(value, *names) == 0)
      return true;
  return false;
}

static int read_string(const ir_node *node, const char *name, const char *const *allowed,
                       const char **out, dl_diag *diag) {
  if (ir_attr_string_default(node, name, out, diag) != 0)
    return -1;
  if (!one_of(*out, allowed))
    return ir_node_error(diag, node, "attribute '%s' is '%s', which Resize does not define", name,
                         *out);
  return 0;
}

static int read_attributes(const ir_node *node, ir_resize *r, const char **policy, dl_diag *diag) {
  static const char *const MODES[] = {"nearest", "linear", "cubic", NULL};
  static const char *const COORDINATES[] = {"half_pixel",
                                            "half_pixel_symmetric",
                                            "pytorch_half_pixel",
                                            "align_corners",
                                            "asymmetric",
                                            "tf_crop_and_resize",
                                            NULL};
  static const char *const NEAREST[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil",
                                        NULL};
  static const char *const POLICIES[] = {"stretch", "not_larger", "not_smaller", NULL};
  const char *mode;
  int64_t exclude, antialias;
  float a;
  if (read_string(node, "mode", MODES, &mode, diag) != 0 ||
      read_string(node, "coordinate_transformation_mode", COORDINATES, &r->coordinate_mode, diag) !=
          0 ||
      read_string(node, "nearest_mode", NEAREST, &r->nearest_mode, diag) != 0 ||
      read_string(node, "keep_aspect_ratio_policy", POLICIES, policy, diag) != 0 ||
      ir_attr_int_default(node, "exclude_outside", &exclude, diag) != 0 ||
      ir_attr_int_default(node, "antialias", &antialias, diag) != 0 ||
      ir_attr_float_default(node, "cubic_coeff_a", &a, diag) != 0 ||
      ir_attr_float_default(node, "extrapolation_value", &r->extrapolation_value, diag) != 0)
    return -1;
  r->mode = strcmp(mode, "nearest") == 0  ? IR_RESIZE_NEAREST
            : strcmp(mode, "linear") == 0 ? IR_RESIZE_LINEAR
                                          : IR_RESIZE_CUBIC;
  r->cubic_a = a;
  r->exclude_outside = exclude != 0;
  r->antialias = antialias != 0;
  if (r->antialias && r->mode == IR_RESIZE_NEAREST)
    return ir_node_error(diag, node, "antialias needs mode linear or cubic, not nearest");
  return 0;
}

/* The resized axes: `axes` (normalized, no repeats) or every axis. */
static int read_axes(const ir_node *node, int rank, int *axes, int *count, dl_diag *diag) {
  const int64_t *list = NULL;
  int n = -1;
  if (ir_attr_ints(node, "axes", &list, &n, diag) != 0)
    return -1;
  if (n < 0) {
    for (int i = 0; i < rank; i++)
      axes[i] = i;
    *count = rank;
    return 0;
  }
  int64_t normalized[IR_MAX_RANK];
  if (n > rank)
    return ir_node_error(diag, node, "attribute 'axes' has %d axes for a rank-%d input", n, rank);
  memcpy(normalized, list, (size_t)n * sizeof(int64_t));
  if (ir_normalize_axes(node, "axes", normalized, n, rank, diag) != 0)
    return -1;
  for (int i = 0; i < n; i++)
    axes[i] = (int)normalized[i];
  *count = n;
  return 0;
}

/* A present input with at least one element (opset 11 passes empty scales with sizes). */
static bool given(const ir_node *node, int index) {
  const ir_value *value = ir_node_input(node, index);
  int64_t count = 0;
  return value && !(ir_type_element_count(&value->type, &count) && count == 0);
}

static int read_roi(const ir_node *node, ir_resize *r, const int *axes, int count, dl_diag *diag) {
  for (int d = 0; d < r->rank; d++)
    r->roi_start[d] = 0, r->roi_end[d] = 1;
  if (strcmp(r->coordinate_mode, "tf_crop_and_resize") != 0)
    return 0; /* only this mode reads the roi */
  double roi[2 * IR_MAX_RANK];
  int n = 0;
  if (!given(node, 1))
    return ir_node_error(diag, node, "tf_crop_and_resize needs a roi (input 1)");
  if (ir_node_constant_floats(node, 1, roi, 2 * IR_MAX_RANK, &n, diag) != 0)
    return -1;
  if (n != 2 * count)
    return ir_node_error(diag, node, "roi has %d values; it needs 2 * %d", n, count);
  for (int i = 0; i < count; i++)
    r->roi_start[axes[i]] = roi[i], r->roi_end[axes[i]] = roi[count + i];
  return 0;
}

static int read_sizes(const ir_node *node, ir_resize *r, const int *axes, int count,
                      const char *policy, dl_diag *diag) {
  int64_t sizes[IR_MAX_RANK];
  int n = 0;
  if (ir_node_constant_ints(node, 3, sizes, IR_MAX_RANK, &n, diag) != 0)
    return -1;
  if (n != count)
    return ir_node_error(diag, node, "sizes has %d values for %d resized axes", n, count);
  for (int i = 0; i < count; i++) {
    if (sizes[i] < 0 || r->in[axes[i]] == 0)
      return ir_node_error(diag, node, "sizes[%d] = %lld cannot resize an axis of %lld", i,
                           (long long)sizes[i], (long long)r->in[axes[i]]);
    r->out[axes[i]] = sizes[i];
    r->scales[axes[i]] = (double)sizes[i] / (double)r->in[axes[i]];
  }
  if (strcmp(policy, "stretch") == 0)
    return 0;
  double scale = r->scales[axes[0]];
  for (int i = 1; i < count; i++)
    scale = strcmp(policy, "not_larger") == 0 ? fmin(scale, r->scales[axes[i]])
                                              : fmax(scale, r->scales[axes[i]]);
  for (int i = 0; i < count; i++) {
    r->scales[axes[i]] = scale;
    r->out[axes[i]] = (int64_t)(scale * (double)r->in[axes[i]] + 0.5);
  }
  return 0;
}

static int read_scales(const ir_node *node, ir_resize *r, const int *axes, int count,
                       dl_diag *diag) {
  double scales[IR_MAX_RANK];
  int n = 0;
  if (ir_node_constant_floats(node, 2, scales, IR_MAX_RANK, &n, diag) != 0)
    return -1;
  if (n != count)
    return ir_node_error(diag, node, "scales has %d values for %d resized axes", n, count);
  for (int i = 0; i < count; i++) {
    double size = scales[i] * (double)r->in[axes[i]];
    if (!(scales[i] > 0) || !(size < 1e15))
      return ir_node_error(diag, node, "scales[%d] = %g is not a positive scale", i, scales[i]);
    r->scales[axes[i]] = scales[i];
    r->out[axes[i]] = (int64_t)size;
  }
  return 0;
}

int ir_resize_read(const ir_node *node, const int64_t *in, ir_resize *r, dl_diag *diag) {
  const char *policy;
  int axes[IR_MAX_RANK], count = 0;
  *r = (ir_resize){.rank = node->inputs[0]->type.rank};
  for (int d = 0; d < r->rank; d++)
    r->in[d] = r->out[d] = in[d], r->scales[d] = 1;
  if (read_attributes(node, r, &policy, diag) != 0 ||
      read_axes(node, r->rank, axes, &count, diag) != 0 ||
      read_roi(node, r, axes, count, diag) != 0)
    return -1;
  bool has_scales = given(node, 2), has_sizes = given(node, 3);
  if (has_scales == has_sizes)
    return ir_node_error(diag, node,
                         "Resize needs exactly one of scales (input 2) and sizes "
                         "(input 3)");
  if ((has_sizes ? read_sizes(node, r, axes, count, policy, diag)
                 : read_scales(node, r, axes, count, diag)) != 0)
    return -1;
  for (int d = 0; d < r->rank; d++)
    r->identity[d] = fabs(r->scales[d] - 1) <= 1e-9 && r->out[d] == r->in[d] &&
                     fabs(r->roi_start[d]) <= 1e-9 && fabs(r->roi_end[d] - 1) <= 1e-9;
  return 0;
}

int ir_infer_resize(ir_graph *graph, ir_node *node, dl_diag *diag) {
  const ir_type *x = &node->inputs[0]->type;
  ir_resize r;
  if (ir_expect_rank(graph, node, 0, 1, IR_MAX_RANK, diag) != 0 ||
      ir_expect_static_dims(graph, node, 0, 0, "Resize", diag) != 0 ||
      ir_resize_read(node, x->dims, &r, diag) != 0)
    return -1;
  ir_type result = *x;
  for (int d = 0; d < x->rank; d++)
    result.dims[d] = r.out[d];
  return ir_set_output_type(node, 0, result, diag);
}
