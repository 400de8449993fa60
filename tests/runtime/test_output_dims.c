/* libdlrt's data-dependent output sizes on the host device: a kernel that keeps the positive
 * elements of its input writes them packed and their number into the output's dims record;
 * dlrt_model_output_dims reports it after each run (host and device-pointer runs), a dim past
 * its bound fails the run, and program validation checks the records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dlrt.h"

enum { N = 8, DIMS_AT = 256, ARENA = 512 };

/* params: x (f32[N]), y (f32[N]), the dims record (i64[1]), an extra count added to the
 * reported dim (to make a kernel that lies about its size). */
static void keep_positive_host(void *const *params, const dlrt_host_launch *launch) {
  const float *x = *(const float *const *)params[0];
  float *y = *(float *const *)params[1];
  int64_t *dims = *(int64_t *const *)params[2];
  int32_t extra = *(const int32_t *)params[3];
  if (launch->block_index[0] != 0)
    return;
  int64_t kept = 0;
  for (int i = 0; i < N; i++)
    if (x[i] > 0)
      y[kept++] = x[i];
  dims[0] = kept + extra;
}

static const dlrt_kernel kernels[] = {
    {.name = "dlrt_test_keep_positive", .host_fn = keep_positive_host, .param_count = 4}};
static const int64_t bound[] = {N};
static const dlrt_tensor_desc inputs[] = {
    {.name = "x", .dtype = DLRT_DTYPE_F32, .rank = 1, .dims = bound, .arena_offset = 0}};

typedef struct fixture {
  dlrt_tensor_desc outputs[1];
  dlrt_arg args[4];
  dlrt_launch launch;
  dlrt_program program;
} fixture;

static void make_program(fixture *f, int32_t extra) {
  f->outputs[0] = (dlrt_tensor_desc){.name = "y",
                                     .dtype = DLRT_DTYPE_F32,
                                     .rank = 1,
                                     .dims = bound,
                                     .arena_offset = DLRT_BINDING,
                                     .dims_offset = DIMS_AT,
                                     .flags = DLRT_TENSOR_DATA_DEPENDENT};
  f->args[0] = (dlrt_arg){DLRT_ARG_ARENA, 0, 0, N * sizeof(float)};
  f->args[1] = (dlrt_arg){DLRT_ARG_OUTPUT, 0, 0, 0};
  f->args[2] = (dlrt_arg){DLRT_ARG_ARENA, 0, DIMS_AT, sizeof(int64_t)};
  f->args[3] = (dlrt_arg){DLRT_ARG_I32, 0, (uint32_t)extra, 0};
  f->launch = (dlrt_launch){
      .kernel = 0, .grid = {1, 1, 1}, .block = {1, 1, 1}, .arg_count = 4, .args = f->args};
  f->program = (dlrt_program){.abi_version = DLRT_PROGRAM_ABI_VERSION,
                              .name = "keep",
                              .kernel_count = 1,
                              .kernels = kernels,
                              .launch_count = 1,
                              .launches = &f->launch,
                              .arena_size = ARENA,
                              .input_count = 1,
                              .inputs = inputs,
                              .output_count = 1,
                              .outputs = f->outputs};
}

static dlrt_model *create(const dlrt_program *program) {
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 2};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(program, &options, &model), DLRT_STATUS_OK);
  return model;
}

static int64_t run_and_count(dlrt_model *model, const float *x, float *y) {
  const void *in[] = {x};
  void *out[] = {y};
  assert_int_equal(dlrt_model_run(model, in, out), DLRT_STATUS_OK);
  const int64_t *dims = NULL;
  uint32_t rank = 0;
  assert_int_equal(dlrt_model_output_dims(model, 0, &dims, &rank), DLRT_STATUS_OK);
  assert_int_equal(rank, 1);
  return dims[0];
}

/* Each run reports its own size; before any run the bounds are reported. */
static void test_actual_dims_per_run(void **state) {
  (void)state;
  static fixture f;
  make_program(&f, 0);
  dlrt_model *model = create(&f.program);
  const int64_t *dims = NULL;
  uint32_t rank = 0;
  assert_int_equal(dlrt_model_output_dims(model, 0, &dims, &rank), DLRT_STATUS_OK);
  assert_int_equal(rank, 1);
  assert_int_equal(dims[0], N);
  float x[N] = {1, -2, 3, 0, -5, 6, -7, -8}, y[N];
  assert_int_equal(run_and_count(model, x, y), 3);
  assert_true(y[0] == 1 && y[1] == 3 && y[2] == 6);
  float more[N] = {1, 2, 3, 4, 5, -6, -7, 8};
  assert_int_equal(run_and_count(model, more, y), 6);
  assert_true(y[5] == 8);
  float none[N] = {0};
  assert_int_equal(run_and_count(model, none, y), 0);
  dlrt_model_destroy(model);
}

/* On device buffers (host addresses on the host device): the dims after the synchronize. */
static void test_actual_dims_device_run(void **state) {
  (void)state;
  static fixture f;
  make_program(&f, 0);
  dlrt_model *model = create(&f.program);
  float x[N] = {-1, 2, -3, 4, -5, 6, -7, 8}, y[N];
  const uint64_t in[] = {(uint64_t)(uintptr_t)x};
  const uint64_t out[] = {(uint64_t)(uintptr_t)y};
  assert_int_equal(dlrt_model_run_device(model, in, out), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_synchronize(model), DLRT_STATUS_OK);
  const int64_t *dims = NULL;
  uint32_t rank = 0;
  assert_int_equal(dlrt_model_output_dims(model, 0, &dims, &rank), DLRT_STATUS_OK);
  assert_int_equal(dims[0], 4);
  assert_true(y[0] == 2 && y[3] == 8);
  dlrt_model_destroy(model);
}

/* A dim past the output's bound is a compiler bug the run reports; bad arguments are refused. */
static void test_dims_checked(void **state) {
  (void)state;
  static fixture f;
  make_program(&f, N);
  dlrt_model *model = create(&f.program);
  float x[N] = {1, 0, 0, 0, 0, 0, 0, 0}, y[N];
  const void *in[] = {x};
  void *out[] = {y};
  assert_int_equal(dlrt_model_run(model, in, out), DLRT_STATUS_INTERNAL);
  assert_non_null(strstr(dlrt_last_error(), "output 'y' of program 'keep'"));
  assert_non_null(strstr(dlrt_last_error(), "outside its bound [0, 8]"));
  const int64_t *dims = NULL;
  uint32_t rank = 0;
  assert_int_equal(dlrt_model_output_dims(model, 1, &dims, &rank), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "output 1 of program 'keep', which has 1"));
  assert_int_equal(dlrt_model_output_dims(model, 0, NULL, &rank), DLRT_STATUS_INVALID_ARGUMENT);
  assert_int_equal(dlrt_model_output_dims(NULL, 0, &dims, &rank), DLRT_STATUS_INVALID_ARGUMENT);
  dlrt_model_destroy(model);
}

static void expect_invalid(const dlrt_program *program, const char *message) {
  dlrt_options options = {.device = DLRT_DEVICE_HOST};
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(program, &options, &model), DLRT_STATUS_INVALID_PROGRAM);
  assert_null(model);
  if (!strstr(dlrt_last_error(), message))
    fail_msg("expected '%s' in: %s", message, dlrt_last_error());
}

/* The record must lie inside the arena, aligned, on an output; flags must be known. */
static void test_program_check(void **state) {
  (void)state;
  static fixture f;
  make_program(&f, 0);
  f.outputs[0].dims_offset = ARENA - 4;
  expect_invalid(&f.program, "a dims record at arena offset 508");
  f.outputs[0].dims_offset = DIMS_AT + 4;
  expect_invalid(&f.program, "aligned record of 1 dims");
  f.outputs[0].dims_offset = DIMS_AT;
  f.outputs[0].flags = 2;
  expect_invalid(&f.program, "has flags 0x2");
  f.outputs[0].flags = DLRT_TENSOR_DATA_DEPENDENT;
  dlrt_tensor_desc flagged_input = inputs[0];
  flagged_input.flags = DLRT_TENSOR_DATA_DEPENDENT;
  f.program.inputs = &flagged_input;
  expect_invalid(&f.program, "input 'x' has flags 0x1");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_actual_dims_per_run),
      cmocka_unit_test(test_actual_dims_device_run),
      cmocka_unit_test(test_dims_checked),
      cmocka_unit_test(test_program_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
