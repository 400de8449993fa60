/* Sliding-window geometry (ONNX Conv/AveragePool/MaxPool output size formulas). */
#include "ir/infer/window.h"

#include <string.h>

/* Attribute values beyond this are rejected so the size arithmetic cannot overflow. */
static const int64_t WINDOW_ATTR_LIMIT = (int64_t)1 << 31;

/* Reads an ints attribute of exactly `count` values in [minimum, limit) into `out`,
 * or fills `fallback` when it is absent. */
static int read_window_ints(const ir_node *node, const char *name, int count, int64_t minimum,
                            int64_t fallback, int64_t *out, dl_diag *diag) {
  const int64_t *values;
  int length;
  if (ir_attr_ints(node, name, &values, &length, diag) != 0)
    return -1;
  if (length < 0) {
    for (int i = 0; i < count; i++)
      out[i] = fallback;
    return 0;
  }
  if (length != count)
    return ir_node_error(diag, node, "attribute '%s' has %d values but needs %d", name, length,
                         count);
  for (int i = 0; i < count; i++) {
    if (values[i] < minimum || values[i] >= WINDOW_ATTR_LIMIT)
      return ir_node_error(diag, node,
                           "attribute '%s' value %d is %lld; it must be in [%lld, %lld)", name, i,
                           (long long)values[i], (long long)minimum, (long long)WINDOW_ATTR_LIMIT);
    out[i] = values[i];
  }
  return 0;
}

int ir_window_read(const ir_node *node, int spatial_rank, const int64_t *kernel, ir_window *out,
                   dl_diag *diag) {
  memset(out, 0, sizeof(*out));
  out->spatial_rank = spatial_rank;
  if (spatial_rank < 1 || spatial_rank > IR_MAX_RANK - 2)
    return ir_node_error(diag, node, "has %d spatial dimensions; 1 to %d are supported",
                         spatial_rank, IR_MAX_RANK - 2);
  const ir_attr *kernel_attr = ir_node_attr(node, "kernel_shape");
  if (!kernel_attr && !kernel)
    return ir_node_error(diag, node, "attribute 'kernel_shape' is required");
  if (read_window_ints(node, "kernel_shape", spatial_rank, 1, 1, out->kernel, diag) != 0)
    return -1;
  if (kernel) {
    for (int i = 0; i < spatial_rank; i++) {
      if (kernel_attr && out->kernel[i] != kernel[i])
        return ir_node_error(diag, node,
                             "attribute 'kernel_shape' value %d is %lld but the weights have %lld",
                             i, (long long)out->kernel[i], (long long)kernel[i]);
      if (kernel[i] < 1 || kernel[i] >= WINDOW_ATTR_LIMIT)
        return ir_node_error(diag, node, "kernel size %d is %lld; it must be in [1, %lld)", i,
                             (long long)kernel[i], (long long)WINDOW_ATTR_LIMIT);
      out->kernel[i] = kernel[i];
    }
  }
  if (read_window_ints(node, "strides", spatial_rank, 1, 1, out->strides, diag) != 0 ||
      read_window_ints(node, "dilations", spatial_rank, 1, 1, out->dilations, diag) != 0 ||
      read_window_ints(node, "pads", 2 * spatial_rank, 0, 0, out->pads, diag) != 0)
    return -1;
  int64_t ceil_mode;
  if (ir_attr_string(node, "auto_pad", "NOTSET", &out->auto_pad, diag) != 0 ||
      ir_attr_int(node, "ceil_mode", 0, &ceil_mode, diag) != 0)
    return -1;
  if (ceil_mode != 0 && ceil_mode != 1)
    return ir_node_error(diag, node, "attribute 'ceil_mode' is %lld; it must be 0 or 1",
                         (long long)ceil_mode);
  out->ceil_mode = ceil_mode == 1;
  const char *mode = out->auto_pad;
  if (strcmp(mode, "NOTSET") != 0 && strcmp(mode, "VALID") != 0 &&
      strcmp(mode, "SAME_UPPER") != 0 && strcmp(mode, "SAME_LOWER") != 0)
    return ir_node_error(diag, node,
                         "attribute 'auto_pad' is '%s'; it must be NOTSET, SAME_UPPER, "
                         "SAME_LOWER or VALID",
                         mode);
  if (strcmp(mode, "NOTSET") != 0) {
    for (int i = 0; i < 2 * spatial_rank; i++)
      if (out->pads[i] != 0)
        return ir_node_error(diag, node,
                             "attributes 'pads' and 'auto_pad' %s cannot be used "
                             "together",
                             mode);
  }
  return 0;
}

int ir_window_output(const ir_node *node, ir_window *window, const int64_t *input, int64_t *out,
                     dl_diag *diag) {
  int rank = window->spatial_rank;
  bool same = strncmp(window->auto_pad, "SAME_", 5) == 0;
  for (int i = 0; i < rank; i++) {
    int64_t size = input[i], stride = window->strides[i];
    if (size < 0 || size > ((int64_t)1 << 48))
      return ir_node_error(diag, node, "spatial size %lld is not supported", (long long)size);
    int64_t extent = window->dilations[i] * (window->kernel[i] - 1) + 1;
    if (same) {
      out[i] = (size + stride - 1) / stride;
      int64_t total = (out[i] - 1) * stride + extent - size;
      if (total < 0)
        total = 0;
      bool upper = strcmp(window->auto_pad, "SAME_UPPER") == 0;
      /* SAME_UPPER puts the odd pad at the end, SAME_LOWER at the beginning. */
      window->pads[i] = upper ? total / 2 : total - total / 2;
      window->pads[rank + i] = total - window->pads[i];
      continue;
    }
    int64_t begin = window->pads[i], end = window->pads[rank + i];
    int64_t span = size + begin + end - extent;
    if (span < 0)
      return ir_node_error(diag, node,
                           "window of extent %lld does not fit spatial axis %d of size %lld "
                           "(padded %lld)",
                           (long long)extent, i, (long long)size, (long long)(size + begin + end));
    out[i] = (window->ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    /* In ceil mode a last window that would start inside the end padding is dropped. */
    if (window->ceil_mode && (out[i] - 1) * stride >= size + begin)
      out[i]--;
  }
  return 0;
}
