/* Kernels the codegen tests define once and run on the host (JIT) and assemble as PTX. */
#ifndef DLCC_TESTS_CODEGEN_TEST_KERNELS_H
#define DLCC_TESTS_CODEGEN_TEST_KERNELS_H

#include "codegen/kernel_builder.h"

enum { TILE = 16, REDUCE_THREADS = 256 };

/* relu_f32(in, out, n), block_sum_serial(in, out, n), tree_sum(in, out, n), tree_sum_loop(in, out,
 * n), rotate_shared(in, out), warp_sum_down(in, out), warp_sum_xor(in, out), warp_broadcast(in,
 * out), warp_scan(in, out), warp_gather(in, out), maybe_reverse(in, out, flag), index_in_if(in,
 * out), constant_table(in, out), uniform_remat(in, out, n), atomic_sum_f32(in, out, n),
 * atomic_count_i32(out), matmul_tiled(a, b, c, m, n, k) with 16x16 blocks. 0 ok, -1 error (see
 * diag). */
int define_test_kernels(kernel_builder *kb);

/* unary_NAME(in, out, n) for exp, log, tanh, erf, sigmoid, sqrt, rsqrt; pow_f32(x, y, out, n). */
int define_math_kernels(kernel_builder *kb);

/* Small emission helpers shared with the tests. */
LLVMValueRef tk_i32(kernel_builder *kb, int value);
LLVMValueRef tk_global_index(kernel_builder *kb); /* blockIdx.x * blockDim.x + threadIdx.x */
LLVMValueRef tk_load(kernel_builder *kb, LLVMTypeRef type, LLVMValueRef base, LLVMValueRef index);
void tk_store(kernel_builder *kb, LLVMValueRef base, LLVMValueRef index, LLVMValueRef value);

#endif
