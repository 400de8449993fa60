/* Resize geometry shared by inference and the kernel: the output size, scale and region of
 * interest of every axis, from Resize's scales or sizes (with axes and
 * keep_aspect_ratio_policy), as ONNX's reference computes them (in double). */
#ifndef DLCC_IR_INFER_RESIZE_H
#define DLCC_IR_INFER_RESIZE_H

#include "ir/infer.h"

typedef enum ir_resize_mode { IR_RESIZE_NEAREST, IR_RESIZE_LINEAR, IR_RESIZE_CUBIC } ir_resize_mode;

typedef struct ir_resize {
  int rank;
  int64_t in[IR_MAX_RANK], out[IR_MAX_RANK];
  double scales[IR_MAX_RANK];
  double roi_start[IR_MAX_RANK], roi_end[IR_MAX_RANK]; /* 0 and 1 without a roi */
  /* Axes the output copies from the input unchanged (not in `axes`, or a scale of 1 with
   * the same size and a whole-axis roi: the reference skips those). */
  bool identity[IR_MAX_RANK];
  ir_resize_mode mode;
  const char *coordinate_mode; /* coordinate_transformation_mode */
  const char *nearest_mode;
  double cubic_a;
  bool exclude_outside, antialias;
  float extrapolation_value;
} ir_resize;

/* Reads the node's attributes and its constant roi, scales and sizes (inputs 1-3) for input
 * dims `in` (static). Errors name the node. */
int ir_resize_read(const ir_node *node, const int64_t *in, ir_resize *out, dl_diag *diag);

#endif
