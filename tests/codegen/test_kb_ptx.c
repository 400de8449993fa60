/* NVPTX lowering: the test and math kernels emitted as PTX for sm_75, sm_80 and sm_90,
 * checked for external calls and assembled by ptxas -v (registers/spills recorded). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

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

static char *build_ptx(const char *sm) {
  dl_diag diag;
  dl_diag_init(&diag);
  kb_target_options options = {.kind = KB_TARGET_NVPTX, .sm = sm, .opt_level = 3};
  kernel_builder *kb = kb_create(&options, "ptx_test", &diag);
  assert_non_null(kb);
  assert_int_equal(define_test_kernels(kb), 0);
  assert_int_equal(define_math_kernels(kb), 0);
  char *ptx = NULL;
  size_t size = 0;
  int status = kb_emit_ptx(kb, &ptx, &size);
  if (status != 0)
    dl_diag_print(&diag, stderr);
  assert_int_equal(status, 0);
  assert_int_equal(strlen(ptx), size);
  assert_false(dl_diag_has_errors(&diag));
  kb_destroy(kb);
  dl_diag_deinit(&diag);
  return ptx;
}

/* Parses `ptxas -v` output: one line per kernel with registers and spill bytes. */
static int report_ptxas(FILE *output, FILE *report, const char *sm) {
  char line[1024], kernel[256] = "?";
  int total_spills = 0;
  while (fgets(line, sizeof line, output)) {
    char *entry = strstr(line, "Compiling entry function '");
    if (entry)
      sscanf(entry, "Compiling entry function '%255[^']'", kernel);
    int spill_stores = 0, spill_loads = 0, stack = 0, registers = 0;
    char *frame = strstr(line, "bytes stack frame");
    if (frame && sscanf(line, " %d bytes stack frame, %d bytes spill stores, %d bytes spill loads",
                        &stack, &spill_stores, &spill_loads) == 3) {
      total_spills += spill_stores + spill_loads;
      fprintf(report, "%s %-18s stack=%d spill_stores=%d spill_loads=%d", sm, kernel, stack,
              spill_stores, spill_loads);
    }
    char *used = strstr(line, "Used ");
    if (used && sscanf(used, "Used %d registers", &registers) == 1)
      fprintf(report, " registers=%d\n", registers);
  }
  return total_spills;
}

static void check_sm(const char *sm, const char *version) {
  char *ptx = build_ptx(sm);
  assert_null(strstr(ptx, ".extern .func")); /* no libm, no calls out of the module */
  assert_non_null(strstr(ptx, version));
  char target[32];
  snprintf(target, sizeof target, ".target %s", sm);
  assert_non_null(strstr(ptx, target));
  assert_non_null(strstr(ptx, ".entry matmul_tiled"));
  assert_non_null(strstr(ptx, ".maxntid 256, 1, 1"));
  assert_non_null(strstr(ptx, "bar.sync"));
  assert_non_null(strstr(ptx, "shfl.sync.down"));
  assert_non_null(strstr(ptx, "shfl.sync.bfly"));
  assert_non_null(strstr(ptx, "shfl.sync.up"));
  assert_non_null(strstr(ptx, "shfl.sync.idx"));
  assert_non_null(strstr(ptx, "atom.global.add.f32"));
  assert_non_null(strstr(ptx, ".shared .align 16"));
  assert_non_null(strstr(ptx, ".const .align 16"));
  assert_non_null(strstr(ptx, "ld.const.f32"));

  if (!DLCC_PTXAS[0]) {
    free(ptx);
    skip(); /* no CUDA toolkit: the PTX checks above still ran */
  }
  make_directories(DLCC_TEST_WORK_DIR);
  char path[1024], command[4096];
  snprintf(path, sizeof path, "%s/kernels_%s.ptx", DLCC_TEST_WORK_DIR, sm);
  FILE *file = fopen(path, "w");
  assert_non_null(file);
  fputs(ptx, file);
  fclose(file);
  free(ptx);
  snprintf(command, sizeof command, "%s -arch=%s -v -o %s/kernels_%s.cubin %s 2>&1", DLCC_PTXAS,
           sm, DLCC_TEST_WORK_DIR, sm, path);
  FILE *output = popen(command, "r");
  assert_non_null(output);
  char report_path[1024];
  snprintf(report_path, sizeof report_path, "%s/ptxas_%s.txt", DLCC_TEST_WORK_DIR, sm);
  FILE *report = fopen(report_path, "w");
  assert_non_null(report);
  int spills = report_ptxas(output, report, sm);
  fclose(report);
  int status = pclose(output);
  if (status != 0)
    fprintf(stderr, "ptxas failed (%d): %s\n", status, command);
  assert_int_equal(status, 0);
  assert_int_equal(spills, 0);
  printf("ptxas -v summary written to %s\n", report_path);
}

static void test_sm_75(void **state) { check_sm("sm_75", ".version 6.3"); }
static void test_sm_80(void **state) { check_sm("sm_80", ".version 7.0"); }
static void test_sm_90(void **state) { check_sm("sm_90", ".version 7.8"); }

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
      cmocka_unit_test(test_unknown_sm_is_an_error),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
