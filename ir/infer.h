/* Shape and type inference: the per-op functions named in ops.def and the helpers
 * they share (attribute access with type checks, broadcasting, error messages). */
#ifndef DLCC_IR_INFER_H
#define DLCC_IR_INFER_H

#include "ir/diag.h"
#include "ir/graph.h"

/* Checks arity against the op table, then runs the op's inference. On error the
 * message reads: node 'NAME' (Op): what is wrong. */
int ir_infer_node(ir_graph *graph, ir_node *node, dl_diag *diag);
/* Runs ir_infer_node over every node in order; reports all failures, returns -1 if any. */
int ir_infer_graph(ir_graph *graph, dl_diag *diag);

/* Adds "node 'NAME' (Op): <message>" and returns -1. */
int ir_node_error(dl_diag *diag, const ir_node *node, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Typed attribute reads. Absent → `fallback` and 0; present with another kind → error
 * naming the node, the attribute and both kinds, and -1. */
int ir_attr_int(const ir_node *node, const char *name, int64_t fallback, int64_t *out,
                dl_diag *diag);
int ir_attr_float(const ir_node *node, const char *name, float fallback, float *out, dl_diag *diag);
int ir_attr_string(const ir_node *node, const char *name, const char *fallback, const char **out,
                   dl_diag *diag);
/* Lists: absent → *out_count = -1 (caller chooses the default). */
int ir_attr_ints(const ir_node *node, const char *name, const int64_t **out, int *out_count,
                 dl_diag *diag);
int ir_attr_floats(const ir_node *node, const char *name, const float **out, int *out_count,
                   dl_diag *diag);
int ir_attr_dtype(const ir_node *node, const char *name, ir_dtype fallback, ir_dtype *out,
                  dl_diag *diag);

/* Scalar attribute reads whose default is the op's row in ir/op_attributes.def: present →
 * its value (kind checked as above); absent → the default; absent with no default row →
 * "attribute 'NAME' is required" and -1. */
int ir_attr_int_default(const ir_node *node, const char *name, int64_t *out, dl_diag *diag);
int ir_attr_float_default(const ir_node *node, const char *name, float *out, dl_diag *diag);
int ir_attr_string_default(const ir_node *node, const char *name, const char **out, dl_diag *diag);
/* The default of `op`'s attribute `name` (its op_attributes.def row), NULL if it has none. */
const ir_attr *ir_op_attribute_default(ir_op op, const char *name);
/* Every attribute of the node that its op has a default for has the default's kind (checked
 * by ir_infer_node, so later reads of those attributes cannot fail). */
int ir_check_attribute_kinds(const ir_node *node, dl_diag *diag);
/* Row `index` of op_attributes.def and its op; NULL past the end (for tests and listings). */
const ir_attr *ir_op_attribute_default_at(int index, ir_op *out_op);

/* Input `index` (NULL-safe: absent optional inputs give NULL). */
static inline ir_value *ir_node_input(const ir_node *node, int index) {
  return index < node->num_inputs ? node->inputs[index] : NULL;
}
/* Reads a constant integer tensor (i32 or i64 data, rank <= 1) into `out` (up to
 * `capacity` values). Non-constant, elided or wrong dtype → error naming the input. */
int ir_node_constant_ints(const ir_node *node, int input_index, int64_t *out, int capacity,
                          int *out_count, dl_diag *diag);
/* The same for a constant floating-point tensor (any float dtype), read as doubles. */
int ir_node_constant_floats(const ir_node *node, int input_index, double *out, int capacity,
                            int *out_count, dl_diag *diag);

/* Multidirectional (numpy) broadcasting of two shapes. */
int ir_broadcast_shapes(const ir_type *a, const ir_type *b, ir_type *out);
/* Normalizes a possibly negative axis in [-rank, rank) → [0, rank); -1 if out of range. */
int ir_normalize_axis(int64_t axis, int rank, int *out);

/* Normalizes `count` axes in place against `rank`; out of range or repeated → an error
 * naming `what` (e.g. "axes") and -1. */
int ir_normalize_axes(const ir_node *node, const char *what, int64_t *axes, int count, int rank,
                      dl_diag *diag);

/* Where a Slice reads along each input axis: output coordinate c of axis d comes from input
 * coordinate starts[d] + c * steps[d] (rank entries; unsliced axes start 0, step 1; an axis
 * sliced to one element has step 0, so no step up to INT64_MAX is ever multiplied). Its
 * constant inputs were checked by inference; errors name the node. */
int ir_slice_read(const ir_node *node, int64_t *starts, int64_t *steps, dl_diag *diag);

/* Sets output `index` type, checking the byte size does not overflow. */
int ir_set_output_type(const ir_node *node, int index, ir_type type, dl_diag *diag);

/* Writes `type` as text for messages ("f32[1,3,224,224]"), naming symbolic dims with
 * the graph's symbol names when `graph` is given; returns `buffer`. */
const char *ir_format_type(const ir_graph *graph, const ir_type *type, char *buffer, size_t size);
/* Adds "node 'N' (Op): input I 'NAME' has type T but <message>" and returns -1. */
int ir_input_error(const ir_graph *graph, dl_diag *diag, const ir_node *node, int index,
                   const char *format, ...) __attribute__((format(printf, 5, 6)));
/* Input `index` must be present with rank in [min_rank, max_rank] (-1: no upper bound);
 * otherwise an ir_input_error ("... but Conv needs rank 4") and -1. */
int ir_expect_rank(const ir_graph *graph, const ir_node *node, int index, int min_rank,
                   int max_rank, dl_diag *diag);
/* Input `index` must be present with a floating-point dtype. */
int ir_expect_float(const ir_graph *graph, const ir_node *node, int index, dl_diag *diag);
/* Input `index` must have a dtype the op's FLOAT_ONLY, BOOL_ONLY or INTEGER_ONLY flag allows
 * (any dtype for ops without one of them). */
int ir_expect_op_dtype(const ir_graph *graph, const ir_node *node, int index, dl_diag *diag);
/* Input `index` must be present with the same dtype as input `reference`. */
int ir_expect_same_dtype(const ir_graph *graph, const ir_node *node, int index, int reference,
                         dl_diag *diag);
/* Every dim of input `index` in [first, rank) must be static; else an error naming `what`. */
int ir_expect_static_dims(const ir_graph *graph, const ir_node *node, int index, int first,
                          const char *what, dl_diag *diag);

/* The per-op inference functions of ops.def. */
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  int INFER(ir_graph *graph, ir_node *node, dl_diag *diag);
#include "ir/ops.def"
#undef OP

/* GridSample's mode as 0 nearest, 1 linear, 2 cubic (opset 16's names too); padding_mode
 * checked (ir/infer/sampling.c). */
int ir_grid_sample_mode(const ir_node *node, int *out_mode, dl_diag *diag);

/* CenterCropPad's input offset of every output axis (output coordinate + shift is the input
 * one: positive where cropped, negative where padded) and output dims (ir/infer/block_ops.c). */
int ir_center_crop_pad_shift(const ir_node *node, int64_t *shift, int64_t *out_dims, dl_diag *diag);

/* A loss's `reduction` attribute: false for "none", true for "sum" and "mean"; an error
 * naming the node for anything else. */
int ir_loss_reduction(const ir_node *node, bool *out_reduced, dl_diag *diag);

/* Whether a Dropout drops nothing: training_mode absent or a constant false (inference), or a
 * constant ratio of 0. Its output is then its input and its mask all true. */
bool ir_dropout_keeps_everything(const ir_node *node);
/* Whether a node's only output is its first input, element for element: Identity, a Cast
 * to the input's own type, a Reshape/Flatten/Squeeze/Unsqueeze/BitCast/Expand/Tile whose
 * output type is its input's, a Transpose with the identity permutation. */
bool ir_node_is_noop(const ir_node *node);
/* ... and its mask output is unused: a view of its input. */
bool ir_dropout_is_identity(const ir_graph *graph, const ir_node *node);

#endif
