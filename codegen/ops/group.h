/* A group lowered into one kernel: a dl.group region, or one node as a group of one. Its
 * root (the op whose kernel it becomes), the values its kernel reads from outside and the
 * values it writes, and the hooks roots call: element loads of the root's inputs through
 * the prologue, and stores of the root's output elements through the epilogue. */
#ifndef DLCC_CODEGEN_OPS_GROUP_H
#define DLCC_CODEGEN_OPS_GROUP_H

#include "codegen/ops/op_lowering.h"

/* An element of a value: its row-major linear index and/or its coordinates, each computed
 * from the other when first needed (i32 values). */
typedef struct group_index {
  const ir_type *shape;
  LLVMValueRef linear; /* NULL until needed */
  bool has_coordinates;
  LLVMValueRef coordinates[IR_MAX_RANK];
} group_index;

/* Values already emitted for one element (a value used twice is computed once). */
typedef struct group_memo_entry {
  const ir_value *value;
  group_index index;
  LLVMValueRef element;
} group_memo_entry;

typedef struct lower_group lower_group;
/* Loads read `read` at `index` (in the read's shape); the default loads kernel parameter
 * `read` at the linear index. */
typedef LLVMValueRef (*group_read_fn)(kernel_builder *kb, const lower_group *group, int read,
                                      group_index *index, void *user);

struct lower_group {
  const ir_node *node;     /* launches bind to its inputs/outputs: the dl.group or the op */
  const ir_region *region; /* the dl.group's body; NULL for a group of one */
  const ir_node *root;     /* NULL: every node is elementwise or a view (a pointwise map) */
  int result_count;
  const ir_value **results; /* written values: the region's results, or the node's outputs */
  int read_count;
  const ir_value **reads; /* read from outside, in kernel parameter order */
  lower_arg *read_args;   /* how launches bind each read */
  bool indexed;           /* some node maps coordinates (views, Transpose, Expand, BN) */
  /* by value id, after a root: the value whose element order it has (the root's output, or
   * a bijective index map's output); NULL for values not computed from the root's output.
   * NULL for a group of one. */
  const ir_value **frames;
  /* element evaluation state (see group_eval.c) */
  kernel_builder *kb;
  LLVMValueRef root_element; /* the root's output element while storing (epilogue) */
  group_read_fn read;        /* NULL: load kernel parameters */
  bool flat;                 /* `read` gives each read's one element: indices are not mapped */
  void *read_user;
  group_memo_entry *memo;
  int memo_count;
  size_t memo_capacity;
};

/* Builds the group for a top-level node, refusing (an error naming the group and why)
 * shapes no root can take. */
int lower_group_build(lower_context *ctx, const ir_node *node, lower_group *out);
void lower_group_deinit(lower_group *group);

/* --- launches and kernel parameters: reads, then results, then what the root adds ---------- */
void lower_group_bind(const lower_group *group, lower_launch *launch);
/* kb_param/lower_arg arrays (arena) of the reads and results, for callers with own extras. */
const kb_param *lower_group_params(lower_context *ctx, int *count);
const lower_arg *lower_group_args(lower_context *ctx);
/* lower_group_args, with the root's input `input` bound as `packing` (the weights hold it
 * packed at compile time, codegen/program/packed_weights.c) when it is a constant read
 * straight from a kernel parameter by that input alone (no other node of the group, nor
 * another root input, reads it); *out_packed says whether it is. */
const lower_arg *lower_group_args_packed(lower_context *ctx, int input, lower_packing packing,
                                         bool *out_packed);
/* Begins the launch's kernel: one pointer parameter per argument (reads, results, then any
 * workspace the root appended). */
int lower_group_kernel_begin(kernel_builder *kb, ir_arena *arena, const lower_launch *launch);

/* --- hooks roots call (inside their kernel) ----------------------------------------------- */
/* Element `linear` of the root's input `input` (row-major in its shape), as stored in its
 * dtype: a kernel parameter load, or the prologue computing it. */
LLVMValueRef lower_group_load(lower_context *ctx, int input, LLVMValueRef linear);
/* Writes element `linear` of the root's output (`value` in its storage type) to every
 * result, through the epilogue. */
void lower_group_store(lower_context *ctx, LLVMValueRef linear, LLVMValueRef value);
/* The same for roots that compute in f32 (the contractions): the element widened from the
 * input's float type, and an f32 result rounded to the output's. */
LLVMValueRef lower_group_load_f32(lower_context *ctx, int input, LLVMValueRef linear);
void lower_group_store_f32(lower_context *ctx, LLVMValueRef linear, LLVMValueRef value);
/* The element types the f32-computing contractions take: f32, f16 and bf16 (f16/bf16
 * operands widen exactly; the sums accumulate in f32 and round once into the output). */
bool lower_contraction_dtype(ir_dtype dtype);
/* Whether the root's input `input` is read straight from a kernel parameter (no prologue),
 * and which: roots may then use wider accesses. -1 if not. */
int lower_group_plain_read(const lower_group *group, int input);

/* --- the element evaluator (group_eval.c) -------------------------------------------------- */
group_index group_index_linear(const ir_type *shape, LLVMValueRef linear);
LLVMValueRef group_index_get_linear(kernel_builder *kb, group_index *index);
const LLVMValueRef *group_index_get_coordinates(kernel_builder *kb, group_index *index);
/* Emits element `index` of `value` (a value of the group, a read, or the root's output in
 * an epilogue) in its storage type. Forget earlier elements with group_forget first when the
 * code moves to where they do not dominate. */
LLVMValueRef group_evaluate(lower_group *group, const ir_value *value, group_index *index);
void group_forget(lower_group *group);
/* Whether the evaluator computes this op's elements (elementwise, views, Transpose, Expand). */
bool group_evaluates(ir_op op);
/* Whether input `input` of `op` is element data (not a shape, axes or a flag). */
bool group_input_is_data(ir_op op, int input);
/* The shape operand `input` of an elementwise node broadcasts onto its output as
 * (BatchNormalization's [C] parameters line up with axis 1). */
void group_operand_shape(const ir_node *node, int input, ir_type *out);

/* The pointwise map root (pointwise_map.c): every result element from the group's reads. */
int pw_lower_group(lower_context *ctx, lower_result *out);

#endif
