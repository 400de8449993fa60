/* kb_target_options.merge_identical: kernels that differ only in their names become one
 * kernel (on the host and in PTX); a difference anywhere — an instruction, a constant
 * table's values, the shared memory size, the launch bound — keeps them apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host_launch.h"
#include "test_kernels.h"

#include "codegen/llvm_build.h"
#define F32 LLVMFloatTypeInContext(kb_context(kb))

static const kb_param in_out[] = {{"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}};

/* out[i] = in[(i + 1) % 64 of the block, through shared memory] * scale + table[i % 4]. */
static int define(kernel_builder *kb, const char *name, double scale, float table_bias,
                  unsigned shared_count, unsigned max_threads) {
  kb_kernel_begin(kb, name, in_out, 2, max_threads);
  LLVMValueRef shared = kb_shared_array(kb, F32, shared_count);
  LLVMValueRef entries[4];
  for (int j = 0; j < 4; j++)
    entries[j] = LLVMConstReal(F32, table_bias + j);
  LLVMValueRef table = kb_constant_array(kb, F32, entries, 4);
  LLVMValueRef t = kb_thread_index(kb, KB_X);
  tk_store(kb, shared, t, tk_load(kb, F32, kb_param_value(kb, 0), tk_global_index(kb)));
  kb_barrier(kb);
  t = kb_thread_index(kb, KB_X);
  LLVMValueRef next = LLVMBuildURem(B, LLVMBuildAdd(B, t, kb_const_i32(kb, 1), ""), kb_const_i32(kb, 64), "");
  LLVMValueRef value =
      LLVMBuildFMul(B, tk_load(kb, F32, shared, next), LLVMConstReal(F32, scale), "");
  value =
      LLVMBuildFAdd(B, value, tk_load(kb, F32, table, LLVMBuildURem(B, t, kb_const_i32(kb, 4), "")), "");
  tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb), value);
  return kb_kernel_end(kb);
}

static const char *const NAMES[] = {"first",        "same_as_first", "other_scale", "other_table",
                                    "other_shared", "other_bound",   "again_first"};

static int define_all(kernel_builder *kb) {
  int status = define(kb, "first", 2.0, 10.0f, 64, 64);
  status |= define(kb, "same_as_first", 2.0, 10.0f, 64, 64);
  status |= define(kb, "other_scale", 3.0, 10.0f, 64, 64);
  status |= define(kb, "other_table", 2.0, 20.0f, 64, 64);
  status |= define(kb, "other_shared", 2.0, 10.0f, 128, 64);
  status |= define(kb, "other_bound", 2.0, 10.0f, 64, 128);
  status |= define(kb, "again_first", 2.0, 10.0f, 64, 64);
  return status;
}

static kernel_builder *build(kb_target_kind kind, bool merge, dl_diag *diag) {
  kb_target_options options = {.kind = kind, .opt_level = 2, .merge_identical = merge};
  kernel_builder *kb = kb_create(&options, "merge_test", diag);
  assert_non_null(kb);
  assert_int_equal(define_all(kb), 0);
  return kb;
}

static void test_identical_kernels_merge(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  kernel_builder *kb = build(KB_TARGET_HOST, true, &diag);
  assert_int_equal(kb_kernel_count(kb), 5);
  assert_string_equal(kb_kernel_info_find(kb, "same_as_first")->name, "first");
  assert_string_equal(kb_kernel_info_find(kb, "again_first")->name, "first");
  for (int i = 2; i < 6; i++)
    assert_string_equal(kb_kernel_info_find(kb, NAMES[i])->name, NAMES[i]);
  assert_null(kb_kernel_info_find(kb, "no_such_kernel"));
  /* A merged name is still taken. */
  assert_int_equal(define(kb, "same_as_first", 2.0, 10.0f, 64, 64), -1);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

static void test_without_merging_every_kernel_stays(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  kernel_builder *kb = build(KB_TARGET_HOST, false, &diag);
  assert_int_equal(kb_kernel_count(kb), 7);
  for (int i = 0; i < 7; i++)
    assert_string_equal(kb_kernel_info_find(kb, NAMES[i])->name, NAMES[i]);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

/* Every name runs on the host and computes its own definition's result. */
static void test_merged_names_run(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  kernel_builder *kb = build(KB_TARGET_HOST, true, &diag);
  kb_jit *jit = kb_jit_create(kb, &diag);
  assert_non_null(jit);
  static const double scales[] = {2, 2, 3, 2, 2, 2, 2};
  static const float biases[] = {10, 10, 10, 20, 10, 10, 10};
  float in[64], out[64];
  for (int i = 0; i < 64; i++)
    in[i] = (float)i * 0.25f;
  for (int k = 0; k < 7; k++) {
    void *params[] = {&(void *){in}, &(void *){out}};
    memset(out, 0, sizeof out);
    assert_int_equal(
        host_launch(jit, kb, NAMES[k], params, (unsigned[3]){1, 1, 1}, (unsigned[3]){64, 1, 1}), 0);
    for (int i = 0; i < 64; i++) {
      float expected = in[(i + 1) % 64] * (float)scales[k] + (biases[k] + (float)(i % 4));
      if (out[i] != expected)
        fail_msg("%s: out[%d] = %g, expected %g", NAMES[k], i, out[i], expected);
    }
  }
  kb_jit_destroy(jit);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

/* The NVPTX lowering merges the same kernels: PTX has one entry per distinct kernel. */
static void test_ptx_has_one_entry_per_distinct_kernel(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  kernel_builder *kb = build(KB_TARGET_NVPTX, true, &diag);
  assert_int_equal(kb_kernel_count(kb), 5);
  char *ptx = NULL;
  size_t size = 0;
  assert_int_equal(kb_emit_ptx(kb, &ptx, &size), 0);
  assert_non_null(strstr(ptx, ".entry first("));
  assert_null(strstr(ptx, "same_as_first"));
  assert_null(strstr(ptx, "again_first"));
  for (int i = 2; i < 6; i++) {
    char entry[64];
    snprintf(entry, sizeof entry, ".entry %s(", NAMES[i]);
    assert_non_null(strstr(ptx, entry));
  }
  free(ptx);
  kb_destroy(kb);
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_identical_kernels_merge),
      cmocka_unit_test(test_without_merging_every_kernel_stays),
      cmocka_unit_test(test_merged_names_run),
      cmocka_unit_test(test_ptx_has_one_entry_per_distinct_kernel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
