/* Resize's interpolation taps, computed at compile time in double as ONNX's reference does:
 * for every output position of every resized axis, the input indices it reads (clamped into
 * the axis, equal ones merged) and their weights, or that it is extrapolated. */
#ifndef DLCC_CODEGEN_OPS_RESIZE_TAPS_H
#define DLCC_CODEGEN_OPS_RESIZE_TAPS_H

#include "ir/infer/resize.h"

typedef struct resize_taps {
  int64_t out;    /* output positions */
  int taps;       /* taps a position (the most any position needs; unused ones weigh 0) */
  int64_t *index; /* [out * taps]; -1: the position is extrapolated (tf_crop_and_resize) */
  double *weight; /* [out * taps] */
} resize_taps;

/* Taps of axis `axis` (not an identity axis) of `plan`; -1 when out of memory. */
int resize_taps_compute(const ir_resize *plan, int axis, resize_taps *out);
void resize_taps_free(resize_taps *taps);

#endif
