/* Fault injection: every CUDA driver entry point libdlrt uses (runtime/cuda_symbols.def) is
 * made to fail at each of its calls in turn, over create, both kinds of run, synchronize and
 * destroy; the failure must be reported naming the call, and nothing may leak. */
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_fault_injection_every_entry_point, fake_fixture_setup),
      cmocka_unit_test_setup(test_error_name_unavailable, fake_fixture_setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
