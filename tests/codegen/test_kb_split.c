/* kb_target_options.host_codegen_parts: the host twins compiled in several parts (forked
 * children at once) are the same kernels as from one whole module: every kernel is linked
 * once and gives bit-identical results; a failing part fails the JIT; no child or pipe stays. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "host_launch.h"
#include "test_kernels.h"

#include "codegen/llvm_build.h"
#define F32 LLVMFloatTypeInContext(kb_context(kb))

enum { N = 4096, THREADS = 256 };

static const kb_param in_out_n[] = {
    {"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}, {"n", KB_PARAM_I32}};

/* out[i] = in[i] * table[i % 4], through shared memory: a kernel that owns globals. */
static int table_kernel(kernel_builder *kb, const char *name, float first) {
  kb_kernel_begin(kb, name, in_out_n, 3, THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, THREADS);
  LLVMValueRef entries[4];
  for (int j = 0; j < 4; j++)
    entries[j] = LLVMConstReal(F32, first + 0.5 * j);
  LLVMValueRef table = kb_constant_array(kb, F32, entries, 4);
  LLVMValueRef t = kb_thread_index(kb, KB_X);
  tk_store(kb, shared, t, tk_load(kb, F32, kb_param_value(kb, 0), tk_global_index(kb)));
  kb_barrier(kb);
  t = kb_thread_index(kb, KB_X);
  LLVMValueRef entry = tk_load(kb, F32, table, LLVMBuildURem(B, t, kb_const_i32(kb, 4), ""));
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb),
           LLVMBuildFMul(B, tk_load(kb, F32, shared, t), entry, ""));
  return kb_kernel_end(kb);
}

static int define_all(kernel_builder *kb) {
  int status = define_math_kernels(kb); /* unary_* and pow_f32 */
  status |= table_kernel(kb, "table_a", 1.0f);
  status |= table_kernel(kb, "table_b", -3.0f);
  return status;
}

static kernel_builder *build(int parts, dl_diag *diag) {
  kb_target_options options = {.kind = KB_TARGET_HOST, .opt_level = 3, .host_codegen_parts = parts};
  kernel_builder *kb = kb_create(&options, "split_test", diag);
  assert_non_null(kb);
  assert_int_equal(define_all(kb), 0);
  return kb;
}

static int in_process(void) {
  const char *value = getenv("DLCC_CODEGEN_IN_PROCESS");
  return value && strcmp(value, "1") == 0;
}

static int open_fd_count(void) {
  DIR *directory = opendir("/proc/self/fd");
  assert_non_null(directory);
  int count = 0;
  while (readdir(directory))
    count++;
  closedir(directory);
  return count;
}

static void assert_no_children_left(void) {
  assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
  assert_int_equal(errno, ECHILD);
}

/* Runs kernel `index` of `kb` over inputs that include negatives, zeros and large values. */
static void run_kernel(kb_jit *jit, const kernel_builder *kb, int index, float *out) {
  static float x[N], y[N];
  for (int i = 0; i < N; i++) {
    x[i] = (float)(i - N / 2) * 0.0137f;
    y[i] = (float)(i % 17) * 0.25f - 2.0f;
  }
  const char *name = kb_kernel_info_at(kb, index)->name;
  int n = N;
  void *unary[] = {&(float *){x}, &out, &n};
  void *binary[] = {&(float *){x}, &(float *){y}, &out, &n};
  unsigned grid[3] = {N / THREADS, 1, 1}, block[3] = {THREADS, 1, 1};
  memset(out, 0, N * sizeof *out);
  assert_int_equal(
      host_launch(jit, kb, name, strcmp(name, "pow_f32") ? unary : binary, grid, block), 0);
}

static void test_parts_match_whole_module(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  int fds_before = open_fd_count();
  kernel_builder *whole = build(1, &diag), *split = build(3, &diag);
  kb_jit *whole_jit = kb_jit_create(whole, &diag), *split_jit = kb_jit_create(split, &diag);
  if (!whole_jit || !split_jit)
    dl_diag_print(&diag, stderr);
  assert_non_null(whole_jit);
  assert_non_null(split_jit);
  assert_int_equal(kb_jit_object_count(whole_jit), 1);
  assert_int_equal(kb_jit_object_count(split_jit), in_process() ? 1 : 3);
  assert_int_equal(kb_kernel_count(split), 10);
  static float expected[N], got[N];
  for (int k = 0; k < kb_kernel_count(split); k++) {
    run_kernel(whole_jit, whole, k, expected);
    run_kernel(split_jit, split, k, got);
    for (int i = 0; i < N; i++)
      if (memcmp(&expected[i], &got[i], sizeof got[i]) != 0)
        fail_msg("%s: out[%d] = %a in parts, %a whole", kb_kernel_info_at(split, k)->name, i,
                 got[i], expected[i]);
  }
  assert_int_equal(diag.count, 0);
  kb_jit_destroy(whole_jit);
  kb_jit_destroy(split_jit);
  kb_destroy(whole);
  kb_destroy(split);
  dl_diag_deinit(&diag);
  assert_no_children_left();
  assert_int_equal(open_fd_count(), fds_before);
}

/* More parts than kernels: one part per kernel. A module too small to gain stays whole. */
static void test_part_count_is_bounded(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  kernel_builder *kb = build(64, &diag);
  kb_jit *jit = kb_jit_create(kb, &diag);
  assert_non_null(jit);
  assert_int_equal(kb_jit_object_count(jit), in_process() ? 1 : kb_kernel_count(kb));
  kb_jit_destroy(jit);
  kb_destroy(kb);
  kb_target_options options = {.kind = KB_TARGET_HOST, .opt_level = 3};
  kb = kb_create(&options, "tiny", &diag);
  assert_int_equal(table_kernel(kb, "only", 2.0f), 0);
  assert_int_equal(table_kernel(kb, "second", 3.0f), 0);
  jit = kb_jit_create(kb, &diag);
  assert_non_null(jit);
  assert_int_equal(kb_jit_object_count(jit), 1);
  kb_jit_destroy(jit);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

/* A backend error in one part fails the whole JIT with LLVM's message; the other parts'
 * children are still waited for. */
static void test_error_in_one_part(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  int fds_before = open_fd_count();
  kernel_builder *kb = build(3, &diag);
  static const kb_param in_out[] = {{"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}};
  kb_kernel_begin(kb, "bad_asm", in_out, 2, 128);
  const char *text = "this_is_not_an_x86_instruction %eax";
  LLVMTypeRef type = LLVMFunctionType(LLVMVoidTypeInContext(kb_context(kb)), NULL, 0, 0);
  LLVMValueRef assembly =
      LLVMGetInlineAsm(type, (char *)text, strlen(text), "", 0, 1, 0, LLVMInlineAsmDialectATT, 0);
  LLVMBuildCall2(B, type, assembly, NULL, 0, "");
  assert_int_equal(kb_kernel_end(kb), 0);
  assert_null(kb_jit_create(kb, &diag));
  int found = 0;
  for (int i = 0; i < diag.count; i++)
    found |= strstr(dl_diag_message(&diag, i), "invalid instruction mnemonic") != NULL;
  assert_true(found);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
  assert_no_children_left();
  assert_int_equal(open_fd_count(), fds_before);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parts_match_whole_module),
      cmocka_unit_test(test_part_count_is_bounded),
      cmocka_unit_test(test_error_in_one_part),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
