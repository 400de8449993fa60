/* libdlrt's cuda device against the fake libcuda.so.1: results, launch geometry and
 * parameters, copies through pinned staging, module selection, JIT logs and missing kernels in
 * errors, device choice, application streams, the CUDA graph each run launches (host calls per
 * run counted) and when there is none. Fault injection is in test_cuda_faults.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cuda.h>

#include "fake_fixture.h"
#include "fakecuda.h"

/* One dlrt_model_run of the sample on host buffers, checked. */
static void run_sample(dlrt_model *model) {
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  memset(buffers.sum, 0, sizeof buffers.sum);
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
  assert_true(outputs_match());
}

static void test_cuda_results_and_launches(void **state) {
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &cuda_options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_CUDA);
  assert_string_equal(dlrt_model_device_name(model), "cuda:0 fakecuda GPU 0 (sm_80)");
  assert_int_equal(fakecuda_context_depth(), 0);
  fakecuda_copies copies;
  fakecuda_copy_stats(&copies);
  assert_int_equal(copies.h2d_bytes, SAMPLE_N * sizeof(float)); /* weights, once */
  /* the launch list went into a CUDA graph at creation: launched once, while capturing */
  assert_int_equal(fakecuda_call_count("cuLaunchKernel"), 3);
  assert_int_equal(fakecuda_call_count("cuGraphInstantiateWithFlags"), 1);
  assert_int_equal(fakecuda_launch_count(), 0); /* nothing ran yet */
  assert_string_equal(dlrt_model_launch_info(model), "sm_70 PTX; one CUDA graph of 3 launches "
                                                     "per run");

  fakecuda_reset();
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
  assert_true(outputs_match());
  /* a run: its copies and one graph launch, which ran all three kernels */
  assert_int_equal(fakecuda_call_count("cuGraphLaunch"), 1);
  assert_int_equal(fakecuda_call_count("cuLaunchKernel"), 0);

  assert_int_equal(fakecuda_launch_count(), 3);
  const fakecuda_launch *add = fakecuda_launch_record(0);
  const fakecuda_launch *sum = fakecuda_launch_record(2);
  assert_string_equal(add->name, "dlrt_test_vector_add");
  assert_string_equal(sum->name, "dlrt_test_block_sum");
  assert_int_equal(add->grid[0], SAMPLE_BLOCKS);
  assert_int_equal(add->grid[1], 1);
  assert_int_equal(add->block[0], SAMPLE_BLOCK);
  assert_int_equal(add->shared_bytes, 0);
  assert_int_equal(add->param_count, 5);
  float scale;
  uint32_t scale_bits = (uint32_t)add->params[3];
  memcpy(&scale, &scale_bits, sizeof scale);
  assert_true(scale == SAMPLE_SCALE);
  assert_int_equal(add->params[4], SAMPLE_N);
  /* the bound input went through a device buffer, not the caller's host pointer */
  assert_true(add->params[0] != (uint64_t)(uintptr_t)buffers.x);
  /* launch 1 reads the output launch 0 wrote; launch 2 reads the arena tmp launch 1 wrote */
  assert_int_equal(fakecuda_launch_record(1)->params[0], add->params[2]);
  assert_int_equal(sum->params[0], fakecuda_launch_record(1)->params[2]);
  assert_int_equal(sum->params[1] - sum->params[0], 8192 - 4096);

  fakecuda_copy_stats(&copies);
  assert_int_equal(copies.h2d_count, 2);
  assert_int_equal(copies.h2d_bytes, 2 * SAMPLE_N * sizeof(float));
  assert_int_equal(copies.d2h_count, 2);
  assert_int_equal(copies.d2h_bytes, (SAMPLE_N + SAMPLE_BLOCKS) * sizeof(float));
  assert_int_equal(copies.d2d_count, 0);
  assert_int_equal(copies.pageable_count, 0); /* every host copy used pinned staging */
  assert_int_equal(fakecuda_context_depth(), 0);
  dlrt_model_destroy(model);
  assert_no_leaks();
}

/* Device buffers made with the (fake) driver itself, as an application would. */
static void test_cuda_run_device(void **state) {
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &cuda_options, &model), DLRT_STATUS_OK);
  CUcontext context;
  assert_int_equal(cuDevicePrimaryCtxRetain(&context, 0), CUDA_SUCCESS);
  assert_int_equal(cuCtxPushCurrent_v2(context), CUDA_SUCCESS);
  CUdeviceptr x, y, sum, partials;
  assert_int_equal(cuMemAlloc_v2(&x, sizeof buffers.x), CUDA_SUCCESS);
  assert_int_equal(cuMemAlloc_v2(&y, sizeof buffers.y), CUDA_SUCCESS);
  assert_int_equal(cuMemAlloc_v2(&sum, sizeof buffers.sum), CUDA_SUCCESS);
  assert_int_equal(cuMemAlloc_v2(&partials, sizeof buffers.partials), CUDA_SUCCESS);
  memcpy((void *)(uintptr_t)x, buffers.x, sizeof buffers.x);
  memcpy((void *)(uintptr_t)y, buffers.y, sizeof buffers.y);
  fakecuda_reset();
  uint64_t inputs[] = {x, y}, outputs[] = {sum, partials};
  assert_int_equal(dlrt_model_run_device(model, inputs, outputs), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_synchronize(model), DLRT_STATUS_OK);
  memcpy(buffers.sum, (void *)(uintptr_t)sum, sizeof buffers.sum);
  memcpy(buffers.partials, (void *)(uintptr_t)partials, sizeof buffers.partials);
  assert_true(outputs_match());
  assert_int_equal(fakecuda_launch_record(0)->params[0], x); /* bound input used in place */
  /* the graph holds the model's own buffers for the bound input and output, so these
   * application buffers are launched kernel by kernel */
  assert_int_equal(fakecuda_call_count("cuGraphLaunch"), 0);
  assert_int_equal(fakecuda_call_count("cuLaunchKernel"), 3);
  fakecuda_copies copies;
  fakecuda_copy_stats(&copies);
  assert_int_equal(copies.h2d_count + copies.d2h_count, 0);
  assert_int_equal(copies.d2d_count, 2);         /* y into the arena, partials out of it */
  assert_int_equal(fakecuda_context_depth(), 1); /* ours, left as it was */
  cuMemFree_v2(x);
  cuMemFree_v2(y);
  cuMemFree_v2(sum);
  cuMemFree_v2(partials);
  cuCtxPopCurrent_v2(&context);
  cuDevicePrimaryCtxRelease_v2(0);
  dlrt_model_destroy(model);
  assert_no_leaks();
}

static void test_cuda_module_selection(void **state) {
  const dlrt_ptx_module *sample = sample_program()->modules;
  /* sm_90 PTX cannot run on the sm_80 device: the sm_70 one is taken */
  static const char broken[] = ".version 7.8\n.target sm_90\n.address_size 64\n";
  dlrt_ptx_module modules[] = {{.sm_version = 90, .ptx = broken},
                               {.sm_version = 70, .ptx = sample[0].ptx}};
  dlrt_program program = sample_program_with_modules(modules, 2);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_OK);
  dlrt_model_destroy(model);

  program = sample_program_with_modules(modules, 1);
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_MODULE_LOAD);
  assert_non_null(strstr(dlrt_last_error(), "no PTX for sm_80"));
  assert_no_leaks();

  /* the newest PTX at or below the device wins, so the broken sm_80 one is chosen */
  dlrt_ptx_module newer[] = {{.sm_version = 70, .ptx = sample[0].ptx},
                             {.sm_version = 80, .ptx = broken}};
  program = sample_program_with_modules(newer, 2);
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_MODULE_LOAD);
  assert_non_null(strstr(dlrt_last_error(), "cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX"));
  assert_non_null(strstr(dlrt_last_error(), "PTX JIT error log:\nptxas fatal"));
  assert_no_leaks();
}

/* PTX without the program's kernels: the lookup fails, naming the kernel; nothing leaks. */
static void test_cuda_kernel_missing(void **state) {
  static const char ptx[] = ".version 7.0\n.target sm_80\n.address_size 64\n"
                            ".visible .entry dlrt_test_unknown(.param .u64 p)\n{ ret; }\n";
  dlrt_ptx_module modules[] = {{.sm_version = 80, .ptx = ptx}};
  dlrt_program program = sample_program_with_modules(modules, 1);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_MODULE_LOAD);
  assert_non_null(strstr(dlrt_last_error(),
                         "cuModuleGetFunction failed: CUDA_ERROR_NOT_FOUND (named symbol not "
                         "found) (looking up kernel 'dlrt_test_vector_add' in the sm_80 PTX)"));
  assert_null(model);
  assert_no_leaks();
}

static void test_auto_device(void **state) {
  dlrt_model *model = NULL;
  dlrt_options options = {.device = DLRT_DEVICE_AUTO};
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_CUDA);
  dlrt_model_destroy(model);

  fakecuda_set_device_count(0); /* a driver but no GPU */
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_HOST);
  dlrt_model_destroy(model);
  options.device = DLRT_DEVICE_CUDA;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_NO_DEVICE);
  fakecuda_set_device_count(1);
  options.device_ordinal = 3;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_NO_DEVICE);
  assert_non_null(strstr(dlrt_last_error(), "cuda device 3 requested but there is only 1"));
  assert_no_leaks();
}

/* A stream the application owns is used, and left alive by dlrt_model_destroy. */
static void test_cuda_user_stream(void **state) {
  CUcontext context;
  CUstream stream;
  assert_int_equal(cuInit(0), CUDA_SUCCESS);
  assert_int_equal(cuDevicePrimaryCtxRetain(&context, 0), CUDA_SUCCESS);
  assert_int_equal(cuCtxPushCurrent_v2(context), CUDA_SUCCESS);
  assert_int_equal(cuStreamCreate(&stream, 0), CUDA_SUCCESS);
  dlrt_options options = {.device = DLRT_DEVICE_CUDA, .stream = stream};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  /* the application's and the private one the launches were captured on */
  assert_int_equal(fakecuda_call_count("cuStreamCreate"), 2);
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
  assert_true(outputs_match());
  assert_int_equal(fakecuda_call_count("cuGraphLaunch"), 1);
  dlrt_model_destroy(model);
  assert_int_equal(fakecuda_call_count("cuStreamDestroy_v2"), 1); /* the capture stream */
  assert_int_equal(cuStreamDestroy_v2(stream), CUDA_SUCCESS);
  assert_int_equal(cuCtxPopCurrent_v2(&context), CUDA_SUCCESS);
  assert_int_equal(cuDevicePrimaryCtxRelease_v2(0), CUDA_SUCCESS);
  assert_no_leaks();
}

/* A library that is not a CUDA driver: named, with the missing entry point. */
static void test_not_a_driver(void **state) {
  setenv("DLRT_LIBCUDA", DLRT_LIBRARY_PATH, 1);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &cuda_options, &model),
                   DLRT_STATUS_NO_DEVICE);
  assert_non_null(strstr(dlrt_last_error(), "has no entry point cuInit"));
}

/* The weights are larger than the pinned staging buffer (sized by the inputs and outputs),
 * so their upload goes through it in chunks; the kernel reads all of them back. */
static void test_staging_chunks(void **state) {
  enum { N = 100000, BLOCKS = (N + 255) / 256 };
  static float weights[2 * N], in[N], out[N];
  static const int64_t dims[] = {N};
  static const dlrt_tensor_desc inputs[] = {
      {.name = "in", .dtype = DLRT_DTYPE_F32, .rank = 1, .dims = dims, .arena_offset = 0}};
  static const dlrt_tensor_desc outputs[] = {{.name = "out",
                                              .dtype = DLRT_DTYPE_F32,
                                              .rank = 1,
                                              .dims = dims,
                                              .arena_offset = DLRT_BINDING}};
  float half = 0.5f;
  uint32_t half_bits;
  memcpy(&half_bits, &half, sizeof half_bits);
  const dlrt_arg args[] = {{DLRT_ARG_WEIGHT, 0, 0, 0},
                           {DLRT_ARG_WEIGHT, 0, N * sizeof(float), 0},
                           {DLRT_ARG_OUTPUT, 0, 0, 0},
                           {DLRT_ARG_F32, 0, half_bits, 0},
                           {DLRT_ARG_I32, 0, N, 0}};
  const dlrt_launch launch = {
      .kernel = 0, .grid = {BLOCKS, 1, 1}, .block = {256, 1, 1}, .arg_count = 5, .args = args};
  dlrt_program program = *sample_program();
  program.name = "chunks";
  program.launch_count = 1;
  program.launches = &launch;
  program.weights = weights;
  program.weights_size = sizeof weights;
  program.arena_size = sizeof in;
  program.input_count = 1;
  program.inputs = inputs;
  program.output_count = 1;
  program.outputs = outputs;
  for (int i = 0; i < 2 * N; i++)
    weights[i] = (float)(i % 1009);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_OK);
  fakecuda_copies copies;
  fakecuda_copy_stats(&copies);
  assert_int_equal(copies.h2d_count, 2); /* 800 KB through a 400 KB staging buffer */
  assert_int_equal(copies.h2d_bytes, sizeof weights);
  assert_int_equal(copies.pageable_count, 0);
  const void *in_list[] = {in};
  void *out_list[] = {out};
  assert_int_equal(dlrt_model_run(model, in_list, out_list), DLRT_STATUS_OK);
  for (int i = 0; i < N; i++)
    if (out[i] != weights[i] + 0.5f * weights[N + i])
      fail_msg("out[%d] = %g, expected %g", i, out[i], weights[i] + 0.5f * weights[N + i]);
  dlrt_model_destroy(model);
  assert_no_leaks();
}

/* Every run after creation: the input copies, one graph launch, the output copies. */
static void test_cuda_graph_calls_per_run(void **state) {
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &cuda_options, &model), DLRT_STATUS_OK);
  enum { RUNS = 3 };
  fakecuda_reset();
  for (int run = 0; run < RUNS; run++)
    run_sample(model);
  assert_int_equal(fakecuda_call_count("cuGraphLaunch"), RUNS);
  assert_int_equal(fakecuda_call_count("cuLaunchKernel"), 0);
  assert_int_equal(fakecuda_call_count("cuStreamBeginCapture_v2"), 0);
  assert_int_equal(fakecuda_call_count("cuStreamSynchronize"), RUNS);
  fakecuda_copies copies;
  fakecuda_copy_stats(&copies);
  assert_int_equal(copies.h2d_count, 2 * RUNS); /* x and y */
  assert_int_equal(copies.d2h_count, 2 * RUNS); /* sum and partials */
  assert_int_equal(copies.d2d_count, 0);
  assert_int_equal(fakecuda_launch_count(), 3 * RUNS); /* kernels the graph ran */
  dlrt_model_destroy(model);
  assert_int_equal(fakecuda_call_count("cuGraphExecDestroy"), 1);
  assert_no_leaks();
}

/* The counter region is a device allocation of its own, zeroed once at creation (the fake's
 * cuMemAlloc fills memory with 0xA5): the sample with its first launch reading `b` from the
 * counters instead of y computes sum = x + 0.5 * 0, on every run. */
static void test_cuda_counters_zeroed_at_create(void **state) {
  dlrt_program program = *sample_program();
  dlrt_launch launches[3];
  dlrt_arg add_args[5];
  memcpy(launches, program.launches, sizeof launches);
  memcpy(add_args, launches[0].args, sizeof add_args);
  add_args[1] = (dlrt_arg){DLRT_ARG_COUNTERS, 0, 0, SAMPLE_N * sizeof(float)};
  launches[0].args = add_args;
  program.launches = launches;
  program.counter_bytes = SAMPLE_N * sizeof(float);
  dlrt_model *model = NULL;
  int allocations = fakecuda_live_allocations();
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_OK);
  assert_int_equal(fakecuda_call_count("cuMemsetD8Async"), 1);
  /* arena, counters, weights, the bound input x and output sum, pinned staging */
  assert_int_equal(fakecuda_live_allocations() - allocations, 6);
  for (int run = 0; run < 2; run++) {
    fakecuda_reset();
    const void *inputs[] = {buffers.x, buffers.y};
    void *outputs[] = {buffers.sum, buffers.partials};
    assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
    assert_memory_equal(buffers.sum, buffers.x, sizeof buffers.x);
    const fakecuda_launch *add = fakecuda_launch_record(0);
    uint64_t counters = add->params[1];
    assert_true(counters != add->params[0] && counters != add->params[2]);
    for (int i = 0; i < SAMPLE_N; i++)
      assert_int_equal(((const uint32_t *)(uintptr_t)counters)[i], 0);
    assert_int_equal(fakecuda_call_count("cuMemsetD8Async"), 0); /* only at creation */
  }
  dlrt_model_destroy(model);
  assert_no_leaks();
}

/* Profiling times each launch, so it launches them one by one and says why. */
static void test_cuda_profile_without_graph(void **state) {
  dlrt_options options = {.device = DLRT_DEVICE_CUDA, .profile = 1};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  assert_string_equal(dlrt_model_launch_info(model),
                      "sm_70 PTX; 3 kernel launches per run (no CUDA graph: profiling times each "
                      "launch)");
  fakecuda_reset();
  run_sample(model);
  assert_int_equal(fakecuda_call_count("cuLaunchKernel"), 3);
  assert_int_equal(fakecuda_call_count("cuGraphLaunch"), 0);
  dlrt_model_destroy(model);
  assert_no_leaks();
}

/* A driver without the graph entry points (before CUDA 11.4) runs launch by launch. */
static void test_cuda_driver_without_graphs(void **state) {
  setenv("DLRT_LIBCUDA", FAKECUDA_WITHOUT_GRAPHS_PATH, 1);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &cuda_options, &model), DLRT_STATUS_OK);
  assert_string_equal(dlrt_model_launch_info(model),
                      "sm_70 PTX; 3 kernel launches per run (no CUDA graph: the CUDA driver has "
                      "no cuStreamBeginCapture_v2)");
  run_sample(model);
  dlrt_model_destroy(model);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_cuda_results_and_launches, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_run_device, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_counters_zeroed_at_create, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_module_selection, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_kernel_missing, fake_fixture_setup),
      cmocka_unit_test_setup(test_auto_device, fake_fixture_setup),
      cmocka_unit_test_setup(test_staging_chunks, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_user_stream, fake_fixture_setup),
      cmocka_unit_test_setup(test_not_a_driver, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_graph_calls_per_run, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_profile_without_graph, fake_fixture_setup),
      cmocka_unit_test_setup(test_cuda_driver_without_graphs, fake_fixture_setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
