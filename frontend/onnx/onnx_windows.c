/* HannWindow, HammingWindow, BlackmanWindow and MelWeightMatrix (opset 17) made at import:
 * their outputs depend only on scalar inputs (sizes, rates, edges), which must be known at
 * compile time (constants, or graph inputs bound with --bind / by `dlcc run`), so the tables
 * are computed here, in the order and precision of ONNX's reference, and become constants
 * named after the node's output. */
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

enum { MAX_TABLE = 1 << 24 }; /* elements: 64 MiB of f32 */

static int output_dtype(onnx_import *import, const Onnx__NodeProto *proto, int index,
                        ir_dtype *out) {
  const Onnx__AttributeProto *attr = onnx_find_attr(proto, "output_datatype");
  *out = attr ? ir_dtype_from_onnx((int)attr->i) : IR_DTYPE_F32;
  if (*out == IR_DTYPE_INVALID || ir_dtype_size(*out) == 0)
    return onnx_node_error(import, proto, index, "unsupported output_datatype %lld",
                           attr ? (long long)attr->i : 0LL);
  return 0;
}

/* Adds the constant `name` of `dtype` [dims] holding `values` (rounded to dtype). */
static int table_constant(onnx_import *import, const char *name, ir_dtype dtype, int rank,
                          const int64_t *dims, const double *values, int64_t count) {
  void *data = ir_arena_alloc(import->graph->arena, (size_t)count * ir_dtype_size(dtype) + 1);
  if (!data)
    return onnx_error(import, "out of memory");
  for (int64_t i = 0; i < count; i++)
    ir_element_set_float(dtype, data, i, values[i]);
  ir_value *value =
      ir_graph_add_constant(import->graph, name, ir_type_make(dtype, rank, dims), data);
  return value ? 0 : onnx_error(import, "out of memory");
}

static int window(onnx_import *import, const Onnx__NodeProto *proto, int index, ir_value **inputs,
                  int num_inputs, const char **names, int num_outputs) {
  (void)num_outputs;
  const char *op = onnx_text(proto->op_type);
  double size_value;
  ir_dtype dtype;
  if (num_inputs < 1 || !inputs[0] ||
      onnx_constant_scalar(import, proto, index, inputs[0], "the size", &size_value) != 0 ||
      output_dtype(import, proto, index, &dtype) != 0)
    return -1;
  int64_t size = (int64_t)size_value;
  if (size < 0 || size > MAX_TABLE)
    return onnx_node_error(import, proto, index, "size %lld is out of range", (long long)size);
  const Onnx__AttributeProto *periodic = onnx_find_attr(proto, "periodic");
  /* The reference computes in float32 (n as the output's type, then np.pi products). */
  float n1 = (float)(periodic && periodic->i == 0 ? size - 1 : size);
  double *values = ir_arena_alloc_array(import->graph->arena, (size_t)size + 1, sizeof(double));
  if (!values)
    return onnx_error(import, "out of memory");
  for (int64_t i = 0; i < size; i++) {
    float n = (float)i;
    if (strcmp(op, "HannWindow") == 0) {
      float s = sinf(n * (float)M_PI / n1);
      values[i] = s * s;
    } else if (strcmp(op, "HammingWindow") == 0) {
      float alpha = 25.0f / 46.0f;
      values[i] = alpha - cosf(n * (float)M_PI * 2.0f / n1) * (1.0f - alpha);
    } else { /* Blackman, in double as the reference's integer n makes it */
      values[i] = cos(i * (M_PI * 2) / n1) * -0.5 + cos(i * (M_PI * 4) / n1) * 0.08 + 0.42;
    }
  }
  return table_constant(import, names[0], dtype, 1, &size, values, size);
}

/* MelWeightMatrix [dft_length / 2 + 1, num_mel_bins]: triangular filters between mel-spaced
 * bin edges, as the reference computes them (the mel edges in float32, bins in double). */
static int mel_weight_matrix(onnx_import *import, const Onnx__NodeProto *proto, int index,
                             ir_value **inputs, int num_inputs, const char **names,
                             int num_outputs) {
  (void)num_outputs;
  static const char *const WHAT[5] = {"num_mel_bins", "dft_length", "sample_rate",
                                      "lower_edge_hertz", "upper_edge_hertz"};
  double v[5];
  ir_dtype dtype;
  if (num_inputs < 5 || output_dtype(import, proto, index, &dtype) != 0)
    return num_inputs < 5 ? onnx_node_error(import, proto, index, "needs its five inputs") : -1;
  for (int i = 0; i < 5; i++)
    if (!inputs[i] || onnx_constant_scalar(import, proto, index, inputs[i], WHAT[i], &v[i]) != 0)
      return -1;
  int64_t mels = (int64_t)v[0], dft_length = (int64_t)v[1], rate = (int64_t)v[2];
  int64_t bins = dft_length / 2 + 1;
  if (mels < 1 || dft_length < 1 || rate < 1 || bins * mels > MAX_TABLE)
    return onnx_node_error(import, proto, index,
                           "num_mel_bins, dft_length and sample_rate must be positive (and the "
                           "table at most %d elements)",
                           MAX_TABLE);
  float low_mel = 2595.0f * log10f(1.0f + (float)v[3] / 700.0f);
  float high_mel = 2595.0f * log10f(1.0f + (float)v[4] / 700.0f);
  float step = (high_mel - low_mel) / (float)(mels + 2);
  int64_t *edge = ir_arena_alloc_array(import->graph->arena, (size_t)mels + 2, sizeof(int64_t));
  double *out = ir_arena_alloc_array(import->graph->arena, (size_t)(bins * mels), sizeof(double));
  if (!edge || !out)
    return onnx_error(import, "out of memory");
  for (int64_t i = 0; i < mels + 2; i++) {
    double hertz = 700.0 * (pow(10.0, ((double)i * step + low_mel) / 2595.0) - 1.0);
    edge[i] = (int64_t)floor((double)(dft_length + 1) * hertz / (double)rate);
    if (edge[i] < 0 || edge[i] >= bins)
      return onnx_node_error(import, proto, index,
                             "the edges fall outside the %lld spectrogram bins", (long long)bins);
  }
  for (int64_t i = 0; i < mels; i++) {
    int64_t left = edge[i], center = edge[i + 1], right = edge[i + 2];
    if (center == left)
      out[center * mels + i] = 1;
    for (int64_t j = left; center > left && j <= center; j++)
      out[j * mels + i] = (double)(j - left) / (double)(center - left);
    for (int64_t j = center; right > center && j < right; j++)
      out[j * mels + i] = (double)(right - j) / (double)(right - center);
  }
  int64_t dims[2] = {bins, mels};
  return table_constant(import, names[0], dtype, 2, dims, out, bins * mels);
}

int onnx_expand_window(onnx_import *import, const Onnx__NodeProto *proto, int index,
                       ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  if (strcmp(onnx_text(proto->op_type), "MelWeightMatrix") == 0)
    return mel_weight_matrix(import, proto, index, inputs, num_inputs, names, num_outputs);
  return window(import, proto, index, inputs, num_inputs, names, num_outputs);
}
