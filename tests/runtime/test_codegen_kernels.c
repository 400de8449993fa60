/* libdlrt running kernels made by dlcc's kernel builder: the host lowering JIT-ed as host
 * twins (on the host device's thread pool) and the nvptx lowering's PTX (on the cuda device
 * against the fake driver), from one dlrt_program, checked against C references. This is the
 * host-kernel ABI contract (include/dlrt/host_kernel.h) exercised from both sides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/kernel_builder.h"
#include "dlrt.h"
#include "fakecuda.h"
#include "tests/codegen/test_kernels.h"

enum { N = 5000, SUM_BLOCKS = (N + REDUCE_THREADS - 1) / REDUCE_THREADS, M = 37, K = 29, P = 45 };

typedef struct fixture {
  dl_diag diag;
  kernel_builder *host_kb, *ptx_kb;
  kb_jit *jit;
  char *ptx;
  dlrt_kernel kernels[2];
  dlrt_ptx_module module;
  dlrt_arg sum_args[3], matmul_args[6];
  dlrt_launch launches[2];
  dlrt_program program;
} fixture;

static float x[N], a[M * K], b[K * P], partials[SUM_BLOCKS], c[M * P];
static float expected_partials[SUM_BLOCKS], expected_c[M * P];

static const int64_t x_dims[] = {N}, a_dims[] = {M, K}, partial_dims[] = {SUM_BLOCKS},
                     c_dims[] = {M, P};
static const dlrt_tensor_desc inputs[] = {
    {.name = "x", .dtype = DLRT_DTYPE_F32, .rank = 1, .dims = x_dims, .arena_offset = DLRT_BINDING},
    {.name = "a", .dtype = DLRT_DTYPE_F32, .rank = 2, .dims = a_dims, .arena_offset = 0}};
static const dlrt_tensor_desc outputs[] = {{.name = "partials",
                                            .dtype = DLRT_DTYPE_F32,
                                            .rank = 1,
                                            .dims = partial_dims,
                                            .arena_offset = 8192},
                                           {.name = "c",
                                            .dtype = DLRT_DTYPE_F32,
                                            .rank = 2,
                                            .dims = c_dims,
                                            .arena_offset = DLRT_BINDING}};

static void make_data(void) {
  for (int i = 0; i < N; i++)
    x[i] = (float)((i * 7) % 11) - 5.0f;
  for (int i = 0; i < M * K; i++)
    a[i] = (float)((i * 5) % 9) * 0.5f - 2.0f;
  for (int i = 0; i < K * P; i++)
    b[i] = (float)((i * 3) % 7) - 3.0f;
  memset(expected_partials, 0, sizeof expected_partials);
  for (int i = 0; i < N; i++)
    expected_partials[i / REDUCE_THREADS] += x[i];
  for (int row = 0; row < M; row++)
    for (int col = 0; col < P; col++) {
      float sum = 0;
      for (int kk = 0; kk < K; kk++)
        sum += a[row * K + kk] * b[kk * P + col];
      expected_c[row * P + col] = sum;
    }
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  *state = f;
  dl_diag_init(&f->diag);
  kb_target_options host = {.kind = KB_TARGET_HOST, .host_cpu = "generic", .opt_level = 3};
  kb_target_options nvptx = {.kind = KB_TARGET_NVPTX, .sm = "sm_80", .opt_level = 3};
  f->host_kb = kb_create(&host, "dlrt_host", &f->diag);
  f->ptx_kb = kb_create(&nvptx, "dlrt_ptx", &f->diag);
  size_t size = 0;
  if (!f->host_kb || !f->ptx_kb || define_test_kernels(f->host_kb) != 0 ||
      define_test_kernels(f->ptx_kb) != 0 || !(f->jit = kb_jit_create(f->host_kb, &f->diag)) ||
      kb_emit_ptx(f->ptx_kb, &f->ptx, &size) != 0) {
    dl_diag_print(&f->diag, stderr);
    return -1;
  }
  static const char *const names[] = {"tree_sum", "matmul_tiled"};
  for (int i = 0; i < 2; i++) {
    const kb_kernel_info *info = kb_kernel_info_find(f->host_kb, names[i]);
    if (!info)
      return -1;
    f->kernels[i] = (dlrt_kernel){.name = names[i],
                                  .host_fn = kb_jit_lookup(f->jit, names[i]),
                                  .param_count = (uint32_t)info->param_count,
                                  .shared_bytes = (uint32_t)info->shared_bytes,
                                  .scratch_bytes = (uint32_t)info->host_scratch_bytes};
  }
  f->module = (dlrt_ptx_module){.sm_version = 80, .ptx = f->ptx};
  f->sum_args[0] = (dlrt_arg){DLRT_ARG_INPUT, 0, 0, 0};
  f->sum_args[1] = (dlrt_arg){DLRT_ARG_ARENA, 0, 8192, 0};
  f->sum_args[2] = (dlrt_arg){DLRT_ARG_I32, 0, N, 0};
  f->matmul_args[0] = (dlrt_arg){DLRT_ARG_ARENA, 0, 0, 0}; /* input a lives there */
  f->matmul_args[1] = (dlrt_arg){DLRT_ARG_WEIGHT, 0, 0, 0};
  f->matmul_args[2] = (dlrt_arg){DLRT_ARG_OUTPUT, 1, 0, 0};
  f->matmul_args[3] = (dlrt_arg){DLRT_ARG_I32, 0, M, 0};
  f->matmul_args[4] = (dlrt_arg){DLRT_ARG_I32, 0, P, 0};
  f->matmul_args[5] = (dlrt_arg){DLRT_ARG_I32, 0, K, 0};
  f->launches[0] = (dlrt_launch){.kernel = 0,
                                 .grid = {SUM_BLOCKS, 1, 1},
                                 .block = {REDUCE_THREADS, 1, 1},
                                 .arg_count = 3,
                                 .args = f->sum_args};
  f->launches[1] = (dlrt_launch){.kernel = 1,
                                 .grid = {(P + TILE - 1) / TILE, (M + TILE - 1) / TILE, 1},
                                 .block = {TILE, TILE, 1},
                                 .arg_count = 6,
                                 .args = f->matmul_args};
  f->program = (dlrt_program){.abi_version = DLRT_PROGRAM_ABI_VERSION,
                              .name = "codegen_kernels",
                              .kernel_count = 2,
                              .kernels = f->kernels,
                              .module_count = 1,
                              .modules = &f->module,
                              .launch_count = 2,
                              .launches = f->launches,
                              .weights = b,
                              .weights_size = sizeof b,
                              .arena_size = 8192 + sizeof partials,
                              .input_count = 2,
                              .inputs = inputs,
                              .output_count = 2,
                              .outputs = outputs};
  make_data();
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  free(f->ptx);
  kb_jit_destroy(f->jit);
  kb_destroy(f->host_kb);
  kb_destroy(f->ptx_kb);
  dl_diag_deinit(&f->diag);
  free(f);
  return 0;
}

static void run_and_check(const dlrt_program *program, const dlrt_options *options) {
  dlrt_model *model = NULL;
  int status = dlrt_model_create(program, options, &model);
  if (status)
    fail_msg("%s: %s", dlrt_status_string(status), dlrt_last_error());
  const void *in[] = {x, a};
  void *out[] = {partials, c};
  memset(partials, 0, sizeof partials);
  memset(c, 0, sizeof c);
  assert_int_equal(dlrt_model_run(model, in, out), DLRT_STATUS_OK);
  for (int i = 0; i < SUM_BLOCKS; i++)
    assert_float_equal(partials[i], expected_partials[i], 1e-3);
  for (int i = 0; i < M * P; i++)
    assert_float_equal(c[i], expected_c[i], 1e-3);
  dlrt_model_destroy(model);
}

static void test_host_device(void **state) {
  fixture *f = *state;
  for (int threads = 1; threads <= 3; threads += 2) {
    dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = threads};
    run_and_check(&f->program, &options);
  }
}

static void test_fake_cuda_device(void **state) {
  fixture *f = *state;
  setenv("DLRT_LIBCUDA", FAKECUDA_PATH, 1);
  fakecuda_reset();
  dlrt_options options = {.device = DLRT_DEVICE_CUDA};
  run_and_check(&f->program, &options);
  /* the fake read LLVM's PTX signatures: 3 and 6 parameters, values as the program says */
  assert_int_equal(fakecuda_launch_count(), 2);
  const fakecuda_launch *matmul = fakecuda_launch_record(1);
  assert_string_equal(matmul->name, "matmul_tiled");
  assert_int_equal(matmul->param_count, 6);
  assert_int_equal(matmul->params[3], M);
  assert_int_equal(matmul->params[5], K);
  assert_int_equal(matmul->block[1], TILE);
  assert_int_equal(fakecuda_launch_record(0)->param_count, 3);
  assert_int_equal(fakecuda_live_allocations(), 0);
  assert_int_equal(fakecuda_live_objects(), 0);
  unsetenv("DLRT_LIBCUDA");
}

/* The fixture's program with checked twins of the builder's kernels (N-th barrier dropped
 * when drop > 0) in *program; the caller destroys the returned builder and JIT. */
static kernel_builder *checked_program(fixture *f, int drop, dlrt_kernel *kernels,
                                       dlrt_program *program, kb_jit **out_jit) {
  kb_target_options options = {.kind = KB_TARGET_HOST,
                               .host_cpu = "native",
                               .opt_level = 2,
                               .sanitize = true,
                               .test_drop_barrier = drop};
  kernel_builder *kb = kb_create(&options, "dlrt_checked", &f->diag);
  assert_non_null(kb);
  assert_int_equal(define_test_kernels(kb), 0);
  *out_jit = kb_jit_create(kb, &f->diag);
  assert_non_null(*out_jit);
  for (int i = 0; i < 2; i++) {
    kernels[i] = f->kernels[i];
    kernels[i].host_fn = kb_jit_lookup(*out_jit, f->kernels[i].name);
    kernels[i].flags = DLRT_KERNEL_CHECKED;
  }
  *program = f->program;
  program->kernels = kernels;
  return kb;
}

static uint64_t sanitized_run(const dlrt_program *program) {
  dlrt_options options = {.device = DLRT_DEVICE_AUTO, .sanitize = 1}; /* auto: host */
  dlrt_model *model = NULL;
  int status = dlrt_model_create(program, &options, &model);
  if (status)
    fail_msg("%s: %s", dlrt_status_string(status), dlrt_last_error());
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_HOST);
  const void *in[] = {x, a};
  void *out[] = {partials, c};
  assert_int_equal(dlrt_model_run(model, in, out), DLRT_STATUS_OK);
  uint64_t reports = dlrt_model_sanitizer_reports(model);
  dlrt_model_destroy(model);
  return reports;
}

/* The same program with checked twins under the sanitizer: no report and the same results;
 * with each kernel's second barrier dropped, reports; plain twins are refused. */
static void test_sanitizer(void **state) {
  fixture *f = *state;
  dlrt_kernel kernels[2];
  dlrt_program program;
  kb_jit *jit;
  kernel_builder *kb = checked_program(f, 0, kernels, &program, &jit);
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .sanitize = 1};
  run_and_check(&program, &options);
  assert_int_equal(sanitized_run(&program), 0);
  kb_jit_destroy(jit);
  kb_destroy(kb);

  kb = checked_program(f, 2, kernels, &program, &jit);
  assert_true(sanitized_run(&program) > 0);
  kb_jit_destroy(jit);
  kb_destroy(kb);

  dlrt_model *model = NULL;
  setenv("DLRT_SANITIZE", "1", 1);
  dlrt_options plain = {.device = DLRT_DEVICE_HOST};
  assert_int_equal(dlrt_model_create(&f->program, &plain, &model), DLRT_STATUS_INVALID_PROGRAM);
  assert_non_null(strstr(dlrt_last_error(), "has no checked host twin"));
  unsetenv("DLRT_SANITIZE");
  dlrt_options cuda = {.device = DLRT_DEVICE_CUDA, .sanitize = 1};
  assert_int_equal(dlrt_model_create(&f->program, &cuda, &model), DLRT_STATUS_INVALID_ARGUMENT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_host_device),
      cmocka_unit_test(test_fake_cuda_device),
      cmocka_unit_test(test_sanitizer),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
