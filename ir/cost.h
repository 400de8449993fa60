/* The modeled arithmetic of a node, for the compiler's static figures (`dlcc compile --stats`
 * and --report): counts of floating-point or integer operations, not measurements. */
#ifndef DLCC_IR_COST_H
#define DLCC_IR_COST_H

#include <stdint.h>

#include "ir/graph.h"

/* Operations one evaluation of `node` performs, by its category: 2 per multiply-add of a
 * contraction (MatMul, Gemm, Conv), 1 per output element of an elementwise op, 1 per input
 * element of a reduction, 5 per element of a normalization (max or mean, subtract, exp or
 * square, sum, divide), the window's size per output element of a pooling op (1 per input
 * element for a global one), 0 for views, data movement and shape ops; a group sums its
 * body. Saturates at INT64_MAX. */
int64_t ir_node_flops(const ir_node *node);

/* How many multiply-adds of a contraction (MatMul, Gemm, Conv...) read each element of its
 * input `input` on average: multiply-adds / the input's elements (a MatMul's A: N; a 1x1
 * Conv's X: Cout). A kernel that computes the element on the fly (a fused prologue)
 * recomputes it about reuse / tile-width times. 0 when unknown. */
int64_t ir_contraction_input_reuse(const ir_node *node, int input);

#endif
