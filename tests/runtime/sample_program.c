/* The sample program's host twins, PTX and schedule (see sample_program.h). */
#include "sample_program.h"

#include <string.h>

/* out[i] = a[i] + scale * b[i] for i < n; one thread per element. */
static void vector_add_host(void *const *params, const dlrt_host_launch *launch) {
  const float *a = *(float *const *)params[0];
  const float *b = *(float *const *)params[1];
  float *out = *(float *const *)params[2];
  float scale = *(const float *)params[3];
  int32_t n = *(const int32_t *)params[4];
  for (uint32_t t = 0; t < launch->block[0]; t++) {
    int64_t i = (int64_t)launch->block_index[0] * launch->block[0] + t;
    if (i < n)
      out[i] = a[i] + scale * b[i];
  }
}

/* out[blockIdx.x] = sum of in over the block's range: a tree reduction in shared memory.
 * Each loop over threads is one phase between two barriers. */
static void block_sum_host(void *const *params, const dlrt_host_launch *launch) {
  const float *in = *(float *const *)params[0];
  float *out = *(float *const *)params[1];
  int32_t n = *(const int32_t *)params[2];
  float *shared = launch->shared_memory;
  uint32_t threads = launch->block[0];
  for (uint32_t t = 0; t < threads; t++) {
    int64_t i = (int64_t)launch->block_index[0] * threads + t;
    shared[t] = i < n ? in[i] : 0.0f;
  }
  for (uint32_t stride = threads / 2; stride > 0; stride /= 2)
    for (uint32_t t = 0; t < stride; t++)
      shared[t] += shared[t + stride];
  out[launch->block_index[0]] = shared[0];
}

/* Real PTX for the same kernels (checked by ptxas in runtime.sample_ptx), so the sample
 * also runs on a GPU; the fake driver only reads the .entry signatures. */
static const char sample_ptx[] =
    ".version 7.0\n"
    ".target sm_70\n"
    ".address_size 64\n"
    "\n"
    ".shared .align 4 .b8 dlrt_test_block_sum_shared[1024];\n"
    "\n"
    "// out[i] = a[i] + scale * b[i]\n"
    ".visible .entry dlrt_test_vector_add(\n"
    "  .param .u64 a, .param .u64 b, .param .u64 out, .param .f32 scale, .param .u32 n)\n"
    "{\n"
    "  .reg .pred %p<2>;\n"
    "  .reg .b32 %r<6>;\n"
    "  .reg .f32 %f<5>;\n"
    "  .reg .b64 %rd<11>;\n"
    "  ld.param.u64 %rd1, [a];\n"
    "  ld.param.u64 %rd2, [b];\n"
    "  ld.param.u64 %rd3, [out];\n"
    "  ld.param.f32 %f1, [scale];\n"
    "  ld.param.u32 %r1, [n];\n"
    "  mov.u32 %r2, %ctaid.x;\n"
    "  mov.u32 %r3, %ntid.x;\n"
    "  mov.u32 %r4, %tid.x;\n"
    "  mad.lo.s32 %r5, %r2, %r3, %r4;\n"
    "  setp.ge.s32 %p1, %r5, %r1;\n"
    "  @%p1 bra ADD_DONE;\n"
    "  cvta.to.global.u64 %rd4, %rd1;\n"
    "  cvta.to.global.u64 %rd5, %rd2;\n"
    "  cvta.to.global.u64 %rd6, %rd3;\n"
    "  mul.wide.s32 %rd7, %r5, 4;\n"
    "  add.s64 %rd8, %rd4, %rd7;\n"
    "  add.s64 %rd9, %rd5, %rd7;\n"
    "  add.s64 %rd10, %rd6, %rd7;\n"
    "  ld.global.f32 %f2, [%rd8];\n"
    "  ld.global.f32 %f3, [%rd9];\n"
    "  fma.rn.f32 %f4, %f1, %f3, %f2;\n"
    "  st.global.f32 [%rd10], %f4;\n"
    "ADD_DONE:\n"
    "  ret;\n"
    "}\n"
    "\n"
    "// out[blockIdx.x] = tree sum over the block's elements in shared memory (blockDim <= 256)\n"
    ".visible .entry dlrt_test_block_sum(.param .u64 in, .param .u64 out, .param .u32 n)\n"
    "{\n"
    "  .reg .pred %p<4>;\n"
    "  .reg .b32 %r<12>;\n"
    "  .reg .f32 %f<5>;\n"
    "  .reg .b64 %rd<8>;\n"
    "  ld.param.u64 %rd1, [in];\n"
    "  ld.param.u64 %rd2, [out];\n"
    "  ld.param.u32 %r1, [n];\n"
    "  mov.u32 %r2, %ctaid.x;\n"
    "  mov.u32 %r3, %ntid.x;\n"
    "  mov.u32 %r4, %tid.x;\n"
    "  mad.lo.s32 %r5, %r2, %r3, %r4;\n"
    "  mov.f32 %f1, 0f00000000;\n"
    "  setp.ge.s32 %p1, %r5, %r1;\n"
    "  @%p1 bra SUM_STORE;\n"
    "  cvta.to.global.u64 %rd3, %rd1;\n"
    "  mul.wide.s32 %rd4, %r5, 4;\n"
    "  add.s64 %rd5, %rd3, %rd4;\n"
    "  ld.global.f32 %f1, [%rd5];\n"
    "SUM_STORE:\n"
    "  mov.u32 %r6, dlrt_test_block_sum_shared;\n"
    "  shl.b32 %r7, %r4, 2;\n"
    "  add.s32 %r8, %r6, %r7;\n"
    "  st.shared.f32 [%r8], %f1;\n"
    "  bar.sync 0;\n"
    "  shr.u32 %r9, %r3, 1;\n"
    "SUM_LOOP:\n"
    "  setp.eq.s32 %p2, %r9, 0;\n"
    "  @%p2 bra SUM_WRITE;\n"
    "  setp.ge.u32 %p3, %r4, %r9;\n"
    "  @%p3 bra SUM_SKIP;\n"
    "  shl.b32 %r10, %r9, 2;\n"
    "  add.s32 %r11, %r8, %r10;\n"
    "  ld.shared.f32 %f2, [%r11];\n"
    "  ld.shared.f32 %f3, [%r8];\n"
    "  add.f32 %f4, %f3, %f2;\n"
    "  st.shared.f32 [%r8], %f4;\n"
    "SUM_SKIP:\n"
    "  bar.sync 0;\n"
    "  shr.u32 %r9, %r9, 1;\n"
    "  bra SUM_LOOP;\n"
    "SUM_WRITE:\n"
    "  setp.ne.s32 %p1, %r4, 0;\n"
    "  @%p1 bra SUM_END;\n"
    "  ld.shared.f32 %f2, [dlrt_test_block_sum_shared];\n"
    "  cvta.to.global.u64 %rd6, %rd2;\n"
    "  mul.wide.u32 %rd7, %r2, 4;\n"
    "  add.s64 %rd6, %rd6, %rd7;\n"
    "  st.global.f32 [%rd6], %f2;\n"
    "SUM_END:\n"
    "  ret;\n"
    "}\n";

const char *sample_ptx_text(void) { return sample_ptx; }

static const dlrt_kernel sample_kernels[] = {
    {.name = "dlrt_test_vector_add", .host_fn = vector_add_host, .param_count = 5},
    {.name = "dlrt_test_block_sum",
     .host_fn = block_sum_host,
     .param_count = 3,
     .shared_bytes = SAMPLE_BLOCK * sizeof(float)},
};

static const dlrt_ptx_module sample_modules[] = {{.sm_version = 70, .ptx = sample_ptx}};

/* Arena: y at 0, tmp at 4096, partials at 8192. */
#define ARENA_Y 0
#define ARENA_TMP 4096
#define ARENA_PARTIALS 8192

static uint64_t f32_bits(float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);
  return bits;
}

static dlrt_arg add_args[5], add_weight_args[5], sum_args[3];
static const dlrt_launch sample_launches[] = {
    {.kernel = 0,
     .grid = {SAMPLE_BLOCKS, 1, 1},
     .block = {SAMPLE_BLOCK, 1, 1},
     .arg_count = 5,
     .args = add_args},
    {.kernel = 0,
     .grid = {SAMPLE_BLOCKS, 1, 1},
     .block = {SAMPLE_BLOCK, 1, 1},
     .arg_count = 5,
     .args = add_weight_args},
    {.kernel = 1,
     .grid = {SAMPLE_BLOCKS, 1, 1},
     .block = {SAMPLE_BLOCK, 1, 1},
     .arg_count = 3,
     .args = sum_args},
};

static const int64_t vector_dims[] = {SAMPLE_N};
static const int64_t partial_dims[] = {SAMPLE_BLOCKS};
static const dlrt_tensor_desc sample_inputs[] = {
    {.name = "x",
     .dtype = DLRT_DTYPE_F32,
     .rank = 1,
     .dims = vector_dims,
     .arena_offset = DLRT_BINDING},
    {.name = "y", .dtype = DLRT_DTYPE_F32, .rank = 1, .dims = vector_dims, .arena_offset = ARENA_Y},
};
static const dlrt_tensor_desc sample_outputs[] = {
    {.name = "sum",
     .dtype = DLRT_DTYPE_F32,
     .rank = 1,
     .dims = vector_dims,
     .arena_offset = DLRT_BINDING},
    {.name = "partials",
     .dtype = DLRT_DTYPE_F32,
     .rank = 1,
     .dims = partial_dims,
     .arena_offset = ARENA_PARTIALS},
};

static _Alignas(16) float weights[SAMPLE_N];
static dlrt_program program;

const float *sample_weights(void) {
  sample_program();
  return weights;
}

const dlrt_program *sample_program(void) {
  if (program.abi_version)
    return &program;
  for (int i = 0; i < SAMPLE_N; i++)
    weights[i] = (float)(i % 7) - 3.0f;
  /* sum = x + 0.5 * y */
  add_args[0] = (dlrt_arg){DLRT_ARG_INPUT, 0, 0, 0};
  add_args[1] = (dlrt_arg){DLRT_ARG_ARENA, 0, ARENA_Y, 0};
  add_args[2] = (dlrt_arg){DLRT_ARG_OUTPUT, 0, 0, 0};
  add_args[3] = (dlrt_arg){DLRT_ARG_F32, 0, f32_bits(SAMPLE_SCALE), 0};
  add_args[4] = (dlrt_arg){DLRT_ARG_I32, 0, SAMPLE_N, 0};
  /* tmp = sum + 1 * w */
  add_weight_args[0] = (dlrt_arg){DLRT_ARG_OUTPUT, 0, 0, 0};
  add_weight_args[1] = (dlrt_arg){DLRT_ARG_WEIGHT, 0, 0, 0};
  add_weight_args[2] = (dlrt_arg){DLRT_ARG_ARENA, 0, ARENA_TMP, 0};
  add_weight_args[3] = (dlrt_arg){DLRT_ARG_F32, 0, f32_bits(1.0f), 0};
  add_weight_args[4] = (dlrt_arg){DLRT_ARG_I32, 0, SAMPLE_N, 0};
  /* partials = block sums of tmp */
  sum_args[0] = (dlrt_arg){DLRT_ARG_ARENA, 0, ARENA_TMP, 0};
  sum_args[1] = (dlrt_arg){DLRT_ARG_ARENA, 0, ARENA_PARTIALS, 0};
  sum_args[2] = (dlrt_arg){DLRT_ARG_I32, 0, SAMPLE_N, 0};
  program = (dlrt_program){
      .abi_version = DLRT_PROGRAM_ABI_VERSION,
      .name = "sample",
      .kernel_count = 2,
      .kernels = sample_kernels,
      .module_count = 1,
      .modules = sample_modules,
      .launch_count = 3,
      .launches = sample_launches,
      .weights = weights,
      .weights_size = sizeof weights,
      .arena_size = ARENA_PARTIALS + SAMPLE_BLOCKS * sizeof(float),
      .counter_bytes = SAMPLE_COUNTER_BYTES,
      .input_count = 2,
      .inputs = sample_inputs,
      .output_count = 2,
      .outputs = sample_outputs,
  };
  return &program;
}

dlrt_program sample_program_with_modules(const dlrt_ptx_module *modules, uint32_t count) {
  dlrt_program copy = *sample_program();
  copy.modules = modules;
  copy.module_count = count;
  return copy;
}

void sample_data(float *x, float *y, float *expected_sum, float *expected_partials) {
  const float *w = sample_weights();
  for (int b = 0; b < SAMPLE_BLOCKS; b++)
    expected_partials[b] = 0.0f;
  for (int i = 0; i < SAMPLE_N; i++) {
    x[i] = (float)(i % 13) * 0.25f;
    y[i] = (float)(i % 5) - 2.0f;
    expected_sum[i] = x[i] + SAMPLE_SCALE * y[i];
    expected_partials[i / SAMPLE_BLOCK] += expected_sum[i] + w[i];
  }
}
