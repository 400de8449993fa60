/* libdlrt on the host device: results of the sample program for several worker counts,
 * the device-pointer run, program validation errors and the no-driver paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sample_program.h"

typedef struct sample_buffers {
  float x[SAMPLE_N], y[SAMPLE_N], sum[SAMPLE_N], partials[SAMPLE_BLOCKS];
  float expected_sum[SAMPLE_N], expected_partials[SAMPLE_BLOCKS];
} sample_buffers;

static void check_outputs(const sample_buffers *buffers) {
  for (int i = 0; i < SAMPLE_N; i++)
    assert_float_equal(buffers->sum[i], buffers->expected_sum[i], 1e-6);
  for (int b = 0; b < SAMPLE_BLOCKS; b++)
    assert_float_equal(buffers->partials[b], buffers->expected_partials[b], 1e-3);
}

static void run_on_host(int threads) {
  static sample_buffers buffers;
  memset(&buffers, 0, sizeof buffers);
  sample_data(buffers.x, buffers.y, buffers.expected_sum, buffers.expected_partials);
  dlrt_options options;
  dlrt_options_init(&options);
  options.device = DLRT_DEVICE_HOST;
  options.host_threads = threads;
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_HOST);
  assert_non_null(strstr(dlrt_model_device_name(model), "host"));
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  for (int repeat = 0; repeat < 3; repeat++) {
    memset(buffers.sum, 0, sizeof buffers.sum);
    memset(buffers.partials, 0, sizeof buffers.partials);
    assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
    check_outputs(&buffers);
  }
  dlrt_model_destroy(model);
}

/* dlrt_options.profile: same results, and a time for every launch of every run. */
static void test_profile(void **state) {
  static sample_buffers buffers;
  sample_data(buffers.x, buffers.y, buffers.expected_sum, buffers.expected_partials);
  const uint64_t *times = NULL;
  uint64_t runs = 0;
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 2};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_launch_times(model, &times, &runs), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "without dlrt_options.profile"));
  dlrt_model_destroy(model);

  options.profile = 1;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_launch_times(model, &times, &runs), DLRT_STATUS_OK);
  assert_int_equal(runs, 0);
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  for (int repeat = 0; repeat < 3; repeat++) {
    assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
    check_outputs(&buffers);
  }
  assert_int_equal(dlrt_model_launch_times(model, &times, &runs), DLRT_STATUS_OK);
  assert_int_equal(runs, 3);
  for (uint32_t l = 0; l < sample_program()->launch_count; l++)
    assert_true(times[l] > 0);
  assert_int_equal(dlrt_model_launch_times(NULL, &times, &runs), DLRT_STATUS_INVALID_ARGUMENT);
  dlrt_model_destroy(model);
}

static void test_host_one_thread(void **state) { run_on_host(1); }
static void test_host_three_threads(void **state) { run_on_host(3); }
static void test_host_default_threads(void **state) { run_on_host(0); }

/* On the host device, device pointers are host addresses. */
static void test_host_run_device(void **state) {
  static sample_buffers buffers;
  sample_data(buffers.x, buffers.y, buffers.expected_sum, buffers.expected_partials);
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 2};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  uint64_t inputs[] = {(uintptr_t)buffers.x, (uintptr_t)buffers.y};
  uint64_t outputs[] = {(uintptr_t)buffers.sum, (uintptr_t)buffers.partials};
  assert_int_equal(dlrt_model_run_device(model, inputs, outputs), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_synchronize(model), DLRT_STATUS_OK);
  check_outputs(&buffers);
  dlrt_model_destroy(model);
}

/* An input bound at compile time: runs giving it that value work (host memory and device
 * pointers), another value is refused naming the input, and outputs cannot be bound. */
static void test_bound_input(void **state) {
  (void)state;
  static sample_buffers buffers;
  sample_data(buffers.x, buffers.y, buffers.expected_sum, buffers.expected_partials);
  dlrt_program program = *sample_program();
  dlrt_tensor_desc inputs_desc[2];
  memcpy(inputs_desc, program.inputs, sizeof inputs_desc);
  static float bound_y[SAMPLE_N];
  memcpy(bound_y, buffers.y, sizeof bound_y);
  inputs_desc[1].bound_value = bound_y;
  program.inputs = inputs_desc;
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 2};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_OK);
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
  check_outputs(&buffers);
  uint64_t device_inputs[] = {(uintptr_t)buffers.x, (uintptr_t)buffers.y};
  uint64_t device_outputs[] = {(uintptr_t)buffers.sum, (uintptr_t)buffers.partials};
  assert_int_equal(dlrt_model_run_device(model, device_inputs, device_outputs), DLRT_STATUS_OK);
  buffers.y[SAMPLE_N - 1] += 1.0f;
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "input 'y' of program 'sample' was bound"));
  assert_int_equal(dlrt_model_run_device(model, device_inputs, device_outputs),
                   DLRT_STATUS_INVALID_ARGUMENT);
  dlrt_model_destroy(model);

  dlrt_tensor_desc outputs_desc[2];
  memcpy(outputs_desc, sample_program()->outputs, sizeof outputs_desc);
  outputs_desc[0].bound_value = bound_y;
  program = *sample_program();
  program.outputs = outputs_desc;
  model = NULL;
  assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_INVALID_PROGRAM);
  assert_non_null(strstr(dlrt_last_error(), "output 'sum' has a bound value"));
}

static void expect_invalid(const dlrt_program *program, const char *needle) {
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 1};
  dlrt_model *model = (dlrt_model *)1;
  assert_int_equal(dlrt_model_create(program, &options, &model), DLRT_STATUS_INVALID_PROGRAM);
  assert_null(model);
  if (!strstr(dlrt_last_error(), needle))
    fail_msg("error '%s' does not mention '%s'", dlrt_last_error(), needle);
}

static void test_program_validation(void **state) {
  dlrt_program program = *sample_program();
  program.abi_version = 99;
  expect_invalid(&program, "ABI version 99");

  program = *sample_program();
  dlrt_launch launches[3];
  memcpy(launches, program.launches, sizeof launches);
  launches[1].arg_count = 4;
  program.launches = launches;
  expect_invalid(&program, "launch 1 passes 4 arguments to kernel 'dlrt_test_vector_add'");

  memcpy(launches, sample_program()->launches, sizeof launches);
  dlrt_arg args[3];
  memcpy(args, launches[2].args, sizeof args);
  args[1].value = 1u << 20;
  launches[2].args = args;
  expect_invalid(&program, "argument 1 (kind 0, index 0, value 1048576) is an arena offset");

  memcpy(launches, sample_program()->launches, sizeof launches);
  launches[0].block[0] = 2048;
  expect_invalid(&program, "block 2048x1x1");

  program = *sample_program();
  dlrt_tensor_desc outputs[2];
  memcpy(outputs, program.outputs, sizeof outputs);
  outputs[1].arena_offset = program.arena_size - 4;
  program.outputs = outputs;
  expect_invalid(&program, "output 'partials' (16 bytes at arena offset");

  assert_int_equal(dlrt_model_create(NULL, NULL, &(dlrt_model *){NULL}),
                   DLRT_STATUS_INVALID_ARGUMENT);
}

static void test_bad_arguments(void **state) {
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 1};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  float x[SAMPLE_N], y[SAMPLE_N];
  const void *inputs[] = {x, NULL};
  float sum[SAMPLE_N], partials[SAMPLE_BLOCKS];
  void *outputs[] = {sum, partials};
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "input 'y' of program 'sample' is NULL"));
  inputs[1] = y;
  assert_int_equal(dlrt_model_run(model, inputs, NULL), DLRT_STATUS_INVALID_ARGUMENT);
  assert_int_equal(dlrt_model_run(NULL, inputs, outputs), DLRT_STATUS_INVALID_ARGUMENT);
  dlrt_model_destroy(model);
  dlrt_model_destroy(NULL);

  options.device = 7;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model),
                   DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "dlrt_options.device is 7"));
}

/* A kernel without host code cannot run on the host device. */
static void test_missing_host_twin(void **state) {
  dlrt_program program = *sample_program();
  dlrt_kernel kernels[2];
  memcpy(kernels, program.kernels, sizeof kernels);
  kernels[1].host_fn = NULL;
  kernels[1].name = "dlrt_test_never_registered";
  program.kernels = kernels;
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 1};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_INVALID_PROGRAM);
  assert_non_null(strstr(dlrt_last_error(), "'dlrt_test_never_registered' has no host twin"));
}

static void test_no_driver(void **state) {
  setenv("DLRT_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
  dlrt_options options = {.device = DLRT_DEVICE_CUDA};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_NO_DEVICE);
  assert_null(model);
  assert_non_null(
      strstr(dlrt_last_error(), "libcuda.so.1 not found: no NVIDIA driver on this machine"));
  assert_string_equal(dlrt_status_string(DLRT_STATUS_NO_DEVICE), "DLRT_STATUS_NO_DEVICE");

  /* auto falls back to the host device */
  options.device = DLRT_DEVICE_AUTO;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_HOST);
  assert_string_equal(dlrt_last_error(), "");
  dlrt_model_destroy(model);
  unsetenv("DLRT_LIBCUDA");
}

static void test_registry(void **state) {
  assert_null(dlrt_host_kernel_lookup("dlrt_test_registry_kernel"));
  dlrt_host_block_fn fn = sample_program()->kernels[0].host_fn;
  assert_int_equal(dlrt_host_kernel_register("dlrt_test_registry_kernel", fn), DLRT_STATUS_OK);
  assert_ptr_equal(dlrt_host_kernel_lookup("dlrt_test_registry_kernel"), fn);
  assert_int_equal(dlrt_host_kernel_register(NULL, fn), DLRT_STATUS_INVALID_ARGUMENT);
  /* model creation registers the program's kernels with their sizes */
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 1};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &model), DLRT_STATUS_OK);
  dlrt_kernel kernel;
  assert_int_equal(dlrt_host_kernel_lookup_kernel("dlrt_test_block_sum", &kernel), 0);
  assert_int_equal(kernel.shared_bytes, SAMPLE_BLOCK * sizeof(float));
  /* two models share the entry; it goes with the last one (twins may be freed JIT code) */
  dlrt_model *second = NULL;
  assert_int_equal(dlrt_model_create(sample_program(), &options, &second), DLRT_STATUS_OK);
  dlrt_model_destroy(model);
  assert_non_null(dlrt_host_kernel_lookup("dlrt_test_block_sum"));
  dlrt_model_destroy(second);
  assert_null(dlrt_host_kernel_lookup("dlrt_test_block_sum"));
  /* the application's own registrations stay */
  assert_ptr_equal(dlrt_host_kernel_lookup("dlrt_test_registry_kernel"), fn);
  assert_int_equal(dlrt_dtype_size(DLRT_DTYPE_BF16), 2);
  assert_int_equal(dlrt_dtype_size(DLRT_DTYPE_COUNT), 0);
}

/* Records which blocks ran: every block of a 3-D grid exactly once, with the launch's
 * geometry, 16-aligned shared and scratch buffers of the kernel's sizes (ASan checks size). */
static void mark_blocks_host(void *const *params, const dlrt_host_launch *launch) {
  int32_t *marks = *(int32_t *const *)params[0];
  int32_t stamp = *(const int32_t *)params[1];
  memset(launch->shared_memory, 0x11, 100);
  memset(launch->scratch, 0x22, 40);
  int aligned =
      ((uintptr_t)launch->shared_memory % 16 == 0) && ((uintptr_t)launch->scratch % 16 == 0);
  int geometry = launch->grid[0] == 37 && launch->grid[1] == 5 && launch->grid[2] == 3 &&
                 launch->block[0] == 8 && launch->block[1] == 4 && launch->block[2] == 2;
  uint32_t index =
      (launch->block_index[2] * 5 + launch->block_index[1]) * 37 + launch->block_index[0];
  marks[index] += aligned && geometry ? stamp : -1000;
}

static void test_grid_coverage(void **state) {
  enum { BLOCKS = 37 * 5 * 3 };
  static const dlrt_kernel kernels[] = {{.name = "dlrt_test_mark_blocks",
                                         .host_fn = mark_blocks_host,
                                         .param_count = 2,
                                         .shared_bytes = 100,
                                         .scratch_bytes = 40}};
  static const int64_t dims[] = {BLOCKS};
  static const dlrt_tensor_desc outputs[] = {{.name = "marks",
                                              .dtype = DLRT_DTYPE_I32,
                                              .rank = 1,
                                              .dims = dims,
                                              .arena_offset = DLRT_BINDING}};
  const dlrt_arg args[] = {{DLRT_ARG_OUTPUT, 0, 0, 0}, {DLRT_ARG_I32, 0, 7, 0}};
  const dlrt_launch launches[] = {
      {.kernel = 0, .grid = {37, 5, 3}, .block = {8, 4, 2}, .arg_count = 2, .args = args},
      {.kernel = 0, .grid = {37, 5, 3}, .block = {8, 4, 2}, .arg_count = 2, .args = args}};
  const dlrt_program program = {.abi_version = DLRT_PROGRAM_ABI_VERSION,
                                .name = "grid",
                                .kernel_count = 1,
                                .kernels = kernels,
                                .launch_count = 2,
                                .launches = launches,
                                .output_count = 1,
                                .outputs = outputs};
  for (int threads = 1; threads <= 4; threads += 3) {
    dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = threads};
    dlrt_model *model = NULL;
    assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_OK);
    /* bound output on the host device: the kernels add into the caller's buffer */
    static int32_t marks[BLOCKS];
    memset(marks, 0, sizeof marks);
    void *outputs_list[] = {marks};
    assert_int_equal(dlrt_model_run(model, NULL, outputs_list), DLRT_STATUS_OK);
    for (int i = 0; i < BLOCKS; i++)
      if (marks[i] != 2 * 7)
        fail_msg("%d threads: block %d marked %d, expected 14", threads, i, marks[i]);
    dlrt_model_destroy(model);
  }
}

/* Weights shipped separately (dlrt_options.weights) replace the program's; a program without
 * embedded weights needs them; the size must match. */
static void test_separate_weights(void **state) {
  static sample_buffers buffers;
  sample_data(buffers.x, buffers.y, buffers.expected_sum, buffers.expected_partials);
  static float doubled[SAMPLE_N];
  const float *weights = sample_weights();
  for (int i = 0; i < SAMPLE_N; i++)
    doubled[i] = 2.0f * weights[i];
  for (int b = 0; b < SAMPLE_BLOCKS; b++)
    buffers.expected_partials[b] = 0.0f;
  for (int i = 0; i < SAMPLE_N; i++)
    buffers.expected_partials[i / SAMPLE_BLOCK] += buffers.expected_sum[i] + doubled[i];
  dlrt_program program = *sample_program();
  program.weights = NULL; /* compiled with separate weights */
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 2};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "compiled with separate weights: pass its 4000 bytes"));
  options.weights = doubled;
  options.weights_size = sizeof doubled - 4;
  assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "needs 4000 bytes of weights, got 3996"));
  options.weights_size = sizeof doubled;
  assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_OK);
  const void *inputs[] = {buffers.x, buffers.y};
  void *outputs[] = {buffers.sum, buffers.partials};
  assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
  check_outputs(&buffers);
  dlrt_model_destroy(model);
}

/* A chain of 100 dependent launches (t[k+1] = t[k] + w, ping-ponging in the arena) on an
 * oversubscribed pool, run many times: a launch that returned before all its blocks were done,
 * or a worker that ran a stale job, shows up as a wrong sum. */
static void test_dependent_launch_chain(void **state) {
  enum { LAUNCHES = 100, RUNS = 20 };
  static float ones[SAMPLE_N], x[SAMPLE_N], out[SAMPLE_N];
  static dlrt_arg args[LAUNCHES][5];
  static dlrt_launch launches[LAUNCHES];
  static const int64_t dims[] = {SAMPLE_N};
  static const dlrt_tensor_desc inputs[] = {
      {.name = "x", .dtype = DLRT_DTYPE_F32, .rank = 1, .dims = dims, .arena_offset = 0}};
  static const dlrt_tensor_desc outputs[] = {{.name = "out",
                                              .dtype = DLRT_DTYPE_F32,
                                              .rank = 1,
                                              .dims = dims,
                                              .arena_offset = DLRT_BINDING}};
  float one = 1.0f;
  uint32_t one_bits;
  memcpy(&one_bits, &one, sizeof one_bits);
  for (int i = 0; i < SAMPLE_N; i++) {
    ones[i] = 1.0f;
    x[i] = (float)(i % 17);
  }
  for (int k = 0; k < LAUNCHES; k++) {
    uint64_t from = (k % 2) * 4096, to = ((k + 1) % 2) * 4096;
    args[k][0] = (dlrt_arg){DLRT_ARG_ARENA, 0, from, 0};
    args[k][1] = (dlrt_arg){DLRT_ARG_WEIGHT, 0, 0, 0};
    args[k][2] =
        k == LAUNCHES - 1 ? (dlrt_arg){DLRT_ARG_OUTPUT, 0, 0, 0} : (dlrt_arg){DLRT_ARG_ARENA, 0, to, 0};
    args[k][3] = (dlrt_arg){DLRT_ARG_F32, 0, one_bits, 0};
    args[k][4] = (dlrt_arg){DLRT_ARG_I32, 0, SAMPLE_N, 0};
    launches[k] = (dlrt_launch){.kernel = 0,
                                .grid = {SAMPLE_BLOCKS, 1, 1},
                                .block = {SAMPLE_BLOCK, 1, 1},
                                .arg_count = 5,
                                .args = args[k]};
  }
  dlrt_program program = *sample_program();
  program.name = "chain";
  program.launch_count = LAUNCHES;
  program.launches = launches;
  program.weights = ones;
  program.weights_size = sizeof ones;
  program.arena_size = 8192;
  program.input_count = 1;
  program.inputs = inputs;
  program.output_count = 1;
  program.outputs = outputs;
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 4};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, &options, &model), DLRT_STATUS_OK);
  const void *in[] = {x};
  void *out_list[] = {out};
  for (int run = 0; run < RUNS; run++) {
    memset(out, 0, sizeof out);
    assert_int_equal(dlrt_model_run(model, in, out_list), DLRT_STATUS_OK);
    for (int i = 0; i < SAMPLE_N; i++)
      if (out[i] != x[i] + LAUNCHES)
        fail_msg("run %d: out[%d] = %g, expected %g", run, i, out[i], x[i] + LAUNCHES);
  }
  dlrt_model_destroy(model);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_host_one_thread),
      cmocka_unit_test(test_host_three_threads),
      cmocka_unit_test(test_host_default_threads),
      cmocka_unit_test(test_host_run_device),
      cmocka_unit_test(test_bound_input),
      cmocka_unit_test(test_program_validation),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_missing_host_twin),
      cmocka_unit_test(test_no_driver),
      cmocka_unit_test(test_registry),
      cmocka_unit_test(test_grid_coverage),
      cmocka_unit_test(test_separate_weights),
      cmocka_unit_test(test_dependent_launch_chain),
      cmocka_unit_test(test_profile),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
