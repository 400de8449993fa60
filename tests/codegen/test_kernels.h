/* Kernels the codegen tests define once and run on the host (JIT) and assemble as PTX. */
#ifndef DLCC_TESTS_CODEGEN_TEST_KERNELS_H
#define DLCC_TESTS_CODEGEN_TEST_KERNELS_H

#include "codegen/kernel_builder.h"

enum { TILE = 16, REDUCE_THREADS = 256 };

/* Defines every test kernel (see test_kernels.c for each one's parameters and meaning):
 * elementwise relu, block reductions, shared-memory neighbours, warp shuffles and reductions,
 * uniform if/loops, constant tables, atomics and the 16x16-tiled matmul. 0 ok, -1 error. */
int define_test_kernels(kernel_builder *kb);

/* NAME(in, out): block b's threads write partial[b][t] = in[b * blockDim + t] + 1, count the
 * block on a u32 counter after a fence, and the last block to arrive (with check_counter;
 * every block without it, a race) writes out[t] = sum over b of partial[b][t], then resets
 * the counter. `out` holds blockDim sums, the counter, then gridDim x blockDim partials. */
int define_last_block_sum(kernel_builder *kb, const char *name, int check_counter);

/* unary_NAME(in, out, n) for exp, log, tanh, erf, sigmoid, sqrt, rsqrt; pow_f32(x, y, out, n). */
int define_math_kernels(kernel_builder *kb);

/* Small emission helpers shared with the tests. */
LLVMValueRef tk_global_index(kernel_builder *kb); /* blockIdx.x * blockDim.x + threadIdx.x */
LLVMValueRef tk_load(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base, LLVMValueRef index);
void tk_store(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value);

#endif
