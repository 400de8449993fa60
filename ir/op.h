/* The op enumeration and its table (ops.def): arity, shape inference, category, flags and
 * the inputs that decide output shapes, per op. (The table's LOWER and EMIT columns are read by
 * codegen/ops/, its GRAD column by passes/autodiff/.) */
#ifndef DLCC_IR_OP_H
#define DLCC_IR_OP_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ir_op {
  IR_OP_INVALID = 0,
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  IR_OP_##ENUM,
#include "ir/ops.def"
#undef OP
  IR_OP_COUNT
} ir_op;

/* What kind of computation an op is: decides how codegen and passes treat it. */
typedef enum ir_op_category {
  IR_OP_CATEGORY_INVALID = 0,
  /* One output element from the same-index elements of the (broadcast) inputs: unary,
   * binary, variadic and comparison ops, Where, Cast, Clip, Pow, and BatchNormalization
   * (inference form: a per-channel scale and shift). */
  IR_OP_CATEGORY_ELEMENTWISE,
  /* Output 0 aliases input 0's bytes under another shape (BitCast: another type of the same
   * size); no kernel runs. */
  IR_OP_CATEGORY_VIEW,
  /* Combines the elements along some axes into one: Reduce*, ArgMax/ArgMin,
   * GlobalAverage/MaxPool. */
  IR_OP_CATEGORY_REDUCTION,
  /* A reduction (or a running total) over a row and an elementwise pass with its result:
   * Softmax, LogSoftmax, LayerNormalization, RMSNormalization, Hardmax, LpNormalization,
   * CumSum/CumProd; LRN (a sum of squares over a channel window). */
  IR_OP_CATEGORY_NORMALIZATION,
  /* Sums of products over a shared axis: MatMul, Gemm, Conv, ConvTranspose, DeformConv. */
  IR_OP_CATEGORY_CONTRACTION,
  /* A reduction over a sliding window: MaxPool, AveragePool, LpPool; RoiAlign (over the
   * samples of each bin of a region). */
  IR_OP_CATEGORY_WINDOW,
  /* Scores predictions against targets, per target or summed: NegativeLogLikelihoodLoss. */
  IR_OP_CATEGORY_LOSS,
  /* Transformer ops with kernels of their own: Attention (two contractions around a softmax
   * in one kernel), RotaryEmbedding (position-dependent rotations of element pairs). */
  IR_OP_CATEGORY_ATTENTION,
  /* Linear algebra with kernels of their own that do not root kernel groups: Einsum (sums of
   * products by an equation, one thread per output element), Det (an elimination a matrix). */
  IR_OP_CATEGORY_LINEAR_ALGEBRA,
  /* Copies elements to new positions without arithmetic: Transpose, Slice, Concat, Split,
   * Gather, GatherElements, Expand, Pad, CenterCropPad, DepthToSpace, SpaceToDepth, Trilu
   * (which keeps or zeroes them); ScatterElements and ScatterND (which may combine them
   * with data), TopK (which compares them), Resize and GridSample (which interpolate between
   * neighbours), AffineGrid (which makes a sampling grid), Col2Im (which sums overlapping
   * blocks), MaxUnpool (which scatters them); NonZero, Compress, Unique, NonMaxSuppression (which
   * select them, IR_OP_FLAG_DATA_DEPENDENT). */
  /* (MOVEMENT also holds the index-driven GatherND, OneHot, ReverseSequence, TensorScatter,
   * and EyeLike, which writes a diagonal of ones.) */
  IR_OP_CATEGORY_MOVEMENT,
  /* Computes shapes or shape-derived tensors, folded at compile time: Shape, Size,
   * ConstantOfShape, Range. */
  IR_OP_CATEGORY_SHAPE,
  /* dl.group: a region of ops lowered together. */
  IR_OP_CATEGORY_GROUP,
} ir_op_category;

/* Facts about an op that switches would otherwise repeat (the FLAGS column). */
typedef enum ir_op_flag {
  /* Defined on floating-point inputs only (ONNX restricts the type to floats). */
  IR_OP_FLAG_FLOAT_ONLY = 1u << 0,
  /* Computed by the kernel builder's f32 math library (kb_math.c): no f64 kernel. */
  IR_OP_FLAG_F32_MATH = 1u << 1,
  /* Each output element is one input element at a mapped index (Transpose, Expand; views
   * are so by category): evaluated inside a kernel group by indexing alone. */
  IR_OP_FLAG_INDEX_MAP = 1u << 2,
  /* Defined on bool inputs only (And, Or, Xor, Not). */
  IR_OP_FLAG_BOOL_ONLY = 1u << 3,
  /* Defined on integer inputs only (the Bitwise ops, BitShift). */
  IR_OP_FLAG_INTEGER_ONLY = 1u << 4,
  /* Reads only input 0's dims, never its elements (Shape, Size): folds to a constant as soon
   * as the dims it reads are static, whatever computes the input. */
  IR_OP_FLAG_READS_DIMS = 1u << 5,
  /* Output sizes depend on input values (NonZero, Compress, Unique, NonMaxSuppression): the
   * outputs are typed at an upper bound and the kernels write each output's actual dims into
   * a record the runtime reads back (docs/runtime.md). Only graph outputs may read them. */
  IR_OP_FLAG_DATA_DEPENDENT = 1u << 6,
  /* Draws numbers (RandomUniformLike): two such nodes are different draws even with equal
   * inputs and attributes (the seed may come from the node's name), so never merged. */
  IR_OP_FLAG_RANDOM = 1u << 7,
  /* An index map that places each input element at exactly one output element (as many
   * elements out as in): the views that keep row-major order (Reshape, Flatten, Squeeze,
   * Unsqueeze, Identity, Dropout) and Transpose (coordinates permuted). A group's epilogue may continue
   * through it, storing each root element once at the mapped index (passes/fuse.c). */
  IR_OP_FLAG_BIJECTIVE = 1u << 8,
  /* Runs on 16-bit floats when a model is compiled with --precision=f16|bf16 (passes/to_half.c):
   * its kernel computes in f32 and rounds only the elements it stores, so 16-bit storage costs
   * rounding alone. Ops without it (Exp, Pow, Log, sums, cumulative ops, losses, ...: outputs
   * that overflow f16 or lose what the user needs) keep f32 behind Casts. */
  IR_OP_FLAG_HALF_STORAGE = 1u << 9,
} ir_op_flag;

/* The SHAPE_INPUTS bit of input `index`. */
#define IR_OP_INPUT(index) (1u << (index))

struct ir_graph;
struct ir_node;
struct dl_diag;

/* Checks a node's attributes and input types, sets its output types. Returns 0, or
 * -1 after adding a message that names the node and op to the diagnostics. */
typedef int (*ir_infer_fn)(struct ir_graph *graph, struct ir_node *node, struct dl_diag *diag);

typedef struct ir_op_info {
  const char *name;
  int min_inputs, max_inputs;
  int min_outputs, max_outputs;
  ir_infer_fn infer;
  ir_op_category category;
  uint32_t flags;        /* ir_op_flag bits */
  uint32_t shape_inputs; /* IR_OP_INPUT bits */
} ir_op_info;

const ir_op_info *ir_op_get(ir_op op); /* NULL for an invalid op */
const char *ir_op_name(ir_op op);
ir_op ir_op_from_name(const char *name); /* IR_OP_INVALID if unknown */
/* The queries below answer IR_OP_CATEGORY_INVALID / false for an invalid op. */
ir_op_category ir_op_category_of(ir_op op);
const char *ir_op_category_name(ir_op_category category);
bool ir_op_has_flag(ir_op op, ir_op_flag flag);
/* Whether the value of input `index` decides an output's shape (so must be known when
 * compiling). */
bool ir_op_input_decides_shape(ir_op op, int index);

/* Kernel groups (docs/kernels.md): index maps (views and IR_OP_FLAG_INDEX_MAP ops) and
 * element maps (index maps and elementwise ops) are computed element by element inside a
 * group; a group root (GEMM/Conv contractions, reductions, Attention with one output) takes
 * them as its prologue and epilogue. */
bool ir_op_is_index_map(ir_op op);
bool ir_op_is_element_map(ir_op op);
bool ir_op_can_root_group(ir_op op);
/* Whether `node` roots a group: its op can, and it has one output (Attention with its KV-cache
 * or score outputs has launches of its own). fuse grows groups around such nodes, and their
 * kernels load inputs and store the output through the group (codegen/ops/group.h). */
bool ir_node_can_root_group(const struct ir_node *node);
/* Whether the op's kernel writes each output element in the thread that read the same-index
 * elements of its inputs, after reading them, so that an output may take the bytes of an
 * input of the same shape that dies there (in-place reuse, ir/memory_plan.h). True for the
 * ELEMENTWISE category: its emitters compute one element from the elements at that index. */
bool ir_op_may_write_in_place(ir_op op);

#endif
