/* NVPTX lowering: the test and math kernels emitted as PTX for sm_75, sm_80 and sm_90,
 * checked for external calls and assembled by ptxas -v through kb_ptxas_run (registers,
 * spills and shared memory recorded and cross-checked against the builder's metadata). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "codegen/kb_ptxas.h"
#include "test_kernels.h"

static void make_directories(const char *path) {
  char buffer[1024];
  snprintf(buffer, sizeof buffer, "%s", path);
  for (char *p = buffer + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(buffer, 0755);
      *p = '/';
    }
  mkdir(buffer, 0755);
}

static void check_sm(const char *sm, const char *version) {
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options options = {.kind = KB_TARGET_NVPTX, .sm = sm, .opt_level = 3};
  kernel_builder *kb = kb_create(&options, "ptx_test", &diag);
  assert_non_null(kb);
  assert_int_equal(define_test_kernels(kb), 0);
  assert_int_equal(define_math_kernels(kb), 0);
  char *ptx = NULL;
  size_t size = 0;
  if (kb_emit_ptx(kb, &ptx, &size) != 0)
    dl_diag_print(&diag, stderr);
  assert_non_null(ptx);
  assert_int_equal(strlen(ptx), size);
  assert_false(dl_diag_has_errors(&diag));

  assert_null(strstr(ptx, ".extern .func")); /* no libm, no calls out of the module */
  assert_non_null(strstr(ptx, version));
  char target[32];
  snprintf(target, sizeof target, ".target %s", sm);
  assert_non_null(strstr(ptx, target));
  assert_non_null(strstr(ptx, ".entry matmul_tiled"));
  assert_non_null(strstr(ptx, ".maxntid 256, 1, 1"));
  static const char *const expected[] = {
      "bar.sync",      "shfl.sync.down",      "shfl.sync.bfly",    "shfl.sync.up",
      "shfl.sync.idx", "atom.global.add.f32", ".shared .align 16", ".const .align 16",
      "ld.const.f32",  ".global .align 16",   "ld.global.nc.f32",  "membar.gl",
      "atom.global.exch.b32"};
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
    if (!strstr(ptx, expected[i]))
      fail_msg("PTX for %s lacks '%s'", sm, expected[i]);

  if (!DLCC_PTXAS[0]) {
    free(ptx);
    kb_destroy(kb);
    dl_diag_deinit(&diag);
    skip(); /* no CUDA toolkit: the PTX checks above still ran */
  }
  kb_ptxas_result result;
  int status = kb_ptxas_run(DLCC_PTXAS, ptx, size, sm, &result, &diag);
  if (status != 0)
    dl_diag_print(&diag, stderr);
  assert_int_equal(status, 0);
  assert_true(result.cubin_size > 0);
  make_directories(DLCC_TEST_WORK_DIR);
  char path[1024];
  snprintf(path, sizeof path, "%s/ptxas_%s.txt", DLCC_TEST_WORK_DIR, sm);
  FILE *report = fopen(path, "w");
  assert_non_null(report);
  assert_int_equal(result.kernel_count, kb_kernel_count(kb));
  for (int i = 0; i < kb_kernel_count(kb); i++) {
    const kb_kernel_info *info = kb_kernel_info_at(kb, i);
    const kb_ptxas_kernel *stats = kb_ptxas_find(&result, info->name);
    assert_non_null(stats);
    fprintf(report, "%s %-18s registers=%d stack=%d spill_stores=%d spill_loads=%d smem=%d\n", sm,
            stats->name, stats->registers, stats->stack_bytes, stats->spill_store_bytes,
            stats->spill_load_bytes, stats->shared_bytes);
    assert_true(stats->registers > 0);
    assert_int_equal(stats->spill_store_bytes + stats->spill_load_bytes, 0);
    assert_int_equal(stats->shared_bytes, info->shared_bytes); /* the builder's count agrees */
  }
  fclose(report);
  printf("ptxas -v summary written to %s\n", path);
  kb_ptxas_result_deinit(&result);
  free(ptx);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

static void test_sm_75(void **state) { check_sm("sm_75", ".version 6.3"); }
static void test_sm_80(void **state) { check_sm("sm_80", ".version 7.0"); }
static void test_sm_90(void **state) { check_sm("sm_90", ".version 7.8"); }

/* Unoptimized PTX (allocas, calls to the internal math functions inlined by the always-
 * inliner) must assemble too: -O0 is a user option. */
static void test_unoptimized_ptx_assembles(void **state) {
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options options = {.kind = KB_TARGET_NVPTX, .sm = "sm_80", .opt_level = 0};
  kernel_builder *kb = kb_create(&options, "ptx_o0", &diag);
  assert_int_equal(define_test_kernels(kb), 0);
  assert_int_equal(define_math_kernels(kb), 0);
  char *ptx = NULL;
  size_t size = 0;
  assert_int_equal(kb_emit_ptx(kb, &ptx, &size), 0);
  assert_null(strstr(ptx, ".extern .func"));
  if (DLCC_PTXAS[0]) {
    kb_ptxas_result result;
    int status = kb_ptxas_run(DLCC_PTXAS, ptx, size, "sm_80", &result, &diag);
    if (status != 0)
      dl_diag_print(&diag, stderr);
    assert_int_equal(status, 0);
    assert_int_equal(result.kernel_count, kb_kernel_count(kb));
    kb_ptxas_result_deinit(&result);
  }
  free(ptx);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

static void test_ptxas_failures_are_reported(void **state) {
  dl_diag diag;
  dl_diag_init(&diag);
  kb_ptxas_result result;
  const char *bogus = "this is not PTX\n";
  assert_int_equal(
      kb_ptxas_run("/nonexistent/ptxas", bogus, strlen(bogus), "sm_80", &result, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "cannot run '/nonexistent/ptxas'"));
  if (DLCC_PTXAS[0]) {
    assert_int_equal(kb_ptxas_run(DLCC_PTXAS, bogus, strlen(bogus), "sm_80", &result, &diag), -1);
    assert_non_null(strstr(dl_diag_message(&diag, 1), "ptxas -arch=sm_80 failed"));
    assert_non_null(strstr(dl_diag_message(&diag, 1), ".version"));
  }
  assert_null(result.cubin);
  dl_diag_deinit(&diag);
}

static void test_unknown_sm_is_an_error(void **state) {
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options options = {.kind = KB_TARGET_NVPTX, .sm = "sm_12"};
  assert_null(kb_create(&options, "bad", &diag));
  assert_true(dl_diag_has_errors(&diag));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "sm_12"));
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sm_75),
      cmocka_unit_test(test_sm_80),
      cmocka_unit_test(test_sm_90),
      cmocka_unit_test(test_unoptimized_ptx_assembles),
      cmocka_unit_test(test_ptxas_failures_are_reported),
      cmocka_unit_test(test_unknown_sm_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
