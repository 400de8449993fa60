/* The fake driver itself: $FAKECUDA_FAIL parsing, PTX entry and parameter parsing, launch
 * records, copy range checks, context rules and graph capture and replay, so runtime tests can
 * trust what it reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cuda.h>

#include "dlrt.h"
#include "fakecuda.h"

static void twin(void *const *params, const dlrt_host_launch *launch) {
  int *hits = *(int *const *)params[0];
  int64_t add = *(const int64_t *)params[2];
  hits[launch->block_index[2] * launch->grid[1] * launch->grid[0] +
       launch->block_index[1] * launch->grid[0] + launch->block_index[0]] += (int)add;
}

static const char ptx[] = ".version 7.0\n.target sm_80\n.address_size 64\n"
                          ".visible .entry fake_twin(\n"
                          "  .param .u64 fake_twin_param_0,\n"
                          "  .param .align 8 .b8 fake_twin_param_1[16],\n"
                          "  .param .s64 fake_twin_param_2\n)\n{ ret; }\n";

/* Runs before any other driver call, so the environment's plan applies. */
static void test_environment_failures(void **state) {
  assert_int_equal(cuInit(0), CUDA_ERROR_NO_DEVICE); /* FAKECUDA_FAIL=cuInit:1,... */
  assert_int_equal(cuInit(0), CUDA_SUCCESS);
  CUdevice device;
  assert_int_equal(cuDeviceGet(&device, 0), CUDA_SUCCESS);
  assert_int_equal(cuDeviceGet(&device, 0), CUDA_ERROR_INVALID_VALUE); /* cuDeviceGet:2 */
  assert_int_equal(fakecuda_injected_failures(), 2);
  const char *name = NULL;
  assert_int_equal(cuGetErrorName(CUDA_ERROR_NO_DEVICE, &name), CUDA_SUCCESS);
  assert_string_equal(name, "CUDA_ERROR_NO_DEVICE");
}

/* Makes the primary context current and loads `ptx`; returns its fake_twin entry. */
static CUfunction enter_and_load(CUcontext *context, CUmodule *module) {
  CUfunction function;
  assert_int_equal(dlrt_host_kernel_register("fake_twin", twin), DLRT_STATUS_OK);
  assert_int_equal(cuDevicePrimaryCtxRetain(context, 0), CUDA_SUCCESS);
  assert_int_equal(cuCtxPushCurrent_v2(*context), CUDA_SUCCESS);
  assert_int_equal(cuModuleLoadDataEx(module, ptx, 0, NULL, NULL), CUDA_SUCCESS);
  assert_int_equal(cuModuleGetFunction(&function, *module, "fake_twin"), CUDA_SUCCESS);
  return function;
}

/* Undoes enter_and_load and checks that nothing is left. */
static void unload_and_leave(CUcontext context, CUmodule module) {
  assert_int_equal(cuModuleUnload(module), CUDA_SUCCESS);
  assert_int_equal(cuCtxPopCurrent_v2(&context), CUDA_SUCCESS);
  assert_int_equal(cuDevicePrimaryCtxRelease_v2(0), CUDA_SUCCESS);
  assert_int_equal(fakecuda_live_allocations(), 0);
  assert_int_equal(fakecuda_live_objects(), 0);
  assert_int_equal(fakecuda_reclaimed(), 0);
}

static void test_module_and_launch(void **state) {
  fakecuda_reset();
  CUcontext context;
  CUmodule module;
  assert_int_equal(cuInit(0), CUDA_SUCCESS);
  /* no current context yet */
  assert_int_equal(cuModuleLoadDataEx(&module, ptx, 0, NULL, NULL), CUDA_ERROR_INVALID_CONTEXT);
  CUfunction function = enter_and_load(&context, &module);
  CUfunction missing;
  assert_int_equal(cuModuleGetFunction(&missing, module, "missing"), CUDA_ERROR_NOT_FOUND);

  CUdeviceptr hits;
  assert_int_equal(cuMemAlloc_v2(&hits, 6 * sizeof(int)), CUDA_SUCCESS);
  memset((void *)(uintptr_t)hits, 0, 6 * sizeof(int));
  char blob[16] = {0};
  int64_t add = 5;
  void *params[] = {&hits, blob, &add};
  assert_int_equal(cuLaunchKernel(function, 3, 2, 1, 32, 1, 1, 0, NULL, params, NULL),
                   CUDA_SUCCESS);
  assert_int_equal(cuLaunchKernel(function, 1, 1, 1, 2048, 1, 1, 0, NULL, params, NULL),
                   CUDA_ERROR_INVALID_VALUE);
  for (int i = 0; i < 6; i++)
    assert_int_equal(((int *)(uintptr_t)hits)[i], 5); /* every block ran once */
  assert_int_equal(fakecuda_launch_count(), 1);
  const fakecuda_launch *launch = fakecuda_launch_record(0);
  assert_string_equal(launch->name, "fake_twin");
  assert_int_equal(launch->param_count, 3);
  assert_int_equal(launch->params[0], hits);
  assert_int_equal(launch->params[2], 5);
  assert_int_equal(launch->grid[1], 2);
  assert_int_equal(launch->block[0], 32);

  /* copies must stay inside one allocation */
  char host[64];
  assert_int_equal(cuMemcpyHtoDAsync_v2(hits + 8, host, 64, NULL), CUDA_ERROR_INVALID_VALUE);
  assert_int_equal(cuMemcpyHtoDAsync_v2(hits, host, 24, NULL), CUDA_SUCCESS);
  fakecuda_copies copies;
  fakecuda_copy_stats(&copies);
  assert_int_equal(copies.pageable_count, 1); /* `host` is not pinned */
  assert_int_equal(cuMemFree_v2(hits), CUDA_SUCCESS);
  assert_int_equal(cuMemFree_v2(hits), CUDA_ERROR_INVALID_VALUE); /* double free caught */
  unload_and_leave(context, module);
}

static void test_bad_ptx_log(void **state) {
  fakecuda_reset();
  CUcontext context;
  CUmodule module;
  assert_int_equal(cuDevicePrimaryCtxRetain(&context, 0), CUDA_SUCCESS);
  assert_int_equal(cuCtxPushCurrent_v2(context), CUDA_SUCCESS);
  char log[256] = "";
  CUjit_option options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {log, (void *)(uintptr_t)sizeof log};
  static const char unbound[] = ".version 7.0\n.target sm_80\n"
                                ".entry fake_nobody(.param .u32 n)\n{ ret; }\n";
  /* loads (a module may hold kernels nobody runs); the entry cannot be fetched */
  assert_int_equal(cuModuleLoadDataEx(&module, unbound, 2, options, values), CUDA_SUCCESS);
  CUfunction function;
  assert_int_equal(cuModuleGetFunction(&function, module, "fake_nobody"), CUDA_ERROR_NOT_FOUND);
  assert_int_equal(cuModuleUnload(module), CUDA_SUCCESS);
  assert_int_equal(cuModuleLoadDataEx(&module, "garbage", 2, options, values),
                   CUDA_ERROR_INVALID_PTX);
  assert_non_null(strstr(log, "PTX without .version, .target sm_XX or .entry"));
  static const char newer[] = ".version 7.8\n.target sm_90\n"
                              ".entry fake_newer(.param .u32 n)\n{ ret; }\n";
  assert_int_equal(cuModuleLoadDataEx(&module, newer, 2, options, values), CUDA_ERROR_INVALID_PTX);
  assert_non_null(strstr(log, ".target sm_90 is newer than the device's sm_80"));
  /* a leaked allocation is reclaimed (and counted) when the last retain goes */
  CUdeviceptr leaked;
  assert_int_equal(cuMemAlloc_v2(&leaked, 16), CUDA_SUCCESS);
  assert_int_equal(cuCtxPopCurrent_v2(&context), CUDA_SUCCESS);
  assert_int_equal(cuDevicePrimaryCtxRelease_v2(0), CUDA_SUCCESS);
  assert_int_equal(fakecuda_reclaimed(), 1);
  assert_int_equal(fakecuda_live_allocations(), 0);
}

/* Capture records launches without running them, with their parameter values as they were;
 * the graph replays them on every launch; a capturing stream takes nothing but launches. */
static void test_graph_capture_and_replay(void **state) {
  fakecuda_reset();
  CUcontext context;
  CUmodule module;
  CUstream stream;
  CUfunction function = enter_and_load(&context, &module);
  assert_int_equal(cuStreamCreate(&stream, 0), CUDA_SUCCESS);
  CUdeviceptr hits;
  assert_int_equal(cuMemAlloc_v2(&hits, 2 * sizeof(int)), CUDA_SUCCESS);
  memset((void *)(uintptr_t)hits, 0, 2 * sizeof(int));
  char blob[16] = {0};
  int64_t add = 3;
  void *params[] = {&hits, blob, &add};
  assert_int_equal(cuStreamBeginCapture_v2(NULL, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                   CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED); /* the legacy stream */
  assert_int_equal(cuStreamBeginCapture_v2(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                   CUDA_SUCCESS);
  assert_int_equal(cuLaunchKernel(function, 2, 1, 1, 32, 1, 1, 0, stream, params, NULL),
                   CUDA_SUCCESS);
  add = 100; /* captured already: the graph keeps 3 */
  assert_int_equal(fakecuda_launch_count(), 0);
  assert_int_equal(((int *)(uintptr_t)hits)[0], 0);
  assert_int_equal(cuStreamSynchronize(stream), CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
  assert_int_equal(cuMemcpyHtoDAsync_v2(hits, blob, 4, stream),
                   CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED);
  CUgraph graph;
  CUgraphExec exec;
  assert_int_equal(cuStreamEndCapture(stream, &graph), CUDA_SUCCESS);
  assert_int_equal(cuGraphInstantiateWithFlags(&exec, graph, 0), CUDA_SUCCESS);
  assert_int_equal(cuGraphDestroy(graph), CUDA_SUCCESS);
  assert_int_equal(cuGraphLaunch(exec, stream), CUDA_SUCCESS);
  assert_int_equal(cuGraphLaunch(exec, stream), CUDA_SUCCESS);
  assert_int_equal(((int *)(uintptr_t)hits)[0], 6);
  assert_int_equal(((int *)(uintptr_t)hits)[1], 6);
  assert_int_equal(fakecuda_launch_count(), 2); /* each replayed kernel is recorded */
  assert_int_equal(fakecuda_launch_record(1)->params[2], 3);
  assert_int_equal(fakecuda_call_count("cuLaunchKernel"), 1);
  assert_int_equal(fakecuda_call_count("cuGraphLaunch"), 2);
  assert_int_equal(cuGraphExecDestroy(exec), CUDA_SUCCESS);
  assert_int_equal(cuGraphExecDestroy(exec), CUDA_ERROR_INVALID_VALUE);
  /* a stream destroyed while capturing takes its capture with it */
  assert_int_equal(cuStreamBeginCapture_v2(stream, CU_STREAM_CAPTURE_MODE_GLOBAL), CUDA_SUCCESS);
  assert_int_equal(cuStreamDestroy_v2(stream), CUDA_SUCCESS);
  assert_int_equal(cuMemFree_v2(hits), CUDA_SUCCESS);
  unload_and_leave(context, module);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_environment_failures),
      cmocka_unit_test(test_module_and_launch),
      cmocka_unit_test(test_bad_ptx_log),
      cmocka_unit_test(test_graph_capture_and_replay),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
