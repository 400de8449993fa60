/* Shared state and helpers of the ONNX importer's files (not a public header). */
#ifndef DLCC_FRONTEND_ONNX_INTERNAL_H
#define DLCC_FRONTEND_ONNX_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend/onnx/onnx_import.h"
#include "ir/build.h"
#include "onnx/onnx.pb-c.h"

/* Oldest and newest default-domain opsets the importer understands (27 is onnx 1.22's;
 * the versions after 23 of the ops dlcc imports only add element types). */
enum { ONNX_MIN_OPSET = 1, ONNX_MAX_OPSET = 27 };

typedef struct onnx_import {
  ir_graph *graph;
  dl_diag *diag;
  const char *display_name; /* "model.onnx": prefix of every message */
  const char *base_dir;     /* folder of external data; NULL: refuse it */
  const dl_onnx_options *options;
  const Onnx__GraphProto *graph_proto;
  int64_t opset; /* version of the default domain */
  /* The innermost control-flow body being inlined (onnx_control.c): a nested body's names
   * from the bodies around it resolve through it. NULL at the top level. */
  struct body_scope *inline_scope;
} onnx_import;

/* Adds "<file>: <message>" and returns -1. */
int onnx_error(onnx_import *import, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* Checks serialized protobuf `data` against `descriptor` before protobuf-c decodes it:
 * nesting depth, fields inside their messages, and the memory decoding would take. Returns 0,
 * or -1 after a message naming `display_name` ("not a valid <what> ..."). */
int onnx_wire_check(const void *data, size_t size, const ProtobufCMessageDescriptor *descriptor,
                    const char *display_name, const char *what, dl_diag *diag);

/* Display name of a node for messages: its name, or "<op>#<index>" when unnamed. */
const char *onnx_node_display_name(onnx_import *import, const Onnx__NodeProto *node, int index);
/* Adds "<file>: node 'N' (Op, opset V): <message>" and returns -1. */
int onnx_node_error(onnx_import *import, const Onnx__NodeProto *node, int index, const char *format,
                    ...) __attribute__((format(printf, 4, 5)));

static inline const char *onnx_text(const char *text) { return text ? text : ""; }

/* Tensors (onnx_tensor.c): TensorProto → constant named `name` (NULL: the tensor's
 * name). Raw data is not copied: it points into the adopted ModelProto. */
ir_value *onnx_import_tensor(onnx_import *import, const Onnx__TensorProto *tensor,
                             const char *name);
/* The type and element data of `tensor` without adding a constant to the graph. */
int onnx_tensor_contents(onnx_import *import, const Onnx__TensorProto *tensor, const char *name,
                         ir_type *out_type, const void **out_data);
/* Reads the external data of `tensor` (onnx_external.c): `*out_data` points into an
 * mmap adopted by the graph arena; the length must be exactly `expected_bytes`. */
int onnx_read_external_data(onnx_import *import, const Onnx__TensorProto *tensor,
                            const char *tensor_name, int64_t expected_bytes, const void **out_data);

/* Value types (onnx_value_type.c): ValueInfoProto → ir_type, symbolic dims bound by
 * the options' dim_bindings. */
int onnx_value_type(onnx_import *import, const Onnx__ValueInfoProto *info, ir_type *out);
/* Checks every "name=value" binding parses; -1 with a message otherwise. */
int onnx_check_dim_bindings(onnx_import *import);

/* Attributes (onnx_attr.c): the kind of an attribute, inferred from its filled
 * fields when `type` is absent (old writers). */
Onnx__AttributeProto__AttributeType onnx_attr_type(const Onnx__AttributeProto *attr);
const Onnx__AttributeProto *onnx_find_attr(const Onnx__NodeProto *node, const char *name);
/* Copies the attributes of `proto` onto `node`, skipping those the opset
 * normalization consumes. */
/* Refuses a node that gives one attribute name twice (either could silently win). */
int onnx_check_attr_names(onnx_import *import, const Onnx__NodeProto *proto, int index);
int onnx_convert_attrs(onnx_import *import, const Onnx__NodeProto *proto, int index, ir_node *node);

/* Support check (onnx_support.c): reports every node dlcc cannot import (op, domain,
 * attributes, legacy semantics). Returns the number of unsupported nodes. */
int onnx_check_support(onnx_import *import);

/* Opset normalization (onnx_normalize.c): rewrites older-opset attribute forms into
 * the latest-opset inputs/attributes after `node` was created from `proto`. */
int onnx_normalize_node(onnx_import *import, const Onnx__NodeProto *proto, int index,
                        ir_node *node);
/* The IR op an ONNX op imports as: its own row of ir/ops.def, or the op it is a form of
 * (CastLike is a Cast to the element type of its second input; Scatter is ScatterElements). IR_OP_INVALID if none. */
ir_op onnx_ir_op(const char *onnx_op);
/* QuantizeLinear and DequantizeLinear (onnx_quantize.c) are built from Cast, Sub, Mul, Div,
 * Round, Add, Clip and views; the last node takes the node's output name. */
int onnx_expand_quantize(onnx_import *import, const Onnx__NodeProto *proto, int index,
                         ir_value **inputs, int num_inputs);
/* How many of the node's inputs the IR op keeps (CastLike's second input only gives a type). */
int onnx_kept_inputs(const Onnx__NodeProto *proto, int num_inputs);
/* True if the normalization consumes attribute `attr` of `proto` (so the generic
 * attribute conversion skips it). */
bool onnx_attr_is_normalized(onnx_import *import, const Onnx__NodeProto *proto, const char *attr);
/* Expansions (onnx_expand.c): a node built as several IR nodes. `needed` (NULL: always)
 * says whether this node needs it; `expand` builds the nodes from the node's resolved inputs
 * and output names, the last node's outputs taking those names. */
typedef struct onnx_expansion {
  const char *op;
  bool (*needed)(onnx_import *import, const Onnx__NodeProto *proto, ir_value *const *inputs,
                 int num_inputs);
  int (*expand)(onnx_import *import, const Onnx__NodeProto *proto, int index, ir_value **inputs,
                int num_inputs, const char **names, int num_outputs);
  const char *domain; /* NULL: the default domain */
} onnx_expansion;
/* The expansion `proto` needs, or NULL (built as its own IR op). */
const onnx_expansion *onnx_find_expansion(onnx_import *import, const Onnx__NodeProto *proto,
                                          ir_value *const *inputs, int num_inputs);
/* Whether `op` of `domain` has no IR op and is always expanded (so the support check
 * accepts it). */
bool onnx_op_is_expanded_always(const char *op, const char *domain);
/* "", "ai.onnx" or absent. */
bool onnx_is_default_domain(const char *domain);
/* ir_graph_add_node for an expansion's parts; reports running out of memory. */
ir_node *onnx_add_expansion_node(onnx_import *import, ir_op op, const char *name,
                                 ir_value **inputs, int num_inputs, const char **output_names,
                                 int num_outputs);
/* The importer's ir_builder (ir/build.h): messages through onnx_error, inference and folding
 * on every node; `output` names its one-output nodes (NULL: fresh names from `base`). */
ir_builder onnx_builder(onnx_import *import, const char *base, const char *output);
/* Building blocks of expansions (onnx_build.c). Each adds one node whose output is named
 * `output` (NULL or "": a fresh name from `base`), runs inference and folding on it and
 * returns that output; a NULL input (an earlier failure) gives NULL, as does any error. */
ir_node *onnx_build_start(onnx_import *import, ir_op op, const char *base, ir_value **inputs,
                          int num_inputs, const char *output); /* attributes go on it next */
ir_value *onnx_build_finish(onnx_import *import, ir_node *node);
/* `op` of a, or of a and b (b NULL: one input). */
ir_value *onnx_build(onnx_import *import, ir_op op, const char *base, ir_value *a, ir_value *b,
                     const char *output);
/* Where(condition, a, b). */
ir_value *onnx_build_where(onnx_import *import, const char *base, ir_value *condition,
                           ir_value *a, ir_value *b, const char *output);
ir_value *onnx_build_reshape(onnx_import *import, const char *base, ir_value *x,
                             const int64_t *dims, int rank, const char *output);
/* ReduceMean over `axes`, kept as size-1 dims. */
ir_value *onnx_build_reduce_mean(onnx_import *import, const char *base, ir_value *x,
                                 const int64_t *axes, int count);
/* A per-channel vector [C] reshaped to [C, 1, ...] so it broadcasts over axis 1 of a rank
 * `rank` tensor; any other shape is returned as it is. */
ir_value *onnx_build_per_channel(onnx_import *import, const char *base, ir_value *v, int rank);
/* 0 when `value` is known now; else it is noted as deciding shapes (so `dlcc run` binds the
 * graph inputs it comes from) and refused with a message naming `what` and the node. */
int onnx_need_constant(onnx_import *import, const Onnx__NodeProto *proto, int index,
                       const ir_value *value, const char *what);
/* The value of a one-element input that must be known at compile time (a constant, folded, or
 * a graph input bound by --bind / `dlcc run`, which this notes as deciding shapes). */
int onnx_constant_scalar(onnx_import *import, const Onnx__NodeProto *proto, int index,
                         const ir_value *value, const char *what, double *out);
/* Cast of `x` to `to`; `x` itself when it already is `to` and no output name is asked for. */
ir_value *onnx_build_cast(onnx_import *import, const char *base, ir_value *x, ir_dtype to,
                          const char *output);
/* A constant of zeros of the given type. */
ir_value *onnx_zeros_constant(onnx_import *import, const char *base, ir_dtype dtype, int rank,
                              const int64_t *dims);
/* CausalConvWithState (onnx_causal_conv.c): Concat(past, x) → depthwise Conv → SiLU. */
int onnx_expand_causal_conv_with_state(onnx_import *import, const Onnx__NodeProto *proto,
                                       int index, ir_value **inputs, int num_inputs,
                                       const char **names, int num_outputs);
/* LinearAttention (onnx_linear_attention.c): the IR op in f32, with casts around it. */
int onnx_expand_linear_attention(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                 ir_value **inputs, int num_inputs, const char **names,
                                 int num_outputs);
/* RNN, GRU and LSTM (onnx_recurrent.c): unrolled over the time steps. */
int onnx_expand_recurrent(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names,
                          int num_outputs);
/* HannWindow, HammingWindow, BlackmanWindow, MelWeightMatrix (onnx_windows.c): constants
 * computed at import from their compile-time scalar inputs. */
int onnx_expand_window(onnx_import *import, const Onnx__NodeProto *proto, int index,
                       ir_value **inputs, int num_inputs, const char **names, int num_outputs);
/* DFT and STFT (onnx_spectral.c): a MatMul with a constant DFT matrix. */
int onnx_expand_dft(onnx_import *import, const Onnx__NodeProto *proto, int index,
                    ir_value **inputs, int num_inputs, const char **names, int num_outputs);
int onnx_expand_stft(onnx_import *import, const Onnx__NodeProto *proto, int index,
                     ir_value **inputs, int num_inputs, const char **names, int num_outputs);
/* MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv (onnx_integer_ops.c) and
 * DynamicQuantizeLinear (onnx_dynamic_quantize.c). */
int onnx_expand_integer_matmul(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               ir_value **inputs, int num_inputs, const char **names,
                               int num_outputs);
int onnx_expand_integer_conv(onnx_import *import, const Onnx__NodeProto *proto, int index,
                             ir_value **inputs, int num_inputs, const char **names,
                             int num_outputs);
int onnx_expand_dynamic_quantize(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                 ir_value **inputs, int num_inputs, const char **names,
                                 int num_outputs);
/* Softmax and LogSoftmax before opset 13 coerced their input to 2-D around `axis`. True
 * if that differs from the latest semantics for this input (axis not the last one). */
bool onnx_softmax_needs_expansion(onnx_import *import, const Onnx__NodeProto *proto,
                                  ir_value *const *inputs, int num_inputs);
/* Builds Flatten → op(axis=1) → Reshape for such a node; the Reshape output
 * takes the node's output name. */
int onnx_expand_softmax(onnx_import *import, const Onnx__NodeProto *proto, int index,
                        ir_value **inputs, int num_inputs, const char **names, int num_outputs);
/* SoftmaxCrossEntropyLoss as LogSoftmax(axis 1) → NegativeLogLikelihoodLoss (onnx_loss.c). */
int onnx_expand_softmax_cross_entropy_loss(onnx_import *import, const Onnx__NodeProto *proto,
                                           int index, ir_value **inputs, int num_inputs,
                                           const char **names, int num_outputs);
/* InstanceNormalization, GroupNormalization and MeanVarianceNormalization
 * (onnx_channel_norms.c), built from LayerNormalization or ReduceMean and arithmetic. */
int onnx_expand_instance_normalization(onnx_import *import, const Onnx__NodeProto *proto,
                                       int index, ir_value **inputs, int num_inputs,
                                       const char **names, int num_outputs);
int onnx_expand_group_normalization(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                    ir_value **inputs, int num_inputs, const char **names,
                                    int num_outputs);
int onnx_expand_mean_variance_normalization(onnx_import *import, const Onnx__NodeProto *proto,
                                            int index, ir_value **inputs, int num_inputs,
                                            const char **names, int num_outputs);
/* Adagrad, Momentum and Adam of ai.onnx.preview.training (onnx_optimizers.c), built from
 * arithmetic on each updated tensor. */
int onnx_expand_optimizer(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names, int num_outputs);
/* Bernoulli and Dropout in training mode (onnx_random.c), built on RandomUniformLike; an
 * inference Dropout whose mask is asked for becomes an Identity and an all-true mask. */
int onnx_expand_bernoulli(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names, int num_outputs);
bool onnx_dropout_needs_expansion(onnx_import *import, const Onnx__NodeProto *proto,
                                  ir_value *const *inputs, int num_inputs);
int onnx_expand_dropout(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                 ir_value **inputs, int num_inputs, const char **names,
                                 int num_outputs);
/* TreeEnsemble of ai.onnx.ml (onnx_tree_ensemble.c): arithmetic on X's rows. */
int onnx_expand_tree_ensemble(onnx_import *import, const Onnx__NodeProto *proto, int index,
                              ir_value **inputs, int num_inputs, const char **names,
                              int num_outputs);
/* Binarizer and ArrayFeatureExtractor of ai.onnx.ml (onnx_ml_ops.c). */
int onnx_expand_binarizer(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names, int num_outputs);
int onnx_expand_array_feature_extractor(onnx_import *import, const Onnx__NodeProto *proto,
                                        int index, ir_value **inputs, int num_inputs,
                                        const char **names, int num_outputs);
/* Legacy broadcasting before opset 7 (onnx_broadcast.c): binary ops with broadcast=1 and an
 * `axis`, PRelu with a slope per channel. True, with the axis input 1 aligns to, if so. */
bool onnx_legacy_broadcast_axis(onnx_import *import, const Onnx__NodeProto *proto,
                                ir_value *const *inputs, int num_inputs, int64_t *axis);
/* Unsqueezes input 1 so numpy broadcasting matches it at `axis`; replaces inputs[1]. */
int onnx_align_legacy_broadcast(onnx_import *import, const Onnx__NodeProto *proto, int index,
                                ir_value **inputs, int num_inputs, int64_t axis);
/* Runs shape inference and constant folding on a node just built. */
int onnx_finish_node(onnx_import *import, ir_node *node);
/* Value of a one-element constant as a double. */
double onnx_scalar_as_double(ir_dtype dtype, const void *data);
int64_t onnx_scalar_as_int64(ir_dtype dtype, const void *data);
/* Adds an i64 1-D constant for a converted attribute, named after the node. */
ir_value *onnx_ints_constant(onnx_import *import, const char *base, const int64_t *values,
                             int count);
/* Adds a scalar constant of `dtype` holding `value` (float types only). */
ir_value *onnx_float_scalar_constant(onnx_import *import, const char *base, ir_dtype dtype,
                                     double value);
/* Sets input `index` of `node` (growing the input list). */
int onnx_set_node_input(onnx_import *import, ir_node *node, int index, ir_value *value);

/* Bound inputs (onnx_bind.c). Binds graph input `input` when the options give its value. */
int onnx_bind_input(onnx_import *import, ir_value *input);
/* Every value the options give names a graph input of the model. */
int onnx_check_input_values(onnx_import *import);
/* The value a node reads for `name`: the bound constant for a bound graph input. */
ir_value *onnx_lookup_value(onnx_import *import, const char *name);
/* Adds the graph inputs `value` is computed from to options->shape_deciding_inputs (when
 * asked for). Returns how many graph inputs it is computed from, -1 out of memory. */
int onnx_note_shape_deciding(onnx_import *import, const ir_value *value);

/* Nodes (onnx_node.c): imports every node of the graph in order. */
int onnx_import_nodes(onnx_import *import);
/* Imports one node (`index`: its position, for unnamed nodes' display names). */
int onnx_import_node(onnx_import *import, const Onnx__NodeProto *proto, int index);

/* BatchNormalization with training_mode=1 (onnx_batch_norm_training.c), expanded. */
int onnx_import_batch_norm_training(onnx_import *import, const Onnx__NodeProto *proto, int index);
/* Whether `proto` is a BatchNormalization in training mode. */
bool onnx_is_batch_norm_training(const Onnx__NodeProto *proto);

/* Control flow (onnx_control.c): If, Loop and Scan, inlined and unrolled at import. */
bool onnx_is_inlined_control_flow(const char *op);
int onnx_import_control_flow(onnx_import *import, const Onnx__NodeProto *proto, int index);
/* Imports one copy of `body` (its nodes named "<prefix>/<node>") with its inputs bound to
 * `inputs` (graph values); `outputs` receives the values of its outputs. */
int onnx_inline_body(onnx_import *import, const Onnx__GraphProto *body, const char *prefix,
                     ir_value *const *inputs, int num_inputs, ir_value **outputs);
/* Ops whose graph attributes are bodies dlcc inlines (If, Loop, Scan, FlexAttention's
 * modifiers): the support check checks their nodes like the graph's. */
bool onnx_op_has_inlined_bodies(const char *op);
/* FlexAttention (onnx_flex_attention.c, domain ai.onnx.preview): Attention without
 * modifiers, else MatMul, score_mod, Softmax, prob_mod, MatMul. */
int onnx_expand_flex_attention(onnx_import *import, const Onnx__NodeProto *proto, int index,
                               ir_value **inputs, int num_inputs, const char **names,
                               int num_outputs);

#endif
