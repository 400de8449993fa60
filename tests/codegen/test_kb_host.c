/* Host lowering: the test kernels JIT-ed in process and run block by block against C
 * references (barriers, shared memory, shuffles, atomics, tiled matmul). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_launch.h"
#include "test_kernels.h"

typedef struct fixture {
  dl_diag diag;
  kernel_builder *kb;
  kb_jit *jit;
} fixture;

static int setup_at(void **state, int opt_level, const char *cpu) {
  fixture *f = calloc(1, sizeof *f);
  dl_diag_init(&f->diag);
  kb_target_options options = {.kind = KB_TARGET_HOST, .host_cpu = cpu, .opt_level = opt_level};
  f->kb = kb_create(&options, "host_test", &f->diag);
  if (f->kb && define_test_kernels(f->kb) == 0)
    f->jit = kb_jit_create(f->kb, &f->diag);
  if (!f->jit)
    dl_diag_print(&f->diag, stderr);
  *state = f;
  return f->jit ? 0 : -1;
}

/* Optimized for this CPU (what `dlcc run` uses), portable x86-64 (what bundles ship) and
 * unoptimized: the semantics must not depend on the optimizer or the vector width. */
static int setup_native_o3(void **state) { return setup_at(state, 3, "native"); }
static int setup_generic_o3(void **state) { return setup_at(state, 3, "generic"); }
static int setup_generic_o0(void **state) { return setup_at(state, 0, "generic"); }

static int teardown(void **state) {
  fixture *f = *state;
  kb_jit_destroy(f->jit);
  kb_destroy(f->kb);
  dl_diag_deinit(&f->diag);
  free(f);
  return 0;
}

static void run(fixture *f, const char *name, void **params, unsigned gx, unsigned gy, unsigned bx,
                unsigned by) {
  const unsigned grid[3] = {gx, gy, 1}, block[3] = {bx, by, 1};
  assert_int_equal(host_launch(f->jit, f->kb, name, params, grid, block), 0);
}

static float *random_floats(int n, unsigned seed, int integral) {
  float *data = malloc((size_t)n * sizeof *data);
  srand(seed);
  for (int i = 0; i < n; i++)
    data[i] = integral ? (float)(rand() % 21 - 10) : (float)rand() / (float)RAND_MAX * 2.0f - 1.0f;
  return data;
}

static void test_relu(void **state) {
  fixture *f = *state;
  int n = 1000; /* not a multiple of the block: the tail is guarded */
  float *in = random_floats(n, 1, 0), *out = calloc(1024, sizeof(float));
  out[n] = 42.0f;
  void *params[] = {&in, &out, &n};
  run(f, "relu_f32", params, 8, 1, 128, 1);
  for (int i = 0; i < n; i++)
    assert_true(out[i] == (in[i] > 0 ? in[i] : 0.0f));
  assert_true(out[n] == 42.0f);
  free(in);
  free(out);
}

static void check_block_sums(fixture *f, const char *kernel) {
  int n = 1000, blocks = 4;
  float *in = random_floats(n, 2, 1), out[4] = {0}, *out_pointer = out;
  void *params[] = {&in, &out_pointer, &n};
  run(f, kernel, params, (unsigned)blocks, 1, REDUCE_THREADS, 1);
  for (int b = 0; b < blocks; b++) {
    float expected = 0;
    for (int i = b * REDUCE_THREADS; i < (b + 1) * REDUCE_THREADS && i < n; i++)
      expected += in[i];
    assert_float_equal(out[b], expected, 0.0f); /* small integers: exact in any order */
  }
  free(in);
}

static void test_block_sum_serial(void **state) { check_block_sums(*state, "block_sum_serial"); }
static void test_tree_sum(void **state) { check_block_sums(*state, "tree_sum"); }
static void test_tree_sum_loop(void **state) { check_block_sums(*state, "tree_sum_loop"); }

static void test_rotate_shared(void **state) {
  fixture *f = *state;
  int n = 2 * REDUCE_THREADS;
  float *in = random_floats(n, 3, 0), *out = calloc((size_t)n, sizeof(float));
  void *params[] = {&in, &out};
  run(f, "rotate_shared", params, 2, 1, REDUCE_THREADS, 1);
  for (int i = 0; i < n; i++) {
    int block = i / REDUCE_THREADS, t = i % REDUCE_THREADS;
    assert_true(out[i] == in[block * REDUCE_THREADS + (t + 1) % REDUCE_THREADS]);
  }
  free(in);
  free(out);
}

static void test_warp_sum_down(void **state) {
  fixture *f = *state;
  int n = 256;
  float *in = random_floats(n, 4, 1), out[8] = {0}, *out_pointer = out;
  void *params[] = {&in, &out_pointer};
  run(f, "warp_sum_down", params, 2, 1, 128, 1);
  for (int w = 0; w < n / 32; w++) {
    float expected = 0;
    for (int l = 0; l < 32; l++)
      expected += in[w * 32 + l];
    assert_float_equal(out[w], expected, 0.0f);
  }
  free(in);
}

static void test_warp_sum_xor(void **state) {
  fixture *f = *state;
  int n = 192;
  int32_t *in = malloc((size_t)n * sizeof *in), *out = calloc((size_t)n, sizeof *out);
  for (int i = 0; i < n; i++)
    in[i] = i * 7 % 13 - 6;
  void *params[] = {&in, &out};
  run(f, "warp_sum_xor", params, 2, 1, 96, 1);
  for (int i = 0; i < n; i++) {
    int expected = 0;
    for (int l = 0; l < 32; l++)
      expected += in[i / 32 * 32 + l];
    assert_int_equal(out[i], expected);
  }
  free(in);
  free(out);
}

static void test_warp_broadcast_f64(void **state) {
  fixture *f = *state;
  int n = 128;
  double *in = malloc((size_t)n * sizeof *in), *out = calloc((size_t)n, sizeof *out);
  for (int i = 0; i < n; i++)
    in[i] = 1.0 / (i + 1) + 1e10 * i; /* uses both halves of the 64 bits */
  void *params[] = {&in, &out};
  run(f, "warp_broadcast", params, 1, 1, 128, 1);
  for (int i = 0; i < n; i++)
    assert_true(out[i] == in[i / 32 * 32 + 3]);
  free(in);
  free(out);
}

static void test_warp_scan_shuffle_up(void **state) {
  fixture *f = *state;
  int n = 128;
  int32_t *in = malloc((size_t)n * sizeof *in), *out = calloc((size_t)n, sizeof *out);
  for (int i = 0; i < n; i++)
    in[i] = i % 9 - 3;
  void *params[] = {&in, &out};
  run(f, "warp_scan", params, 2, 1, 64, 1);
  for (int i = 0, running = 0; i < n; i++) {
    running = (i % 32 == 0 ? 0 : running) + in[i];
    assert_int_equal(out[i], running);
  }
  free(in);
  free(out);
}

static void test_warp_reductions(void **state) {
  fixture *f = *state;
  enum { N = 96 };
  float *in = random_floats(N, 13, 1);
  in[70] = NAN; /* the third warp's max and min are NaN; its sum too */
  float sum[N], max[N], min[N], *outputs[3] = {sum, max, min};
  void *params[] = {&in, &outputs[0], &outputs[1], &outputs[2]};
  run(f, "warp_reductions", params, 1, 1, N, 1);
  for (int i = 0; i < N; i++) {
    float expected_sum = 0, expected_max = -INFINITY, expected_min = INFINITY;
    for (int l = i / 32 * 32; l < i / 32 * 32 + 32; l++) {
      expected_sum += in[l];
      expected_max = in[l] > expected_max || isnan(in[l]) ? in[l] : expected_max;
      expected_min = in[l] < expected_min || isnan(in[l]) ? in[l] : expected_min;
    }
    if (i / 32 == 2) {
      assert_true(isnan(sum[i]) && isnan(max[i]) && isnan(min[i]));
      continue;
    }
    assert_true(sum[i] == expected_sum); /* small integers: exact in any order */
    assert_true(max[i] == expected_max);
    assert_true(min[i] == expected_min);
  }
  free(in);
}

static void test_warp_gather_per_thread_lane(void **state) {
  fixture *f = *state;
  int n = 96; /* the last warp is complete; lanes read inside their own warp */
  int32_t *in = malloc((size_t)n * sizeof *in), *out = calloc((size_t)n, sizeof *out);
  for (int i = 0; i < n; i++)
    in[i] = 1000 + i;
  void *params[] = {&in, &out};
  run(f, "warp_gather", params, 1, 1, 96, 1);
  for (int i = 0; i < n; i++)
    assert_int_equal(out[i], in[i / 32 * 32 + ((i % 32) * 5 + 1) % 32]);
  free(in);
  free(out);
}

static void test_uniform_if_with_barriers(void **state) {
  fixture *f = *state;
  int n = 2 * REDUCE_THREADS;
  float *in = random_floats(n, 9, 0), *out = calloc((size_t)n, sizeof(float));
  for (int flag = 0; flag < 2; flag++) {
    void *params[] = {&in, &out, &flag};
    run(f, "maybe_reverse", params, 2, 1, REDUCE_THREADS, 1);
    for (int i = 0; i < n; i++) {
      int block = i / REDUCE_THREADS, t = i % REDUCE_THREADS;
      int source = flag ? block * REDUCE_THREADS + REDUCE_THREADS - 1 - t : i;
      assert_true(out[i] == in[source]);
    }
  }
  free(in);
  free(out);
}

static void test_global_table(void **state) {
  fixture *f = *state;
  int n = 100;
  float *in = random_floats(n, 10, 0), *out = calloc((size_t)n, sizeof(float));
  void *params[] = {&in, &out};
  run(f, "global_table", params, 1, 1, 100, 1);
  for (int i = 0; i < n; i++)
    assert_true(out[i] == (1.5f - (float)(i % 5)) * in[i]);
  free(in);
  free(out);
}

static void test_index_first_read_in_if(void **state) {
  fixture *f = *state;
  float out[64] = {0}, *out_pointer = out, *unused = NULL;
  void *params[] = {&unused, &out_pointer};
  run(f, "index_in_if", params, 1, 1, 32, 1);
  for (int i = 0; i < 64; i++)
    assert_true(out[i] == (i < 32 ? 1.0f : 2.0f));
}

static void test_constant_table(void **state) {
  fixture *f = *state;
  int n = 100;
  float *in = random_floats(n, 10, 0), *out = calloc((size_t)n, sizeof(float));
  void *params[] = {&in, &out};
  run(f, "constant_table", params, 1, 1, 100, 1);
  for (int i = 0; i < n; i++)
    assert_true(out[i] == 0.5f * (float)((i % 8) * (i % 8)) + in[i]);
  free(in);
  free(out);
}

static void test_uniform_arithmetic_crosses_phases(void **state) {
  fixture *f = *state;
  int n = 2 * REDUCE_THREADS;
  float *in = random_floats(n, 12, 0), *out = calloc((size_t)n + 2, sizeof(float));
  void *params[] = {&in, &out, &n};
  run(f, "uniform_remat", params, 2, 1, REDUCE_THREADS, 1);
  for (int i = 0; i < n; i++) {
    int block = i / REDUCE_THREADS, t = i % REDUCE_THREADS;
    assert_true(out[i] == in[block * REDUCE_THREADS + REDUCE_THREADS - 1 - t]);
  }
  assert_true(out[n] == 2.0f && out[n + 1] == 2.0f);
  free(in);
  free(out);
}

static void test_atomics_across_blocks(void **state) {
  fixture *f = *state;
  int n = 5000;
  float *in = random_floats(n, 5, 1), total = 0, *total_pointer = &total;
  void *params[] = {&in, &total_pointer, &n};
  run(f, "atomic_sum_f32", params, 20, 1, 256, 1);
  float expected = 0;
  for (int i = 0; i < n; i++)
    expected += in[i];
  assert_float_equal(total, expected, 0.0f);
  int32_t *values = malloc((size_t)n * sizeof *values);
  for (int i = 0; i < n; i++)
    values[i] = (i * 7919) % 10007 - 5000; /* max 5006 at some i */
  union {
    int32_t i;
    float f;
  } maxima[2] = {{.i = INT32_MIN}, {.f = -INFINITY}};
  void *max_params[] = {&values, &(void *){maxima}, &n};
  run(f, "atomic_max", max_params, 20, 1, 256, 1);
  int32_t expected_max = INT32_MIN;
  for (int i = 0; i < n; i++)
    expected_max = values[i] > expected_max ? values[i] : expected_max;
  assert_int_equal(maxima[0].i, expected_max);
  assert_true(maxima[1].f == (float)expected_max);
  free(values);
  int32_t counts[4] = {0}, *counts_pointer = counts;
  void *count_params[] = {&counts_pointer};
  run(f, "atomic_count_i32", count_params, 10, 1, 100, 1);
  for (int b = 0; b < 4; b++)
    assert_int_equal(counts[b], 250);
  free(in);
}

/* The last of 4 blocks to arrive adds every block's partials; the counter ends at 0, so a
 * second launch gives the same sums. */
static void test_last_block_sum(void **state) {
  fixture *f = *state;
  enum { THREADS = 64, BLOCKS = 4 };
  float *in = random_floats(THREADS * BLOCKS, 8, 1);
  float *out = calloc(THREADS + 1 + THREADS * BLOCKS, sizeof(float));
  void *params[] = {&in, &out};
  for (int launch = 0; launch < 2; launch++) {
    memset(out, 0, THREADS * sizeof(float));
    run(f, "last_block_sum", params, BLOCKS, 1, THREADS, 1);
    for (int t = 0; t < THREADS; t++) {
      float expected = 0;
      for (int b = 0; b < BLOCKS; b++)
        expected += in[b * THREADS + t] + 1;
      assert_true(out[t] == expected); /* small integers: exact */
    }
    uint32_t counter;
    memcpy(&counter, &out[THREADS], sizeof counter);
    assert_int_equal(counter, 0);
  }
  free(in);
  free(out);
}

static void test_matmul_tiled(void **state) {
  fixture *f = *state;
  int m = 37, n = 45, k = 70; /* ragged edges in every dimension */
  float *a = random_floats(m * k, 6, 0), *b = random_floats(k * n, 7, 0);
  float *c = calloc((size_t)(m * n), sizeof(float));
  void *params[] = {&a, &b, &c, &m, &n, &k};
  run(f, "matmul_tiled", params, (unsigned)(n + TILE - 1) / TILE, (unsigned)(m + TILE - 1) / TILE,
      TILE, TILE);
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double expected = 0;
      for (int p = 0; p < k; p++)
        expected += (double)a[i * k + p] * b[p * n + j];
      assert_float_equal(c[i * n + j], expected, 1e-4);
    }
  /* Its block is fixed (kb_kernel_fix_block): any other block runs nothing. */
  memset(c, 0, (size_t)(m * n) * sizeof(float));
  dlrt_host_block_fn matmul = kb_jit_lookup(f->jit, "matmul_tiled");
  assert_non_null(matmul);
  dlrt_host_launch launch = {.grid = {1, 1, 1}, .block = {TILE, TILE / 2, 1}};
  matmul((void *const *)params, &launch);
  for (int i = 0; i < m * n; i++)
    assert_true(c[i] == 0.0f);
  free(a);
  free(b);
  free(c);
}

static void test_kernel_metadata(void **state) {
  fixture *f = *state;
  const kb_kernel_info *matmul = kb_kernel_info_find(f->kb, "matmul_tiled");
  assert_non_null(matmul);
  assert_string_equal(matmul->host_symbol, "matmul_tiled__host");
  assert_int_equal(matmul->param_count, 6);
  assert_int_equal(matmul->param_kinds[0], KB_PARAM_PTR);
  assert_int_equal(matmul->param_kinds[5], KB_PARAM_I32);
  assert_int_equal(matmul->shared_bytes, 2 * TILE * TILE * sizeof(float));
  assert_int_equal(matmul->max_threads, TILE * TILE);
  /* acc lives across the barriers of the k loop: one float per thread of scratch. */
  assert_true(matmul->host_scratch_bytes >= TILE * TILE * sizeof(float));
  const kb_kernel_info *relu = kb_kernel_info_find(f->kb, "relu_f32");
  assert_int_equal(relu->shared_bytes, 0);
  assert_int_equal(relu->host_scratch_bytes, 0);
  const kb_kernel_info *warp = kb_kernel_info_find(f->kb, "warp_sum_down");
  assert_true(warp->host_scratch_bytes >= 2 * 8 * 1024); /* two shuffle slot buffers */
  assert_null(kb_kernel_info_find(f->kb, "no_such_kernel"));
}

/* A block larger than the launch bound would overflow the scratch: the twin refuses it. */
static void test_oversized_block_is_refused(void **state) {
  fixture *f = *state;
  int n = 2048;
  float *in = random_floats(n, 8, 0), *out = calloc((size_t)n, sizeof(float));
  in[0] = 1.0f; /* any run of thread 0 would show */
  void *params[] = {&in, &out, &n};
  dlrt_host_block_fn relu = kb_jit_lookup(f->jit, "relu_f32");
  assert_non_null(relu);
  dlrt_host_launch launch = {.grid = {1, 1, 1}, .block = {2048, 1, 1}};
  relu((void *const *)params, &launch);
  for (int i = 0; i < n; i++)
    assert_true(out[i] == 0.0f);
  launch.block[0] = 0; /* the do-while thread loops must not run thread 0 of an empty block */
  relu((void *const *)params, &launch);
  assert_true(out[0] == 0.0f);
  launch.block[0] = 1024;
  relu((void *const *)params, &launch);
  assert_true(out[0] == 1.0f);
  free(in);
  free(out);
}

/* The object file (what bundles ship) links into an ordinary C program with the system
 * compiler and runs there, without LLVM: PIC relocations, symbol names, no hidden imports. */
static void test_object_links_into_a_program(void **state) {
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options options = {.kind = KB_TARGET_HOST, .opt_level = 3};
  kernel_builder *kb = kb_create(&options, "object_test", &diag);
  assert_int_equal(define_test_kernels(kb), 0);
  char *object = NULL;
  size_t size = 0;
  assert_int_equal(kb_emit_object(kb, &object, &size), 0);
  char command[4096], path[1024];
  snprintf(command, sizeof command, "mkdir -p %s", DLCC_TEST_WORK_DIR);
  assert_int_equal(system(command), 0);
  snprintf(path, sizeof path, "%s/kernels.o", DLCC_TEST_WORK_DIR);
  FILE *file = fopen(path, "wb");
  assert_non_null(file);
  assert_int_equal(fwrite(object, 1, size, file), size);
  fclose(file);
  free(object);
  snprintf(path, sizeof path, "%s/main.c", DLCC_TEST_WORK_DIR);
  file = fopen(path, "w");
  assert_non_null(file);
  fputs("#include <stdio.h>\n#include \"dlrt/host_kernel.h\"\n"
        "void relu_f32__host(void *const *params, const dlrt_host_launch *launch);\n"
        "int main(void) {\n"
        "  float in[5] = {-1.5f, 2.5f, -0.0f, 7.0f, 9.0f}, out[5] = {0, 0, 0, 0, 42};\n"
        "  float *pin = in, *pout = out; int n = 4;\n"
        "  void *params[] = {&pin, &pout, &n};\n"
        "  dlrt_host_launch launch = {.grid = {1, 1, 1}, .block = {32, 1, 1}};\n"
        "  relu_f32__host(params, &launch);\n"
        "  printf(\"%g %g %g %g %g\\n\", out[0], out[1], out[2], out[3], out[4]);\n"
        "  return 0;\n}\n",
        file);
  fclose(file);
  snprintf(command, sizeof command,
           "cc -I%s/include %s/main.c %s/kernels.o -o %s/program && %s/program > %s/output.txt",
           DLCC_SOURCE_DIR, DLCC_TEST_WORK_DIR, DLCC_TEST_WORK_DIR, DLCC_TEST_WORK_DIR,
           DLCC_TEST_WORK_DIR, DLCC_TEST_WORK_DIR);
  assert_int_equal(system(command), 0);
  snprintf(path, sizeof path, "%s/output.txt", DLCC_TEST_WORK_DIR);
  file = fopen(path, "r");
  assert_non_null(file);
  char line[256] = "";
  assert_non_null(fgets(line, sizeof line, file));
  fclose(file);
  assert_string_equal(line, "0 2.5 0 7 42\n");
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_relu),
      cmocka_unit_test(test_block_sum_serial),
      cmocka_unit_test(test_tree_sum),
      cmocka_unit_test(test_tree_sum_loop),
      cmocka_unit_test(test_rotate_shared),
      cmocka_unit_test(test_warp_sum_down),
      cmocka_unit_test(test_warp_sum_xor),
      cmocka_unit_test(test_warp_broadcast_f64),
      cmocka_unit_test(test_atomics_across_blocks),
      cmocka_unit_test(test_last_block_sum),
      cmocka_unit_test(test_matmul_tiled),
      cmocka_unit_test(test_kernel_metadata),
      cmocka_unit_test(test_oversized_block_is_refused),
      cmocka_unit_test(test_warp_scan_shuffle_up),
      cmocka_unit_test(test_warp_reductions),
      cmocka_unit_test(test_warp_gather_per_thread_lane),
      cmocka_unit_test(test_uniform_if_with_barriers),
      cmocka_unit_test(test_index_first_read_in_if),
      cmocka_unit_test(test_constant_table),
      cmocka_unit_test(test_global_table),
      cmocka_unit_test(test_uniform_arithmetic_crosses_phases),
  };
  const struct CMUnitTest standalone[] = {cmocka_unit_test(test_object_links_into_a_program)};
  int failures = cmocka_run_group_tests_name("object file", standalone, NULL, NULL);
  failures += cmocka_run_group_tests_name("native -O3", tests, setup_native_o3, teardown);
  failures += cmocka_run_group_tests_name("generic x86-64 -O3", tests, setup_generic_o3, teardown);
  failures += cmocka_run_group_tests_name("generic x86-64 -O0", tests, setup_generic_o0, teardown);
  return failures;
}
