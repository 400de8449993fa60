/* DFT (opsets 17-20) and STFT (opset 17) expanded at import as products with a constant DFT
 * matrix: the signal axis and the real/imaginary pair are moved last and flattened, so
 * [.., L * c_in] times [L * c_in, K * c_out] gives every output bin, each matrix entry the
 * cos or sin of 2 pi k n / N (computed in double, exact at quarter turns) that ONNX's
 * definition weighs that input component with. dft_length zero-pads or truncates (entries
 * past it are 0), onesided keeps bins 0..N/2, inverse divides by N, and the inverse of a
 * onesided spectrum (irfft) weighs the bins with Hermitian symmetry for a real output.
 * DFT sums in f64 (a broadcast product feeding ReduceSum, one fused kernel), so bins whose
 * terms cancel come out near exact; STFT gathers its frames with a constant index table,
 * applies the window and multiplies by the matrix with the f32 tiled MatMul. The matrix is
 * O(N^2): matrices past 16M entries are refused; an FFT kernel is the next step for long
 * signals. */
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

enum { MAX_MATRIX = 1 << 24 };

typedef enum dft_mode { DFT_FORWARD, DFT_INVERSE, DFT_INVERSE_ONESIDED } dft_mode;

/* cos and sin of 2 pi m / n, exact where they are 0 or +-1. */
static void unit_root(int64_t m, int64_t n, double *c, double *s) {
  m %= n;
  if (m == 0 || 2 * m == n) {
    *c = m == 0 ? 1 : -1, *s = 0;
  } else if (4 * m == n || 4 * m == 3 * n) {
    *c = 0, *s = 4 * m == n ? 1 : -1;
  } else {
    double t = 2 * M_PI * (double)m / (double)n;
    *c = cos(t), *s = sin(t);
  }
}

/* The [L * c_in, K * c_out] matrix taking input component (n, re/im) to output (k, re/im). */
static ir_value *dft_matrix(onnx_import *import, const char *base, ir_dtype dtype, dft_mode mode,
                            int64_t length, int64_t c_in, int64_t n, int64_t bins, int64_t c_out) {
  int64_t rows = length * c_in, cols = bins * c_out;
  void *m =
      ir_arena_alloc_array(import->graph->arena, (size_t)(rows * cols) + 1, ir_dtype_size(dtype));
  if (!m) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  double scale = mode == DFT_FORWARD ? 1.0 : 1.0 / (double)n;
  int64_t used = mode == DFT_INVERSE_ONESIDED ? n / 2 + 1 : n; /* input entries that count */
  for (int64_t i = 0; i < length && i < used; i++)
    for (int64_t k = 0; k < bins; k++) {
      double c, s, w = scale;
      unit_root(i * k, n, &c, &s);
      if (mode == DFT_INVERSE_ONESIDED && i != 0 && !(n % 2 == 0 && 2 * i == n))
        w *= 2; /* bin i stands for itself and its conjugate n - i */
      if (mode == DFT_FORWARD)
        s = -s; /* e^{-i theta} */
      /* (xr + i xi)(c + i s): real xr c - xi s, imaginary xr s + xi c. */
      int64_t re_row = i * c_in * cols, im_row = re_row + cols;
      ir_element_set_float(dtype, m, re_row + k * c_out, w * c);
      if (c_out == 2)
        ir_element_set_float(dtype, m, re_row + k * c_out + 1, w * s);
      if (c_in == 2) {
        ir_element_set_float(dtype, m, im_row + k * c_out, -w * s);
        if (c_out == 2)
          ir_element_set_float(dtype, m, im_row + k * c_out + 1, w * c);
      }
    }
  int64_t dims[2] = {rows, cols};
  const char *name = ir_graph_unique_name(import->graph, base);
  ir_value *value =
      name ? ir_graph_add_constant(import->graph, name, ir_type_make(dtype, 2, dims), m) : NULL;
  if (!value)
    onnx_error(import, "out of memory");
  return value;
}

static ir_value *transpose(onnx_import *import, const char *base, ir_value *x, const int64_t *perm,
                           int rank) {
  bool identity = true;
  for (int d = 0; d < rank; d++)
    identity = identity && perm[d] == d;
  if (identity || !x)
    return x;
  ir_node *node = onnx_build_start(import, IR_OP_TRANSPOSE, base, &x, 1, NULL);
  if (node && ir_node_set_ints(import->graph, node, "perm", perm, rank) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

/* An optional scalar input known at compile time; `fallback` when absent. */
static int optional_scalar(onnx_import *import, const Onnx__NodeProto *proto, int index,
                           ir_value **inputs, int num_inputs, int input, const char *what,
                           int64_t fallback, int64_t *out) {
  double value = (double)fallback;
  if (input < num_inputs && inputs[input] &&
      onnx_constant_scalar(import, proto, index, inputs[input], what, &value) != 0)
    return -1;
  *out = (int64_t)value;
  return 0;
}

static int check_matrix(onnx_import *import, const Onnx__NodeProto *proto, int index, int64_t rows,
                        int64_t cols) {
  if (rows <= 0 || cols <= 0 || rows > MAX_MATRIX / cols)
    return onnx_node_error(import, proto, index,
                           "unsupported: a %lld x %lld DFT matrix (dlcc's matrix form takes at "
                           "most %d entries)",
                           (long long)rows, (long long)cols, MAX_MATRIX);
  return 0;
}

static int int_attr(const Onnx__NodeProto *proto, const char *name, int fallback) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, name);
  return attr ? (int)attr->i : fallback;
}

int onnx_expand_dft(onnx_import *import, const Onnx__NodeProto *proto, int index, ir_value **inputs,
                    int num_inputs, const char **names, int num_outputs) {
  (void)num_outputs;
  const char *node = onnx_node_display_name(import, proto, index);
  const char *base = ir_arena_printf(import->graph->arena, "%s/dft", node);
  ir_value *x = inputs[0];
  if (!base || !x)
    return base ? onnx_node_error(import, proto, index, "needs an input") : -1;
  const ir_type *t = &x->type;
  int rank = t->rank;
  int64_t axis;
  int64_t c_in = rank >= 2 ? t->dims[rank - 1] : 0;
  if (rank < 2 || !ir_type_is_static(t) || !ir_dtype_is_float(t->dtype) || (c_in != 1 && c_in != 2))
    return onnx_node_error(import, proto, index,
                           "needs a float input of static shape [.., signal, 1 or 2]");
  if (import->opset >= 20) {
    if (optional_scalar(import, proto, index, inputs, num_inputs, 2, "the axis", -2, &axis) != 0)
      return -1;
  } else {
    axis = int_attr(proto, "axis", 1);
  }
  axis = axis < 0 ? axis + rank : axis;
  if (axis < 0 || axis >= rank - 1)
    return onnx_node_error(import, proto, index, "axis must name a signal dim (not the last)");
  bool inverse = int_attr(proto, "inverse", 0) != 0, onesided = int_attr(proto, "onesided", 0) != 0;
  int64_t length = t->dims[axis], n;
  dft_mode mode = !inverse ? DFT_FORWARD : onesided ? DFT_INVERSE_ONESIDED : DFT_INVERSE;
  int64_t fallback = mode == DFT_INVERSE_ONESIDED ? 2 * (length - 1) : length;
  if (optional_scalar(import, proto, index, inputs, num_inputs, 1, "dft_length", fallback, &n) != 0)
    return -1;
  int64_t bins = mode == DFT_FORWARD && onesided ? n / 2 + 1 : n;
  int64_t c_out = mode == DFT_INVERSE_ONESIDED ? 1 : 2;
  if (n < 1 || check_matrix(import, proto, index, length * c_in, bins * c_out) != 0)
    return n < 1 ? onnx_node_error(import, proto, index, "dft_length must be positive") : -1;
  /* [.., axis, .., c] → [others.., L, c] → [others.., L * c]. */
  int64_t perm[IR_MAX_RANK], inverse_perm[IR_MAX_RANK], flat[IR_MAX_RANK], out[IR_MAX_RANK];
  int count = 0;
  for (int d = 0; d < rank - 1; d++)
    if (d != axis)
      perm[count] = d, flat[count] = t->dims[d], out[count] = t->dims[d], count++;
  perm[count] = axis, perm[count + 1] = rank - 1;
  for (int d = 0; d < rank; d++)
    inverse_perm[perm[d]] = d;
  flat[count] = length * c_in;
  out[count] = bins, out[count + 1] = c_out;
  /* In f64, as the reference: x [.., L * c, 1] * M [L * c, K * c'] summed over L * c (a
   * broadcast product feeding a reduction, which fusion makes one kernel). */
  ir_value *matrix = dft_matrix(import, base, IR_DTYPE_F64, mode, length, c_in, n, bins, c_out);
  ir_value *y = onnx_build_cast(import, base, x, IR_DTYPE_F64, NULL);
  flat[count + 1] = 1;
  y = onnx_build_reshape(import, base, transpose(import, base, y, perm, rank), flat, count + 2,
                         NULL);
  y = matrix ? onnx_build(import, IR_OP_MUL, base, y, matrix, NULL) : NULL;
  int64_t summed = count;
  ir_value *axes = onnx_ints_constant(import, base, &summed, 1);
  ir_node *sum =
      y && axes ? onnx_build_start(import, IR_OP_REDUCE_SUM, base, (ir_value *[]){y, axes}, 2, NULL)
                : NULL;
  if (sum && ir_node_set_int(import->graph, sum, "keepdims", 0) != 0)
    return onnx_error(import, "out of memory");
  y = onnx_build_finish(import, sum);
  y = onnx_build_reshape(import, base, y, out, count + 2, NULL);
  y = transpose(import, base, y, inverse_perm, rank);
  return y && onnx_build_cast(import, base, y, t->dtype, names[0]) ? 0 : -1;
}

int onnx_expand_stft(onnx_import *import, const Onnx__NodeProto *proto, int index,
                     ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  (void)num_outputs;
  const char *node = onnx_node_display_name(import, proto, index);
  const char *base = ir_arena_printf(import->graph->arena, "%s/stft", node);
  ir_value *signal = inputs[0], *window = num_inputs > 2 ? inputs[2] : NULL;
  if (!base || !signal || num_inputs < 2 || !inputs[1])
    return base ? onnx_node_error(import, proto, index, "needs a signal and a frame_step") : -1;
  const ir_type *t = &signal->type;
  if (t->rank != 3 || !ir_type_is_static(t) || !ir_dtype_is_float(t->dtype) ||
      (t->dims[2] != 1 && t->dims[2] != 2))
    return onnx_node_error(import, proto, index,
                           "needs a float signal of static shape [batch, length, 1 or 2]");
  int64_t batch = t->dims[0], length = t->dims[1], c_in = t->dims[2], step, frame;
  if (window && (window->type.rank != 1 || !ir_type_is_static(&window->type)))
    return onnx_node_error(import, proto, index, "needs a 1-D window of static size");
  if (optional_scalar(import, proto, index, inputs, num_inputs, 1, "frame_step", 0, &step) != 0 ||
      optional_scalar(import, proto, index, inputs, num_inputs, 3, "frame_length",
                      window ? window->type.dims[0] : 0, &frame) != 0)
    return -1;
  if (step < 1 || frame < 1 || frame > length || (window && window->type.dims[0] != frame))
    return onnx_node_error(import, proto, index,
                           "needs frame_step >= 1 and a frame_length (or window size) of 1 to the "
                           "signal length, the window's size if both are given");
  bool onesided = int_attr(proto, "onesided", 1) != 0;
  int64_t frames = (length - frame) / step + 1, bins = onesided ? frame / 2 + 1 : frame;
  if (check_matrix(import, proto, index, frame * c_in, bins * 2) != 0 ||
      check_matrix(import, proto, index, frames, frame * c_in) != 0)
    return -1;
  /* Frames: signal as [batch, length * c] gathered at (f * step + j) * c + part. */
  int64_t *at =
      ir_arena_alloc_array(import->graph->arena, (size_t)(frames * frame * c_in), sizeof(int64_t));
  if (!at)
    return onnx_error(import, "out of memory");
  for (int64_t f = 0; f < frames; f++)
    for (int64_t j = 0; j < frame * c_in; j++)
      at[f * frame * c_in + j] = f * step * c_in + j;
  int64_t at_dims[2] = {frames, frame * c_in}, flat[2] = {batch, length * c_in};
  const char *at_name = ir_graph_unique_name(import->graph, base);
  ir_value *indices = at_name ? ir_graph_add_constant(import->graph, at_name,
                                                      ir_type_make(IR_DTYPE_I64, 2, at_dims), at)
                              : NULL;
  ir_value *x = onnx_build_reshape(
      import, base, onnx_build_cast(import, base, signal, IR_DTYPE_F32, NULL), flat, 2, NULL);
  ir_node *gather = x && indices ? onnx_build_start(import, IR_OP_GATHER, base,
                                                    (ir_value *[]){x, indices}, 2, NULL)
                                 : NULL;
  if (gather && ir_node_set_int(import->graph, gather, "axis", 1) != 0)
    return onnx_error(import, "out of memory");
  ir_value *frames_value = onnx_build_finish(import, gather); /* [batch, frames, frame * c] */
  if (window) {
    int64_t parts[4] = {batch, frames, frame, c_in}, column[2] = {frame, 1},
            joined[3] = {batch, frames, frame * c_in};
    ir_value *w = onnx_build_reshape(
        import, base, onnx_build_cast(import, base, window, IR_DTYPE_F32, NULL), column, 2, NULL);
    frames_value =
        onnx_build(import, IR_OP_MUL, base,
                   onnx_build_reshape(import, base, frames_value, parts, 4, NULL), w, NULL);
    frames_value = onnx_build_reshape(import, base, frames_value, joined, 3, NULL);
  }
  ir_value *matrix =
      dft_matrix(import, base, IR_DTYPE_F32, DFT_FORWARD, frame, c_in, frame, bins, 2);
  ir_value *y = matrix ? onnx_build(import, IR_OP_MATMUL, base, frames_value, matrix, NULL) : NULL;
  int64_t out[4] = {batch, frames, bins, 2};
  bool cast = t->dtype != IR_DTYPE_F32;
  y = onnx_build_reshape(import, base, y, out, 4, cast ? NULL : names[0]);
  if (y && cast)
    y = onnx_build_cast(import, base, y, t->dtype, names[0]);
  return y ? 0 : -1;
}
