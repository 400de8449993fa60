/* libdlrt's cuda device against the fake libcuda.so.1: results, launch geometry and
 * parameters, copies through pinned staging, module selection, the JIT log in errors,
 * and a failure injected into every driver entry point in turn with no leak left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cuda.h>

#include "fakecuda.h"
#include "sample_program.h"

typedef struct sample_buffers {
  float x[SAMPLE_N], y[SAMPLE_N], sum[SAMPLE_N], partials[SAMPLE_BLOCKS];
  float expected_sum[SAMPLE_N], expected_partials[SAMPLE_BLOCKS];
} sample_buffers;

static sample_buffers buffers;

static int setup(void **state) {
  setenv("DLRT_LIBCUDA", FAKECUDA_PATH, 1);
  fakecuda_set_device_count(1);
  fakecuda_set_sm_version(80);
  fakecuda_reset();
  memset(&buffers, 0, sizeof buffers);
  sample_data(buffers.x, buffers.y, buffers.expected_sum, buffers.expected_partials);
  return 0;
}

static void assert_no_leaks(void) {
  assert_int_equal(fakecuda_live_allocations(), 0);
  assert_int_equal(fakecuda_live_objects(), 0);
  assert_int_equal(fakecuda_context_depth(), 0);
}

static int outputs_match(void) {
  for (int i = 0; i < SAMPLE_N; i++)
    if (buffers.sum[i] != buffers.expected_sum[i])
      return 0;
  for (int b = 0; b < SAMPLE_BLOCKS; b++)
    if (buffers.partials[b] < buffers.expected_partials[b] - 1e-3f ||
        buffers.partials[b] > buffers.expected_partials[b] + 1e-3f)
      return 0;
  return 1;
}

static const dlrt_options cuda_options = {.device = DLRT_DEVICE_CUDA};

static void test_cuda_results_and_launches(void **state) {
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &cuda_options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_CUDA);
  assert_string_equal(dlrt_model_device_name(model), "cuda:0 fakecuda GPU 0 (sm_80)");
  assert_int_equal(fakecuda_context_depth(), 0);
  fakecuda_copies copies;
  fakecuda_copy_stats(&copies);
  assert_int_equal(copies.h2d_bytes, SAMPLE_N * sizeof(float)); /* weights, once */

  fakecuda_reset();
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
  assert_true(outputs_match());

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
  dlrt_ptx_module modules[] = {{90, broken}, {70, sample[0].ptx}};
  dlrt_program program = sample_program_with_modules(modules, 2);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_OK);
  dlrt_model_destroy(model);

  program = sample_program_with_modules(modules, 1);
  assert_int_equal(dlrt_model_create(&program, &cuda_options, &model), DLRT_STATUS_MODULE_LOAD);
  assert_non_null(strstr(dlrt_last_error(), "no PTX for sm_80"));
  assert_no_leaks();

  /* the newest PTX at or below the device wins, so the broken sm_80 one is chosen */
  dlrt_ptx_module newer[] = {{70, sample[0].ptx}, {80, broken}};
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
  dlrt_ptx_module modules[] = {{80, ptx}};
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
  assert_int_equal(fakecuda_call_count("cuStreamCreate"), 1); /* only ours */
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
  assert_true(outputs_match());
  dlrt_model_destroy(model);
  assert_int_equal(fakecuda_call_count("cuStreamDestroy_v2"), 0);
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

/* Device buffers the application owns, for dlrt_model_run_device, made with its own
 * primary-context retain (so they outlive the model's context use). */
typedef struct app_buffers {
  CUcontext context;
  CUdeviceptr x, y, sum, partials;
} app_buffers;

static void app_buffers_make(app_buffers *app) {
  assert_int_equal(cuInit(0), CUDA_SUCCESS);
  assert_int_equal(cuDevicePrimaryCtxRetain(&app->context, 0), CUDA_SUCCESS);
  assert_int_equal(cuCtxPushCurrent_v2(app->context), CUDA_SUCCESS);
  assert_int_equal(cuMemAlloc_v2(&app->x, sizeof buffers.x), CUDA_SUCCESS);
  assert_int_equal(cuMemAlloc_v2(&app->y, sizeof buffers.y), CUDA_SUCCESS);
  assert_int_equal(cuMemAlloc_v2(&app->sum, sizeof buffers.sum), CUDA_SUCCESS);
  assert_int_equal(cuMemAlloc_v2(&app->partials, sizeof buffers.partials), CUDA_SUCCESS);
  assert_int_equal(cuCtxPopCurrent_v2(NULL), CUDA_SUCCESS);
  memcpy((void *)(uintptr_t)app->x, buffers.x, sizeof buffers.x); /* fake: host addresses */
  memcpy((void *)(uintptr_t)app->y, buffers.y, sizeof buffers.y);
}

static void app_buffers_free(app_buffers *app) {
  assert_int_equal(cuCtxPushCurrent_v2(app->context), CUDA_SUCCESS);
  assert_int_equal(cuMemFree_v2(app->x), CUDA_SUCCESS);
  assert_int_equal(cuMemFree_v2(app->y), CUDA_SUCCESS);
  assert_int_equal(cuMemFree_v2(app->sum), CUDA_SUCCESS);
  assert_int_equal(cuMemFree_v2(app->partials), CUDA_SUCCESS);
  assert_int_equal(cuCtxPopCurrent_v2(NULL), CUDA_SUCCESS);
  assert_int_equal(cuDevicePrimaryCtxRelease_v2(0), CUDA_SUCCESS);
}

/* The sample with 64 KiB of dynamic shared memory for the reduction, so that creation also
 * opts the kernel in with cuFuncSetAttribute. */
static const dlrt_program *injection_program(void) {
  static dlrt_kernel kernels[2];
  static dlrt_program program;
  program = *sample_program();
  memcpy(kernels, program.kernels, sizeof kernels);
  kernels[1].dynamic_shared_bytes = 64 * 1024;
  program.kernels = kernels;
  return &program;
}

/* create, run on host buffers, run on the application's device buffers, synchronize,
 * destroy. Returns the first failure's status and copies its message;
 * *out_calls_before_destroy: calls of `entry_point` made before dlrt_model_destroy. */
static int scenario(const app_buffers *app, char *message, size_t size, const char *entry_point,
                    int *out_calls_before_destroy) {
  dlrt_model *model = NULL;
  int status = dlrt_model_create(injection_program(), &cuda_options, &model);
  if (status == DLRT_STATUS_OK) {
    assert_non_null(model);
    memset(buffers.sum, 0, sizeof buffers.sum);
    const void *inputs[] = {buffers.x, buffers.y};
    void *outputs[] = {buffers.sum, buffers.partials};
    status = dlrt_model_run(model, inputs, outputs);
    if (status == DLRT_STATUS_OK)
      assert_true(outputs_match());
  } else {
    assert_null(model);
  }
  if (status == DLRT_STATUS_OK) {
    memset((void *)(uintptr_t)app->sum, 0, sizeof buffers.sum);
    uint64_t inputs[] = {app->x, app->y}, outputs[] = {app->sum, app->partials};
    status = dlrt_model_run_device(model, inputs, outputs);
    if (status == DLRT_STATUS_OK)
      status = dlrt_model_synchronize(model);
    if (status == DLRT_STATUS_OK) {
      memcpy(buffers.sum, (void *)(uintptr_t)app->sum, sizeof buffers.sum);
      memcpy(buffers.partials, (void *)(uintptr_t)app->partials, sizeof buffers.partials);
      assert_true(outputs_match());
    }
  }
  snprintf(message, size, "%s", dlrt_last_error());
  *out_calls_before_destroy = fakecuda_call_count(entry_point);
  dlrt_model_destroy(model);
  if (status == DLRT_STATUS_OK) /* a failure inside destroy shows in the last error */
    snprintf(message, size, "%s", dlrt_last_error());
  return status;
}

/* One injected failure: what the scenario reported and what it left behind. */
typedef struct injection_result {
  int status, injected, calls_before_destroy;
  int live_allocations, live_objects, context_depth, reclaimed;
} injection_result;

static injection_result inject(const char *name, int nth, char *message, size_t size) {
  app_buffers app;
  app_buffers_make(&app);
  fakecuda_reset(); /* counts and the failure plan start here, after the app's own calls */
  if (nth)
    fakecuda_fail(name, nth);
  injection_result result = {0};
  result.status = scenario(&app, message, size, name, &result.calls_before_destroy);
  result.injected = fakecuda_injected_failures();
  /* the application still holds its 4 buffers and its context retain */
  result.live_allocations = fakecuda_live_allocations() - 4;
  result.live_objects = fakecuda_live_objects() - 1;
  result.context_depth = fakecuda_context_depth();
  int calls = fakecuda_call_count(name);
  fakecuda_reset(); /* no failure may hit the application's cleanup */
  app_buffers_free(&app);
  result.reclaimed = fakecuda_reclaimed();
  assert_int_equal(fakecuda_live_allocations(), 0);
  assert_int_equal(fakecuda_live_objects(), 0);
  if (!nth)
    result.calls_before_destroy = calls; /* clean run: the total, for the caller's loop */
  return result;
}

static void test_fault_injection_every_entry_point(void **state) {
  static const char *const entry_points[] = {
#define CUDA_SYMBOL(name) #name,
#include "runtime/cuda_symbols.def"
#undef CUDA_SYMBOL
  };
  char message[8192];
  int injected_total = 0;
  for (size_t e = 0; e < sizeof entry_points / sizeof entry_points[0]; e++) {
    const char *name = entry_points[e];
    if (strncmp(name, "cuGetError", 10) == 0)
      continue; /* only called after a failure: test_error_name_unavailable */
    injection_result clean = inject(name, 0, message, sizeof message);
    assert_int_equal(clean.status, DLRT_STATUS_OK);
    assert_int_equal(clean.live_allocations + clean.live_objects + clean.reclaimed, 0);
    int calls = clean.calls_before_destroy;
    for (int nth = 1; nth <= calls; nth++) {
      injection_result result = inject(name, nth, message, sizeof message);
      assert_int_equal(result.injected, 1);
      injected_total++;
      /* destroy returns nothing: its failures only show in the last error */
      int in_destroy = nth > result.calls_before_destroy;
      if (in_destroy != (result.status == DLRT_STATUS_OK))
        fail_msg("failing call %d of %s (%s destroy): status %s", nth, name,
                 in_destroy ? "in" : "before", dlrt_status_string(result.status));
      if (!strstr(message, name))
        fail_msg("failing call %d of %s: error '%s' does not name it", nth, name, message);
      /* Only a context that cannot be made current in destroy leaves frees to the driver. */
      int may_leave = in_destroy && strcmp(name, "cuCtxPushCurrent_v2") == 0;
      if (result.context_depth ||
          (!may_leave && (result.live_allocations || result.live_objects || result.reclaimed)))
        fail_msg("failing call %d of %s left %d allocations, %d objects, depth %d, %d reclaimed",
                 nth, name, result.live_allocations, result.live_objects, result.context_depth,
                 result.reclaimed);
    }
    if (calls == 0)
      fail_msg("%s is never called by create + run + run_device + destroy", name);
  }
  print_message("%d injected driver failures checked\n", injected_total);
  assert_true(injected_total > 30);
}

/* When the driver cannot name an error, the message still carries the failing call and the
 * CUresult number. */
static void test_error_name_unavailable(void **state) {
  fakecuda_fail("cuMemAlloc_v2", 1);
  fakecuda_fail("cuGetErrorName", 1);
  fakecuda_fail("cuGetErrorString", 1);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &cuda_options, &model),
                   DLRT_STATUS_OUT_OF_MEMORY);
  assert_non_null(strstr(dlrt_last_error(), "cuMemAlloc_v2 failed: CUresult 2 (no description"));
  assert_int_equal(fakecuda_injected_failures(), 3);
  assert_no_leaks();
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
  const dlrt_arg args[] = {{DLRT_ARG_WEIGHT, 0, 0},
                           {DLRT_ARG_WEIGHT, 0, N * sizeof(float)},
                           {DLRT_ARG_OUTPUT, 0, 0},
                           {DLRT_ARG_F32, 0, half_bits},
                           {DLRT_ARG_I32, 0, N}};
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_cuda_results_and_launches, setup),
      cmocka_unit_test_setup(test_cuda_run_device, setup),
      cmocka_unit_test_setup(test_cuda_module_selection, setup),
      cmocka_unit_test_setup(test_cuda_kernel_missing, setup),
      cmocka_unit_test_setup(test_auto_device, setup),
      cmocka_unit_test_setup(test_fault_injection_every_entry_point, setup),
      cmocka_unit_test_setup(test_staging_chunks, setup),
      cmocka_unit_test_setup(test_cuda_user_stream, setup),
      cmocka_unit_test_setup(test_not_a_driver, setup),
      cmocka_unit_test_setup(test_error_name_unavailable, setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
