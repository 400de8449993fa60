/* Pieces shared by the pointwise, reduction, normalization and pooling lowerings: element
 * types in kernels, typed loads/stores and conversions (pointwise_types.c), broadcast index
 * maps, launches and grid-stride loops (pointwise_util.c), the generic pointwise kernel
 * (pointwise_map.c) and block-level row reductions (pointwise_rows.c). */
#ifndef DLCC_CODEGEN_OPS_POINTWISE_UTIL_H
#define DLCC_CODEGEN_OPS_POINTWISE_UTIL_H

#include "codegen/ops/op_lowering.h"

enum {
  PW_BLOCK = 256,      /* threads per block of every kernel in this family */
  PW_MAX_GRID = 65536, /* elementwise grids are capped; grid-stride loops cover the rest */
  PW_WARP = 32,
};

/* --- constants and element types --------------------------------------------------------- */
LLVMTypeRef pw_f32_type(kernel_builder *kb);
/* Storage type of `dtype` in kernels (bool is i8 holding 0/1; the 8- and 4-bit floats are
 * i8 codes; 4- and 2-bit integers an i8 holding the value); NULL if unsupported. */
LLVMTypeRef pw_storage_type(kernel_builder *kb, ir_dtype dtype);
/* Element `index` (i32) of `base` as stored; a packed element is taken out of its byte. */
LLVMValueRef pw_load(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index);
/* Stores one element. Not for packed types: threads writing neighbouring elements of one
 * byte would race, so the pointwise map writes packed results a byte at a time
 * (pw_store_packed_byte) and lower_node refuses them to every other root. */
void pw_store(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
              LLVMValueRef value);
/* Packed types: `value`'s bits moved to element `slot` of a byte, and the store of a byte
 * (its `byte_index`, i32) of packed elements. */
LLVMValueRef pw_pack_element(kernel_builder *kb, ir_dtype dtype, LLVMValueRef value, int slot);
void pw_store_packed_byte(kernel_builder *kb, LLVMValueRef base, LLVMValueRef byte_index,
                          LLVMValueRef byte);
/* `width` consecutive elements at `index` as one vector access, aligned to the vector's
 * size (callers guarantee `index` is a multiple of `width`; buffers are 256-byte aligned). */
LLVMValueRef pw_load_vector(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base,
                            LLVMValueRef index, unsigned width);
void pw_store_vector(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                     LLVMValueRef value);
/* ONNX Cast semantics between any two supported dtypes (float→int truncates, anything→bool
 * is "!= 0", NaN→bool is true, integers wrap into 4- and 2-bit types). f16/bf16 and the 8-
 * and 4-bit floats go through f32 with bit arithmetic (no libcalls); the latter saturate. */
LLVMValueRef pw_convert(kernel_builder *kb, LLVMValueRef value, ir_dtype from, ir_dtype to);
/* The same with Cast's `saturate` for the 8-bit float targets (without it, values beyond the
 * range become infinity or NaN) and its `round_mode` for f8e8m0. */
LLVMValueRef pw_convert_cast(kernel_builder *kb, LLVMValueRef value, ir_dtype from, ir_dtype to,
                             bool saturate, ir_round_mode mode);
/* 8- and 4-bit floats (small_float.c): a code (i8) to f32, and an f32 or f64 rounded to one. */
LLVMValueRef pw_small_float_to_f32(kernel_builder *kb, LLVMValueRef code, ir_dtype dtype);
LLVMValueRef pw_small_float_from_real(kernel_builder *kb, LLVMValueRef value, ir_dtype dtype,
                                      bool saturate, ir_round_mode mode);
/* The type arithmetic runs in: f32 for f16/bf16/f32 and the 8- and 4-bit floats, else the
 * storage type. */
ir_dtype pw_compute_dtype(ir_dtype dtype);
/* Whether lowerings in this family handle `dtype` (floats, integers, bool). */
bool pw_dtype_supported(ir_dtype dtype);
/* Error naming the node when a value has a dtype or shape the kernels cannot take:
 * symbolic dims, more than 2^30 elements, unsupported dtype. `what` names the value. The
 * limit leaves i32 headroom: a grid-stride index (< 2^30) plus its stride (<= 2^24) is a
 * no-signed-wrap add compared signed (kb_for_begin), and must stay below 2^31. */
int pw_check_value(lower_context *ctx, const ir_node *node, const ir_value *value, const char *what,
                   int64_t *out_count);

/* --- float rounding without libm (float_rounding.c; f32 or f64 values) --------------------- */
LLVMValueRef pw_fabs(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_trunc(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_floor(kernel_builder *kb, LLVMValueRef x, bool ceil); /* ceil when `ceil` */
LLVMValueRef pw_round_half_even(kernel_builder *kb, LLVMValueRef x);

/* --- math composed from the builder's (composed_math.c) ------------------------------------ */
/* exp(x) - 1 and log(1 + x) on f32 with Kahan's corrections: relative accuracy near 0. */
LLVMValueRef pw_expm1(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_log1p(kernel_builder *kb, LLVMValueRef x);
/* sin, cos and atan of an f64 value, in f64 without libm: Cody-Waite reduction by pi/2 and
 * Taylor polynomials (about 1e-16 relative for |x| < 2^20 pi/2; the reduction loses bits
 * beyond). */
LLVMValueRef pw_sin_f64(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_cos_f64(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_atan_f64(kernel_builder *kb, LLVMValueRef x);
/* exp and log of f64 values in f64 (Taylor/atanh series after reduction by powers of 2:
 * within 2 ulps of libm in the tests); pw_exp/pw_log take f32 (kb_exp/kb_log) or f64. */
LLVMValueRef pw_exp_f64(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_log_f64(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_exp(kernel_builder *kb, LLVMValueRef x);
LLVMValueRef pw_log(kernel_builder *kb, LLVMValueRef x);

/* --- kernels and launches ---------------------------------------------------------------- */
/* Begins kernel `launch->kernel` with one pointer parameter per launch argument (all args
 * must be pointers); parameter k is launch argument k. */
int pw_kernel_begin(kernel_builder *kb, const lower_launch *launch);
/* Adds launch `what` of the node with every input it has (absent optional ones skipped), then
 * output `output`, and begins its kernel (parameters in that order). -1 on failure. */
int pw_launch_present_inputs(lower_context *ctx, const ir_node *node, lower_result *out,
                             const char *what, uint32_t grid, int output);
/* Grid for `work_items` independent items of one thread each, capped at PW_MAX_GRID. */
uint32_t pw_grid_for(int64_t work_items);
/* Per-thread loop i = global thread id; i < count; i += grid * PW_BLOCK. Returns i (i32). */
LLVMValueRef pw_grid_stride_begin(kernel_builder *kb, int64_t count, uint32_t grid);
int pw_grid_stride_end(kernel_builder *kb);

/* Whether the pointwise map (pw_lower_group) gives this node 4 elements a thread with vector
 * accesses: every operand contiguous or constant over aligned groups of 4 outputs (shapes
 * NULL: the inputs'). */
bool pw_map_is_vectorized(const ir_node *node, const int *inputs, const ir_type *const *shapes,
                          int input_count);

/* --- broadcasting -------------------------------------------------------------------------- */
/* Output dims and each operand's element strides (0 along broadcast axes) after dropping
 * size-1 dims and merging neighbours that are contiguous in every operand. */
typedef struct pw_broadcast {
  int rank;
  int64_t dims[IR_MAX_RANK];
  int operand_count;
  int64_t (*strides)[IR_MAX_RANK]; /* per operand (malloc'ed; NULL when out of memory) */
} pw_broadcast;

/* Plans how each of `count` operand shapes maps onto `output` (ONNX multidirectional
 * broadcasting: shapes aligned at the trailing dim). -1 if out of memory. */
int pw_broadcast_plan(const ir_type *output, const ir_type *const *operands, int count,
                      pw_broadcast *out);
void pw_broadcast_deinit(pw_broadcast *plan);
/* Element offsets of every operand for output linear index `linear` (i32): the same index
 * for operands laid out like the output, 0 for scalars, div/mod by constants otherwise. */
void pw_broadcast_offsets(kernel_builder *kb, const pw_broadcast *plan, LLVMValueRef linear,
                          LLVMValueRef *out_offsets);

/* --- row reductions ------------------------------------------------------------------------ */
typedef enum pw_reduce_op { PW_REDUCE_SUM, PW_REDUCE_MAX, PW_REDUCE_MIN, PW_REDUCE_PROD } pw_reduce_op;

/* `rows` rows of `length` elements: a group of `group` threads (a power of two, 32..256)
 * per row, PW_BLOCK / group rows per block. Threads step through a row `width` elements
 * at a time (4 with vector accesses when rows allow it, else 1). */
typedef struct pw_rows {
  int64_t rows, length;
  unsigned group, rows_per_block, width;
  uint32_t grid;
} pw_rows;

void pw_rows_plan(int64_t rows, int64_t length, pw_rows *out); /* width 1 */
/* Width 4 where `length` is a multiple of 4 (rows then start 4-aligned), else 1. */
void pw_rows_plan_vector(int64_t rows, int64_t length, pw_rows *out);
/* Per-thread loop over this thread's steps of its row (only for valid rows); returns the
 * row-relative index of the step's first element. Close with pw_rows_loop_end. */
LLVMValueRef pw_rows_loop_begin(kernel_builder *kb, const pw_rows *plan);
void pw_rows_loop_end(kernel_builder *kb);
/* Offset of the row's element `position` (row * length + position). */
LLVMValueRef pw_rows_offset(kernel_builder *kb, const pw_rows *plan, LLVMValueRef position);
/* `width` consecutive elements at `index` (4-aligned when width is 4: one vector access),
 * converted to/from f32. */
void pw_load_f32_run(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                     unsigned width, LLVMValueRef *out);
void pw_store_f32_run(kernel_builder *kb, ir_dtype dtype, LLVMValueRef base, LLVMValueRef index,
                      unsigned width, const LLVMValueRef *values);
/* This thread's row (may be >= rows: such threads only take part in the reductions). */
/* One pass over this thread's steps of its row: `body` gets each step's position (in the
 * row) and its `width` values as f32, and may replace the values. Streaming passes load
 * them from `source` (elements of `dtype`); with a cache, the first pass loads them once
 * into per-thread variables and later passes take them from there (and keep what `body`
 * wrote), so a row is read from memory once. */
enum { PW_ROW_CACHE_STEPS = 4 };
typedef struct pw_row_cache {
  bool loaded;
  kb_var *values[PW_ROW_CACHE_STEPS][4];
} pw_row_cache;
typedef void (*pw_row_step_fn)(kernel_builder *kb, LLVMValueRef position, LLVMValueRef *values,
                               void *state);
/* Whether each thread's part of a row fits the cache (at most PW_ROW_CACHE_STEPS steps). */
bool pw_row_cache_fits(const pw_rows *plan);
/* Creates the cache's variables (call at kernel scope when pw_row_cache_fits). */
void pw_row_cache_init(kernel_builder *kb, const pw_rows *plan, pw_row_cache *cache);
void pw_row_pass(kernel_builder *kb, const pw_rows *plan, pw_row_cache *cache /* NULL: stream */,
                 ir_dtype dtype, LLVMValueRef source, pw_row_step_fn body, void *state);
LLVMValueRef pw_rows_row(kernel_builder *kb, const pw_rows *plan);
/* This thread's position in its group, 0..group-1. */
LLVMValueRef pw_rows_lane(kernel_builder *kb, const pw_rows *plan);
/* row < rows, as i1. */
LLVMValueRef pw_rows_valid(kernel_builder *kb, const pw_rows *plan);
/* Shared scratch a pw_group_reduce needs (call at kernel scope, once per kernel). */
LLVMValueRef pw_rows_shared(kernel_builder *kb);
/* Combines `value` across the group; afterwards every thread of the group holds the
 * result in `value`. Call at a block-uniform point. */
int pw_group_reduce(kernel_builder *kb, const pw_rows *plan, kb_var *value, pw_reduce_op op,
                    LLVMValueRef shared);
/* Identity and combination: f32 or f64 (max/min propagate NaN like numpy), or signed i32/i64
 * (combine picks by the operands' LLVM type). Shared slots of pw_rows_shared hold any. */
LLVMValueRef pw_reduce_identity(kernel_builder *kb, pw_reduce_op op); /* f32 */
LLVMValueRef pw_reduce_identity_of(kernel_builder *kb, pw_reduce_op op, ir_dtype dtype);
LLVMValueRef pw_reduce_combine(kernel_builder *kb, pw_reduce_op op, LLVMValueRef a, LLVMValueRef b);

/* What a reduction does to each element before combining it (ReduceL1: |x|; ReduceL2 and
 * ReduceSumSquare: x^2; ReduceLogSumExp: exp x) and to the combined value before storing it
 * (ReduceL2: its square root; ReduceLogSum and ReduceLogSumExp: its log). */
typedef enum pw_reduce_map { PW_MAP_NONE, PW_MAP_ABS, PW_MAP_SQUARE, PW_MAP_EXP } pw_reduce_map;
typedef enum pw_reduce_finish { PW_FINISH_NONE, PW_FINISH_SQRT, PW_FINISH_LOG } pw_reduce_finish;

/* Reduction of `in` to `out` where input element (o, r) sits at offset
 * outer_offset(o) + reduced_offset(r): both given as dims/strides lists (row-major
 * decomposition of o over outer dims, of r over reduced dims). Used by Reduce* and the
 * global pools. `scale` multiplies the result (1/R for means). Defined in reduce.c. */
typedef struct pw_reduction {
  pw_reduce_op op;
  pw_reduce_map map;
  pw_reduce_finish finish;
  int outer_rank, reduced_rank;
  int64_t outer_dims[IR_MAX_RANK], outer_strides[IR_MAX_RANK];
  int64_t reduced_dims[IR_MAX_RANK], reduced_strides[IR_MAX_RANK];
  double scale;
  lower_context *ctx; /* set by pw_lower_reduction: loads and stores go through its group */
} pw_reduction;
int pw_lower_reduction(lower_context *ctx, const ir_node *node, const pw_reduction *spec,
                       lower_result *out);

/* Strategy queries, so tests can assert which kernel shape a node gets. */
/* softmax.c: whether Softmax over `axis` of `x` uses thread groups per row (innermost
 * axis) rather than one thread per (outer, inner) pair. */
bool lower_softmax_uses_rows(const ir_type *x, int axis);
/* pool.c: whether MaxPool/AveragePool kernels take `dtype`. */
bool lower_pool_supports(ir_op op, ir_dtype dtype);

/* Sum of coordinate * stride where coordinates are the row-major decomposition of `linear`
 * over `dims` (all constants). */
LLVMValueRef pw_decompose_offset(kernel_builder *kb, LLVMValueRef linear, int rank,
                                 const int64_t *dims, const int64_t *strides);

#endif
