/* Shared pieces of the data-movement lowerings (Transpose, Slice, Expand, Concat, Split,
 * Gather, Pad): one thread per element, any dtype moved as an integer of its size, and an
 * affine "strided copy" that Transpose, Slice and Expand are all instances of. */
#ifndef DLCC_CODEGEN_OPS_MOVEMENT_UTIL_H
#define DLCC_CODEGEN_OPS_MOVEMENT_UTIL_H

#include "codegen/ops/op_lowering.h"

enum { MV_THREADS = 256 };

/* out[o] = src[base + sum_d o_d * strides[d]] for every index o of out_dims. Strides are
 * in elements and may be 0 (broadcast) or negative (reversed slice). */
typedef struct movement_map {
  int rank;
  int64_t out_dims[IR_MAX_RANK];
  int64_t strides[IR_MAX_RANK];
  int64_t base;
} movement_map;

/* Row-major element strides of `type` (static). */
void mv_contiguous_strides(const ir_type *type, int64_t *strides);

/* Lowers a node whose output 0 is `map` applied to input 0 (same dtype). */
int mv_lower_strided_copy(lower_context *ctx, const ir_node *node, const movement_map *map,
                          lower_result *out);

/* Checks static shapes below 2^31 elements for input `input` (or -1) and every output. */
int mv_check_sizes(const ir_node *node, int input, dl_diag *diag);

/* Concat (parts are the inputs, gathered into output 0) and Split (parts are the outputs,
 * scattered from input 0) along `axis`: up to 15 parts a launch, 4 launches. */
int mv_lower_axis_segments(lower_context *ctx, const ir_node *node, int axis, bool concat,
                           lower_result *out);

/* --- helpers for kernels with one thread per element -------------------------------------- */
/* The integer type that moves one element of `dtype` (i8/i16/i32/i64). */
LLVMTypeRef mv_element_type(kernel_builder *kb, ir_dtype dtype);
LLVMValueRef mv_load(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base, LLVMValueRef index);
void mv_store(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value);
/* Opens kernel `name` and returns the element index i inside `if (i < count)`. */
LLVMValueRef mv_kernel_begin(kernel_builder *kb, const char *name, const kb_param *params,
                             int param_count, int64_t count);
/* Closes what mv_kernel_begin opened; 0 ok. */
int mv_kernel_end(kernel_builder *kb);
/* Appends the launch of a kernel of mv_kernel_begin over `count` elements. */
lower_launch *mv_add_launch(lower_context *ctx, const ir_node *node, lower_result *out,
                            const char *name, int64_t count);
/* Element `j` of the index tensor at `base` (i32 or i64 `dtype`) as an i32 in [0, axis_size):
 * negative indices count from the end, then the index is clamped into the axis, so an
 * invalid index cannot address outside the tensor (Gather, GatherElements, Scatter*).
 * `out_of_range` (may be NULL) gets whether it was outside [-axis_size, axis_size). */
LLVMValueRef mv_load_index(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef j,
                           int64_t axis_size, LLVMValueRef *out_of_range);
/* Coordinates of row-major index `index` in `dims` (i32, non-negative). */
void mv_unravel(kernel_builder *kb, LLVMValueRef index, int rank, const int64_t *dims,
                LLVMValueRef *coords);

#endif
