/* Misuse of the builder and failures inside LLVM become dl_diag errors on both targets:
 * never a crash, an abort or an exit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_kernels.h"

#include "codegen/llvm_build.h"
#define I32 (LLVMInt32TypeInContext(kb_context(kb)))
#define F32 (LLVMFloatTypeInContext(kb_context(kb)))

static const kb_param in_out[] = {{"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}};

typedef struct session {
  dl_diag diag;
  kernel_builder *kb;
} session;

static kernel_builder *open_session(session *s, kb_target_kind kind) {
  dl_diag_init(&s->diag);
  kb_target_options options = {.kind = kind, .opt_level = 2};
  s->kb = kb_create(&options, "errors", &s->diag);
  assert_non_null(s->kb);
  return s->kb;
}

static void close_session(session *s) {
  kb_destroy(s->kb);
  dl_diag_deinit(&s->diag);
}

/* True if some diagnostic contains `text`. */
static int mentions(const dl_diag *diag, const char *text) {
  for (int i = 0; i < diag->count; i++)
    if (strstr(dl_diag_message(diag, i), text))
      return 1;
  return 0;
}

static void expect_error(session *s, const char *text) {
  if (!mentions(&s->diag, text)) {
    dl_diag_print(&s->diag, stderr);
    fail_msg("no diagnostic mentions \"%s\"", text);
  }
  assert_true(kb_failed(s->kb));
  char *out = NULL;
  assert_int_equal(kb_finish(s->kb), -1); /* a failed module is never handed to LLVM */
  assert_int_equal(kb_emit_llvm_ir(s->kb, &out, NULL), -1);
  assert_null(out);
}

static const kb_target_kind both[] = {KB_TARGET_HOST, KB_TARGET_NVPTX};

static void test_barrier_in_per_thread_if(void **state) {
  for (int t = 0; t < 2; t++) {
    session s;
    kernel_builder *kb = open_session(&s, both[t]);
    kb_kernel_begin(kb, "k", in_out, 2, 128);
    kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
    assert_int_equal(kb_barrier(kb), -1);
    kb_if_end(kb);
    assert_int_equal(kb_kernel_end(kb), -1);
    expect_error(&s, "kb_barrier inside per-thread control flow");
    close_session(&s);
  }
}

static void test_shuffle_and_uniform_loop_in_per_thread_loop(void **state) {
  for (int t = 0; t < 2; t++) {
    session s;
    kernel_builder *kb = open_session(&s, both[t]);
    kb_kernel_begin(kb, "k", in_out, 2, 128);
    kb_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, 4), kb_const_i32(kb, 1));
    LLVMValueRef value = kb_shuffle_xor(kb, kb_const_i32(kb, 5), kb_const_i32(kb, 1));
    assert_non_null(value); /* a placeholder keeps the caller's code going */
    assert_non_null(kb_warp_reduce(kb, kb_const_i32(kb, 1), KB_REDUCE_MAX));
    kb_uniform_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, 4), kb_const_i32(kb, 1));
    kb_for_end(kb);
    kb_kernel_end(kb);
    expect_error(&s, "kb_shuffle_xor inside per-thread control flow");
    expect_error(&s, "kb_uniform_for inside per-thread control flow");
    expect_error(&s, "kb_warp_reduce inside per-thread control flow");
    close_session(&s);
  }
}

/* The same wrong kernel is rejected by both lowerings, with the value's name. */
static void test_value_across_barrier(void **state) {
  for (int t = 0; t < 2; t++) {
    session s;
    kernel_builder *kb = open_session(&s, both[t]);
    kb_kernel_begin(kb, "k", in_out, 2, 128);
    LLVMValueRef x = tk_load(kb, F32, kb_param_value(kb, 0), tk_global_index(kb));
    LLVMSetValueName2(x, "loaded", 6);
    kb_barrier(kb);
    tk_store(kb, kb_param_value(kb, 1), tk_global_index(kb), x);
    assert_int_equal(kb_kernel_end(kb), -1);
    expect_error(&s, "per-thread value 'loaded' defined in phase 0 is used in phase 1");
    close_session(&s);
  }
}

static void test_value_into_uniform_loop(void **state) {
  for (int t = 0; t < 2; t++) {
    session s;
    kernel_builder *kb = open_session(&s, both[t]);
    kb_kernel_begin(kb, "k", in_out, 2, 128);
    LLVMValueRef index = tk_global_index(kb);
    kb_uniform_for_begin(kb, kb_const_i32(kb, 0), kb_const_i32(kb, 2), kb_const_i32(kb, 1));
    tk_store(kb, kb_param_value(kb, 1), index, LLVMConstReal(F32, 1));
    kb_uniform_for_end(kb);
    assert_int_equal(kb_kernel_end(kb), -1);
    expect_error(&s, "'global_index' defined in phase 0 is used in block-uniform code");
    close_session(&s);
  }
}

static void test_unknown_intrinsic(void **state) {
  session s;
  kernel_builder *kb = open_session(&s, KB_TARGET_NVPTX);
  kb_kernel_begin(kb, "k", in_out, 2, 128);
  LLVMValueRef value =
      kb_intrinsic(kb, "llvm.nvvm.read.ptx.sreg.no_such_register", I32, NULL, 0, NULL, 0);
  assert_non_null(value);
  assert_int_equal(LLVMTypeOf(value), I32);
  tk_store(kb, kb_param_value(kb, 1), kb_const_i32(kb, 0), value);
  assert_int_equal(kb_kernel_end(kb), -1);
  expect_error(&s, "unknown LLVM intrinsic 'llvm.nvvm.read.ptx.sreg.no_such_register'");
  char *ptx = NULL;
  assert_int_equal(kb_emit_ptx(kb, &ptx, NULL), -1);
  assert_null(ptx);
  close_session(&s);
}

/* An inline-asm error is reported by LLVM's backend through the context's diagnostic
 * handler; it must arrive in dl_diag and the process must live on. */
static void test_llvm_diagnostic_captured(void **state) {
  session s;
  kernel_builder *kb = open_session(&s, KB_TARGET_HOST);
  kb_kernel_begin(kb, "k", in_out, 2, 128);
  const char *text = "this_is_not_an_x86_instruction %eax";
  LLVMTypeRef type = LLVMFunctionType(LLVMVoidTypeInContext(kb_context(kb)), NULL, 0, 0);
  LLVMValueRef assembly =
      LLVMGetInlineAsm(type, (char *)text, strlen(text), "", 0, 1, 0, LLVMInlineAsmDialectATT, 0);
  LLVMBuildCall2(B, type, assembly, NULL, 0, "");
  assert_int_equal(kb_kernel_end(kb), 0);
  char *object = NULL;
  assert_int_equal(kb_emit_object(kb, &object, NULL), -1);
  assert_null(object);
  assert_true(mentions(&s.diag, "LLVM error"));
  assert_true(mentions(&s.diag, "invalid instruction mnemonic"));
  close_session(&s);
}

/* LLVM's backend aborts on an intrinsic the target cannot select (report_fatal_error); the
 * backend runs in a child process, so this process only sees a dl_diag error. */
static void test_backend_fatal_error_is_contained(void **state) {
  session s;
  kernel_builder *kb = open_session(&s, KB_TARGET_NVPTX); /* sm_80 has no thread-block clusters */
  kb_kernel_begin(kb, "k", in_out, 2, 64);
  kb_intrinsic(kb, "llvm.nvvm.barrier.cluster.arrive", LLVMVoidTypeInContext(kb_context(kb)), NULL,
               0, NULL, 0);
  assert_int_equal(kb_kernel_end(kb), 0);
  char *ptx = NULL;
  assert_int_equal(kb_emit_ptx(kb, &ptx, NULL), -1);
  assert_null(ptx);
  assert_true(mentions(&s.diag, "LLVM code generation crashed"));
  assert_true(mentions(&s.diag, "Cannot select: intrinsic %llvm.nvvm.barrier.cluster.arrive"));
  close_session(&s);
}

/* Invalid IR (a value used where it is not defined) stops at the verifier, before LLVM's
 * passes or backend could abort. */
static void test_invalid_ir_is_verified(void **state) {
  session s;
  kernel_builder *kb = open_session(&s, KB_TARGET_HOST);
  kb_kernel_begin(kb, "k", in_out, 2, 128);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, i, kb_const_i32(kb, 0), ""));
  LLVMValueRef inside = LLVMBuildAdd(B, i, kb_const_i32(kb, 1), "inside");
  kb_if_end(kb);
  tk_store(kb, kb_param_value(kb, 1), i, inside); /* not dominated by its definition */
  assert_int_equal(kb_kernel_end(kb), 0);
  assert_int_equal(kb_finish(kb), -1);
  assert_true(mentions(&s.diag, "invalid LLVM IR"));
  close_session(&s);
}

static void test_api_misuse(void **state) {
  session s;
  kernel_builder *kb = open_session(&s, KB_TARGET_HOST);
  assert_int_equal(kb_kernel_begin(kb, "atomics", in_out, 2, 64), 0);
  assert_non_null(kb_atomic_rmw(kb, LLVMAtomicRMWBinOpFAdd, kb_param_value(kb, 1), kb_const_i32(kb, 1)));
  assert_true(mentions(&s.diag, "kb_atomic_rmw: operation"));
  assert_int_equal(kb_kernel_end(kb), -1);
  assert_int_equal(kb_kernel_begin(kb, "bad-name.1", in_out, 2, 64), -1);
  assert_true(mentions(&s.diag, "kernel name 'bad-name.1' is not a C identifier"));
  assert_int_equal(kb_kernel_begin(kb, "k", in_out, 2, 0), -1);
  assert_true(mentions(&s.diag, "max_threads 0"));
  assert_non_null(kb_thread_index(kb, KB_X)); /* outside a kernel: error + placeholder */
  assert_true(mentions(&s.diag, "kb_thread_index called outside"));
  assert_int_equal(kb_kernel_begin(kb, "fixed", in_out, 2, 64), 0);
  assert_int_equal(kb_kernel_fix_block(kb, 16, 8, 1), -1);
  assert_true(mentions(&s.diag, "fixed block 16x8x1 is outside 1..max_threads (64)"));
  kb_thread_index(kb, KB_X);
  assert_int_equal(kb_kernel_fix_block(kb, 8, 8, 1), -1);
  assert_true(mentions(&s.diag, "kb_kernel_fix_block after per-thread code"));
  assert_int_equal(kb_kernel_end(kb), -1);
  assert_int_equal(kb_kernel_begin(kb, "k", in_out, 2, 64), 0);
  assert_non_null(kb_param_value(kb, 7));
  assert_true(mentions(&s.diag, "kb_param_value(7)"));
  assert_int_equal(kb_uniform_for_end(kb), -1);
  kb_if_begin(kb, LLVMConstInt(LLVMInt1TypeInContext(kb_context(kb)), 1, 0));
  assert_int_equal(kb_kernel_end(kb), -1);
  assert_true(mentions(&s.diag, "without a matching kb_*_end"));
  assert_int_equal(kb_kernel_begin(kb, "k", in_out, 2, 64), -1);
  assert_true(mentions(&s.diag, "kernel 'k' is defined twice"));
  close_session(&s);
}

static void test_foreign_block_rejected(void **state) {
  session s;
  kernel_builder *kb = open_session(&s, KB_TARGET_NVPTX);
  kb_kernel_begin(kb, "k", in_out, 2, 64);
  LLVMValueRef function = LLVMGetBasicBlockParent(LLVMGetInsertBlock(B));
  LLVMBasicBlockRef mine = LLVMAppendBasicBlockInContext(kb_context(kb), function, "mine");
  LLVMBuildBr(B, mine);
  LLVMPositionBuilderAtEnd(B, mine);
  assert_int_equal(kb_kernel_end(kb), -1);
  expect_error(&s, "basic block 'mine' was not made by the kernel builder");
  close_session(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_barrier_in_per_thread_if),
      cmocka_unit_test(test_shuffle_and_uniform_loop_in_per_thread_loop),
      cmocka_unit_test(test_value_across_barrier),
      cmocka_unit_test(test_value_into_uniform_loop),
      cmocka_unit_test(test_unknown_intrinsic),
      cmocka_unit_test(test_llvm_diagnostic_captured),
      cmocka_unit_test(test_backend_fatal_error_is_contained),
      cmocka_unit_test(test_invalid_ir_is_verified),
      cmocka_unit_test(test_api_misuse),
      cmocka_unit_test(test_foreign_block_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
