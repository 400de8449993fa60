/* How a graph node or a fused group becomes kernels: the contract between the op lowerings
 * (one file per op family in codegen/ops/) and the program builder that schedules and binds
 * them. A node is lowered as a group of one (codegen/ops/group.h). */
#ifndef DLCC_CODEGEN_OP_LOWERING_H
#define DLCC_CODEGEN_OP_LOWERING_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen/kernel_builder.h"
#include "ir/graph.h"

enum { LOWER_MAX_LAUNCHES = 4 };

typedef enum lower_arg_kind {
  LOWER_ARG_INPUT,     /* pointer to the node's input `index` (activation or weight) */
  LOWER_ARG_VALUE,     /* pointer to `value`: read inside a group from outside it (not an input) */
  LOWER_ARG_OUTPUT,    /* pointer to the node's output `index` */
  LOWER_ARG_WORKSPACE, /* pointer to the node's workspace + `scalar` bytes */
  /* pointer to the node's counters + `scalar` bytes: u32s in a region zeroed once when the
   * model is created, which kernels must leave zeroed at the end of every launch */
  LOWER_ARG_COUNTERS,
  LOWER_ARG_I32,       /* scalar */
  LOWER_ARG_I64,       /* scalar */
  LOWER_ARG_F32,       /* scalar `f` */
  /* --check-indices (lower_context.check_indices): the run's index error word, and this
   * node's site number to record in it (codegen/ops/index_check.h) */
  LOWER_ARG_INDEX_ERROR_WORD,
  LOWER_ARG_INDEX_SITE,
  /* Ops with IR_OP_FLAG_DATA_DEPENDENT: the dims record (rank i64 values) of output `index`,
   * where its kernel writes the run's actual dims */
  LOWER_ARG_OUTPUT_DIMS,
} lower_arg_kind;

/* How the weights blob holds a constant that an INPUT or VALUE argument binds: as the IR
 * stores it (rows = 0), or packed at compile time for the kernel that reads it: the constant
 * seen as row-major [rows][cols] matrices back to back, each stored transposed ([cols][rows]),
 * so that a kernel walking down a column reads adjacent words. The IR keeps its type and
 * values; only the copy in the weights is laid out this way. */
typedef struct lower_packing {
  int64_t rows, cols;
} lower_packing;

typedef struct lower_arg {
  lower_arg_kind kind;
  int index;
  int64_t scalar;
  float f;
  const ir_value *value;
  lower_packing packing; /* INPUT/VALUE of a constant: its layout in the weights */
} lower_arg;

/* One launch of a kernel the lowering defined in ctx->kb. Launches of a node run in order. */
typedef struct lower_launch {
  const char *kernel; /* name given to kb_kernel_begin (points into the builder or a literal) */
  uint32_t grid[3];
  uint32_t block[3];
  int arg_count;
  lower_arg *args; /* any number: grown in the arena by lower_add_arg */
  size_t arg_capacity;
  ir_arena *arena;
} lower_launch;

typedef struct lower_result {
  ir_arena *arena; /* where launch arguments live (the graph's; set by lower_node) */
  int launch_count;
  lower_launch launches[LOWER_MAX_LAUNCHES];
  int64_t workspace_bytes; /* device scratch the node needs besides its outputs (e.g. partials) */
  int64_t counter_bytes;   /* zeroed counters the node needs (LOWER_ARG_COUNTERS) */
} lower_result;

typedef struct lower_context {
  kernel_builder *kb;        /* the module kernels are added to (NVPTX or host: same calls) */
  const ir_graph *graph;
  const char *kernel_prefix; /* make kernel names unique: "<prefix>_<node id>_<what>" */
  dl_diag *diag;
  struct lower_group *group; /* the group being lowered (set by lower_node) */
  /* Kernels that read indices record an out-of-range one (dlcc --check-indices) instead of
   * only clamping it: codegen/ops/index_check.h. */
  bool check_indices;
} lower_context;

/* Every lowering has this shape. `node` is the root of ctx->group: it defines the kernels the
 * group needs (specialized to its static shapes: shapes and strides are compile-time
 * constants in the kernel) and says how to launch them. It must behave identically for both
 * targets (same kernels, same launches). Errors (unsupported dtype, symbolic shape, ...) name
 * the node: ir_node_error(). Lowerings without prologue/epilogue hooks only ever get groups
 * of one (group.c refuses others). */
typedef int (*lower_fn)(lower_context *ctx, const ir_node *node, lower_result *out);

/* Lowers a top-level node: an op (a group of one) or a dl.group, through group.c. Views
 * return 0 with no launch. */
int lower_node(lower_context *ctx, const ir_node *node, lower_result *out);
/* Ops of category VIEW (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout, BitCast): they
 * only reinterpret their input's bytes, so their output aliases input 0 and no kernel runs. */
bool lower_is_view(ir_op op);
/* Whether the op has a lowering at all (for "unsupported op" errors before codegen). */
bool lower_is_supported(ir_op op);

/* Helpers for lowerings: append a launch, a kernel name unique to the node. */
lower_launch *lower_add_launch(lower_result *out, const char *kernel, uint32_t grid_x,
                               uint32_t block_x);
void lower_add_arg(lower_launch *launch, lower_arg_kind kind, int index);
void lower_append_arg(lower_launch *launch, lower_arg arg);
bool lower_args_equal(const lower_arg *a, const lower_arg *b);
/* A kernel's name: the model's prefix, the node id, a group's name (cut to fit) and `what`;
 * at most LOWER_KERNEL_NAME_MAX characters unless the prefix alone is longer (ptxas logs and
 * profiles show it; tools keep 127 characters of it). */
enum { LOWER_KERNEL_NAME_MAX = 96 };
const char *lower_kernel_name(lower_context *ctx, const ir_node *node, const char *what);

#endif
