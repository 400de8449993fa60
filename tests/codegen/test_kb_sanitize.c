/* The checked host lowering with libdlrt's sanitizer: clean kernels run clean and compute the
 * same results in varied thread orders; a dropped barrier, an off-by-one bound, a read of an
 * unwritten shared tile, a shuffle in a partial warp, a misaligned vector load and a race
 * between blocks are each reported, naming the kernel, the buffer and both sources. Blocks
 * ordered by fence + atomic count (the last block reads the others' partials) run clean,
 * and each piece of that pattern left out is reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dlrt/sanitizer.h"
#include "host_launch.h"
#include "test_kernels.h"

#define B (kb_llvm_builder(kb))
#define F32 (LLVMFloatTypeInContext(kb_context(kb)))
#define I32 (LLVMInt32TypeInContext(kb_context(kb)))

enum { THREADS = 256, TREE_BARRIERS = 9 };

static const kb_param in_out_n[] = {
    {"in", KB_PARAM_PTR}, {"out", KB_PARAM_PTR}, {"n", KB_PARAM_I32}};

/* out[block] = sum of in[block * 256 ...] by an in-place tree: 9 barriers, the first 8 of
 * which a GPU needs (the last one orders thread 0's write and its own read). */
static int tree(kernel_builder *kb) {
  kb_kernel_begin(kb, "tree", in_out_n, 3, THREADS);
  LLVMValueRef shared = kb_shared_array(kb, F32, THREADS);
  kb_var *value = kb_thread_var(kb, F32, "value");
  kb_var_store(kb, value, LLVMConstReal(F32, 0));
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 2), ""));
  kb_var_store(kb, value, kb_load_element(kb, F32, kb_param_value(kb, 0), i));
  kb_if_end(kb);
  kb_store_element(kb, shared, kb_thread_index(kb, KB_X), kb_var_load(kb, value));
  kb_barrier(kb);
  for (int step = 1; step <= 8; step++) {
    LLVMValueRef stride = kb_const_i32(kb, THREADS >> step);
    LLVMValueRef t = kb_thread_index(kb, KB_X);
    kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntULT, t, stride, ""));
    LLVMValueRef other = kb_load_element(kb, F32, shared, LLVMBuildAdd(B, t, stride, ""));
    LLVMValueRef mine = kb_load_element(kb, F32, shared, t);
    kb_store_element(kb, shared, t, LLVMBuildFAdd(B, mine, other, ""));
    kb_if_end(kb);
    kb_barrier(kb);
  }
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  kb_store_element(kb, kb_param_value(kb, 1), kb_block_index(kb, KB_X),
                   kb_load_element(kb, F32, shared, kb_const_i32(kb, 0)));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* out[i] = in[i] for i <= n: one element too many. */
static int off_by_one(kernel_builder *kb) {
  kb_kernel_begin(kb, "off_by_one", in_out_n, 3, THREADS);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLE, i, kb_param_value(kb, 2), ""));
  kb_store_element(kb, kb_param_value(kb, 1), i,
                   kb_load_element(kb, F32, kb_param_value(kb, 0), i));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* Threads below 128 fill their slot of a 256-slot tile, then every thread reads the mirror
 * slot: the upper half of the tile was never written. */
static int unwritten_tile(kernel_builder *kb) {
  kb_kernel_begin(kb, "unwritten_tile", in_out_n, 3, THREADS);
  LLVMValueRef tile = kb_shared_array(kb, F32, THREADS);
  LLVMValueRef t = kb_thread_index(kb, KB_X);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntULT, t, kb_const_i32(kb, THREADS / 2), ""));
  kb_store_element(kb, tile, t, kb_load_element(kb, F32, kb_param_value(kb, 0), t));
  kb_if_end(kb);
  kb_barrier(kb);
  t = kb_thread_index(kb, KB_X);
  LLVMValueRef mirror = LLVMBuildSub(B, kb_const_i32(kb, THREADS - 1), t, "");
  kb_store_element(kb, kb_param_value(kb, 1), t, kb_load_element(kb, F32, tile, mirror));
  return kb_kernel_end(kb);
}

/* out[i] = sum over the warp of in[i] (xor butterfly). */
static int warp_sum(kernel_builder *kb) {
  kb_kernel_begin(kb, "warp_sum", in_out_n, 3, THREADS);
  LLVMValueRef i = tk_global_index(kb);
  LLVMValueRef sum = kb_warp_reduce(kb, kb_load_element(kb, I32, kb_param_value(kb, 0), i),
                                    KB_REDUCE_ADD);
  kb_store_element(kb, kb_param_value(kb, 1), tk_global_index(kb), sum);
  return kb_kernel_end(kb);
}

/* A 4-float vector load that assumes 16-byte alignment, from in + 1 float. */
static int misaligned(kernel_builder *kb) {
  kb_kernel_begin(kb, "misaligned", in_out_n, 3, THREADS);
  LLVMTypeRef vector = LLVMVectorType(F32, 4);
  LLVMValueRef t = kb_thread_index(kb, KB_X);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, t, kb_const_i32(kb, 0), ""));
  LLVMValueRef one = kb_const_i32(kb, 1);
  LLVMValueRef address = LLVMBuildInBoundsGEP2(B, F32, kb_param_value(kb, 0), &one, 1, "");
  LLVMValueRef loaded = LLVMBuildLoad2(B, vector, address, "");
  LLVMSetAlignment(loaded, 16);
  kb_store_element(kb, kb_param_value(kb, 1), t, LLVMBuildExtractElement(B, loaded, one, ""));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* Thread 0 of every block writes out[0]: blocks race. */
static int blocks_race(kernel_builder *kb) {
  kb_kernel_begin(kb, "blocks_race", in_out_n, 3, THREADS);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntEQ, kb_thread_index(kb, KB_X), kb_const_i32(kb, 0), ""));
  kb_store_element(kb, kb_param_value(kb, 1), kb_const_i32(kb, 0),
                   LLVMBuildSIToFP(B, kb_block_index(kb, KB_X), F32, ""));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

/* out[0] += in[i] for every i < n, with atomics across threads and blocks. */
static int atomic_total(kernel_builder *kb) {
  kb_kernel_begin(kb, "atomic_total", in_out_n, 3, THREADS);
  LLVMValueRef i = tk_global_index(kb);
  kb_if_begin(kb, LLVMBuildICmp(B, LLVMIntSLT, i, kb_param_value(kb, 2), ""));
  kb_atomic_add(kb, kb_param_value(kb, 1), kb_load_element(kb, F32, kb_param_value(kb, 0), i));
  kb_if_end(kb);
  return kb_kernel_end(kb);
}

typedef struct checked {
  dl_diag diag;
  kernel_builder *kb;
  kb_jit *jit;
} checked;

static void build_mutated(checked *c, int (*define)(kernel_builder *), int drop_barrier,
                          int drop_fence) {
  dl_diag_init(&c->diag);
  kb_target_options options = {.kind = KB_TARGET_HOST,
                               .host_cpu = "native",
                               .opt_level = 2,
                               .sanitize = true,
                               .test_drop_barrier = drop_barrier,
                               .test_drop_fence = drop_fence};
  c->kb = kb_create(&options, "sanitize", &c->diag);
  assert_non_null(c->kb);
  assert_int_equal(define(c->kb), 0);
  c->jit = kb_jit_create(c->kb, &c->diag);
  assert_non_null(c->jit);
}

static void build(checked *c, int (*define)(kernel_builder *), int drop_barrier) {
  build_mutated(c, define, drop_barrier, 0);
}

static void release(checked *c) {
  kb_jit_destroy(c->jit);
  kb_destroy(c->kb);
  dl_diag_deinit(&c->diag);
}

/* The sanitizer's outcome of one launch: reports per check, and their text. */
typedef struct outcome {
  uint64_t counts[DLRT_CHECK_COUNT];
  char *text;
} outcome;

typedef struct io {
  float *in, *out;
  int n;              /* elements of `in` (the kernel's n) */
  int out_written;    /* initcheck: `out` holds data before the launch */
  size_t in_bytes, out_bytes;
} io;

static void run(checked *c, const char *kernel, io *data, unsigned grid, unsigned block,
                outcome *result) {
  size_t size = 0;
  FILE *stream = open_memstream(&result->text, &size);
  assert_non_null(stream);
  dlrt_sanitizer_options options = {.stream = stream, .seed = 7};
  dlrt_sanitizer *sanitizer = dlrt_sanitizer_create(&options);
  assert_non_null(sanitizer);
  assert_int_equal(dlrt_sanitizer_track(sanitizer, data->in, data->in_bytes, "in", 1, 0), 0);
  assert_int_equal(dlrt_sanitizer_track(sanitizer, data->out, data->out_bytes, "out",
                                         data->out_written, 0), 0);
  const kb_kernel_info *info = kb_kernel_info_find(c->kb, kernel);
  assert_non_null(info);
  void *params[3] = {&data->in, &data->out, &data->n};
  dlrt_sanitizer_buffer args[3] = {
      {data->in, data->in_bytes}, {data->out, data->out_bytes}, {NULL, 0}};
  dlrt_sanitizer_launch launch = {.kernel = kernel,
                                  .fn = kb_jit_lookup(c->jit, info->name),
                                  .params = params,
                                  .param_count = 3,
                                  .args = args,
                                  .grid = {grid, 1, 1},
                                  .block = {block, 1, 1},
                                  .shared_bytes = (uint32_t)info->shared_bytes,
                                  .scratch_bytes = (uint32_t)info->host_scratch_bytes};
  assert_non_null(launch.fn);
  assert_true(dlrt_sanitizer_run(sanitizer, &launch) >= 0);
  for (int check = 0; check < DLRT_CHECK_COUNT; check++)
    result->counts[check] = dlrt_sanitizer_report_count(sanitizer, (dlrt_sanitizer_check)check);
  dlrt_sanitizer_destroy(sanitizer);
  fclose(stream);
  if (getenv("DLCC_TEST_VERBOSE"))
    fputs(result->text, stdout);
}

static void make_io(io *data, int n, size_t out_floats) {
  data->n = n;
  data->out_written = 0;
  data->in_bytes = (size_t)n * sizeof(float);
  data->out_bytes = out_floats * sizeof(float);
  data->in = malloc(data->in_bytes);
  data->out = calloc(out_floats, sizeof(float));
  assert_non_null(data->in);
  assert_non_null(data->out);
  for (int i = 0; i < n; i++)
    data->in[i] = (float)(i % 7);
}

static void free_io(io *data) {
  free(data->in);
  free(data->out);
}

static uint64_t total(const outcome *result) {
  uint64_t sum = 0;
  for (int check = 0; check < DLRT_CHECK_COUNT; check++)
    sum += result->counts[check];
  return sum;
}

static void test_clean_tree(void **state) {
  (void)state;
  checked c;
  build(&c, tree, 0);
  io data;
  make_io(&data, 4 * THREADS, 4);
  outcome result;
  run(&c, "tree", &data, 4, THREADS, &result);
  assert_int_equal(total(&result), 0);
  for (int b = 0; b < 4; b++) {
    float expected = 0;
    for (int i = b * THREADS; i < (b + 1) * THREADS; i++)
      expected += data.in[i];
    assert_true(data.out[b] == expected); /* small integers: exact in any order */
  }
  free(result.text);
  free_io(&data);
  release(&c);
}

/* Each barrier the GPU needs, dropped, is reported as a race with both sources. */
static void test_dropped_barriers(void **state) {
  (void)state;
  for (int drop = 1; drop <= TREE_BARRIERS; drop++) {
    checked c;
    build(&c, tree, drop);
    io data;
    make_io(&data, THREADS, 1);
    outcome result;
    run(&c, "tree", &data, 1, THREADS, &result);
    if (drop < TREE_BARRIERS) {
      if (result.counts[DLRT_CHECK_RACE] == 0)
        fail_msg("dropping barrier %d of 'tree' was not reported", drop);
      assert_non_null(strstr(result.text, "data race"));
      assert_non_null(strstr(result.text, "kernel 'tree'"));
      assert_non_null(strstr(result.text, "shared array 0"));
      assert_non_null(strstr(result.text, "test_kb_sanitize.c:"));
      assert_non_null(strstr(result.text, "with no barrier between them"));
    } else {
      /* Only thread 0 takes part in the last step and the final read: nothing to order. */
      assert_int_equal(total(&result), 0);
    }
    free(result.text);
    free_io(&data);
    release(&c);
  }
}

static void test_off_by_one(void **state) {
  (void)state;
  checked c;
  build(&c, off_by_one, 0);
  io data;
  make_io(&data, 100, 100);
  outcome result;
  run(&c, "off_by_one", &data, 1, 128, &result);
  assert_true(result.counts[DLRT_CHECK_MEMORY] >= 2); /* the read and the write */
  assert_non_null(strstr(result.text, "out-of-bounds global memory access"));
  assert_non_null(strstr(result.text, "parameter 0 'in'"));
  assert_non_null(strstr(result.text, "parameter 1 'out'"));
  assert_non_null(strstr(result.text, "byte offset 400"));
  free(result.text);
  free_io(&data);
  release(&c);
}

static void test_unwritten_shared_tile(void **state) {
  (void)state;
  checked c;
  build(&c, unwritten_tile, 0);
  io data;
  make_io(&data, THREADS, THREADS);
  outcome result;
  run(&c, "unwritten_tile", &data, 1, THREADS, &result);
  assert_int_equal(result.counts[DLRT_CHECK_INIT], 1);
  assert_int_equal(result.counts[DLRT_CHECK_RACE], 0);
  assert_non_null(strstr(result.text, "not written by this block"));
  free(result.text);
  free_io(&data);
  release(&c);
}

static void test_partial_warp_shuffle(void **state) {
  (void)state;
  checked c;
  build(&c, warp_sum, 0);
  io data;
  make_io(&data, 64, 64);
  outcome result;
  int32_t *ints = (int32_t *)data.in, *sums = (int32_t *)data.out;
  for (int i = 0; i < 64; i++)
    ints[i] = i * 3 - 50;
  run(&c, "warp_sum", &data, 1, 64, &result);
  assert_int_equal(total(&result), 0);
  for (int i = 0; i < 64; i++) {
    int32_t expected = 0;
    for (int j = i / 32 * 32; j < i / 32 * 32 + 32; j++)
      expected += ints[j];
    assert_int_equal(sums[i], expected);
  }
  free(result.text);
  run(&c, "warp_sum", &data, 1, 48, &result);
  assert_true(result.counts[DLRT_CHECK_SYNC] >= 1);
  assert_non_null(strstr(result.text, "partial warp"));
  free(result.text);
  free_io(&data);
  release(&c);
}

static void test_misaligned_vector(void **state) {
  (void)state;
  checked c;
  build(&c, misaligned, 0);
  io data;
  make_io(&data, 16, 1);
  outcome result;
  run(&c, "misaligned", &data, 1, 32, &result);
  assert_int_equal(result.counts[DLRT_CHECK_MEMORY], 1);
  assert_non_null(strstr(result.text, "misaligned access"));
  assert_non_null(strstr(result.text, "16-byte aligned"));
  free(result.text);
  free_io(&data);
  release(&c);
}

static void test_race_between_blocks(void **state) {
  (void)state;
  checked c;
  build(&c, blocks_race, 0);
  io data;
  make_io(&data, 4, 1);
  outcome result;
  run(&c, "blocks_race", &data, 3, 64, &result);
  assert_int_equal(result.counts[DLRT_CHECK_RACE], 1);
  assert_non_null(strstr(result.text, "in different blocks of one launch"));
  assert_non_null(strstr(result.text, "block (0,0,0)"));
  free(result.text);
  run(&c, "blocks_race", &data, 1, 64, &result); /* one block: one writer, no race */
  assert_int_equal(total(&result), 0);
  free(result.text);
  free_io(&data);
  release(&c);
}

static void test_atomics_do_not_race(void **state) {
  (void)state;
  checked c;
  build(&c, atomic_total, 0);
  io data;
  make_io(&data, 1000, 1);
  outcome result;
  run(&c, "atomic_total", &data, 4, THREADS, &result);
  assert_int_equal(result.counts[DLRT_CHECK_INIT], 1); /* adds to a total nobody set */
  assert_int_equal(result.counts[DLRT_CHECK_RACE], 0);
  free(result.text);
  data.out[0] = 0;
  data.out_written = 1;
  run(&c, "atomic_total", &data, 4, THREADS, &result);
  assert_int_equal(total(&result), 0);
  float expected = 0;
  for (int i = 0; i < 1000; i++)
    expected += data.in[i];
  assert_true(data.out[0] == expected);
  free(result.text);
  free_io(&data);
  release(&c);
}

static int last_block_sum(kernel_builder *kb) {
  return define_last_block_sum(kb, "last_block_sum", 1);
}

static int every_block_sums(kernel_builder *kb) {
  return define_last_block_sum(kb, "every_block_sums", 0);
}

enum { SYNC_THREADS = 64, SYNC_BLOCKS = 4, SYNC_OUT = SYNC_THREADS + 1 + SYNC_THREADS * SYNC_BLOCKS };

/* One launch of a define_last_block_sum kernel: `out` (sums, the zeroed counter, partials)
 * counts as written; the partials are rewritten by every launch. */
static void run_sync(checked *c, const char *kernel, float *in, float *out, outcome *result) {
  size_t size = 0;
  FILE *stream = open_memstream(&result->text, &size);
  dlrt_sanitizer_options options = {.stream = stream, .seed = 3};
  dlrt_sanitizer *sanitizer = dlrt_sanitizer_create(&options);
  size_t in_bytes = SYNC_THREADS * SYNC_BLOCKS * sizeof(float), out_bytes = SYNC_OUT * sizeof(float);
  assert_int_equal(dlrt_sanitizer_track(sanitizer, in, in_bytes, "in", 1, 0), 0);
  assert_int_equal(dlrt_sanitizer_track(sanitizer, out, out_bytes, "out", 1, 0), 0);
  void *params[2] = {&in, &out};
  dlrt_sanitizer_buffer args[2] = {{in, in_bytes}, {out, out_bytes}};
  const kb_kernel_info *info = kb_kernel_info_find(c->kb, kernel);
  dlrt_sanitizer_launch launch = {.kernel = kernel,
                                  .fn = kb_jit_lookup(c->jit, info->name),
                                  .params = params,
                                  .param_count = 2,
                                  .args = args,
                                  .grid = {SYNC_BLOCKS, 1, 1},
                                  .block = {SYNC_THREADS, 1, 1},
                                  .shared_bytes = (uint32_t)info->shared_bytes,
                                  .scratch_bytes = (uint32_t)info->host_scratch_bytes};
  assert_true(dlrt_sanitizer_run(sanitizer, &launch) >= 0);
  for (int check = 0; check < DLRT_CHECK_COUNT; check++)
    result->counts[check] = dlrt_sanitizer_report_count(sanitizer, (dlrt_sanitizer_check)check);
  dlrt_sanitizer_destroy(sanitizer);
  fclose(stream);
  if (getenv("DLCC_TEST_VERBOSE"))
    fputs(result->text, stdout);
}

/* Partials written by other blocks, read by the last block after fence + count + fence:
 * no report (the sanitizer knows the release and the acquire), the right sums, twice. */
static void test_last_block_after_count(void **state) {
  (void)state;
  checked c;
  build(&c, last_block_sum, 0);
  float in[SYNC_THREADS * SYNC_BLOCKS], out[SYNC_OUT] = {0};
  for (int i = 0; i < SYNC_THREADS * SYNC_BLOCKS; i++)
    in[i] = (float)(i % 5);
  for (int launch = 0; launch < 2; launch++) {
    outcome result;
    run_sync(&c, "last_block_sum", in, out, &result);
    assert_int_equal(total(&result), 0);
    for (int t = 0; t < SYNC_THREADS; t++) {
      float expected = 0;
      for (int b = 0; b < SYNC_BLOCKS; b++)
        expected += in[b * SYNC_THREADS + t] + 1;
      assert_true(out[t] == expected);
    }
    uint32_t counter;
    memcpy(&counter, &out[SYNC_THREADS], sizeof counter);
    assert_int_equal(counter, 0);
    free(result.text);
  }
  release(&c);
}

/* Each part of the pattern left out is a race between blocks, or (the barrier that
 * broadcasts the count) between the counting thread and the others: the writers' fence
 * (fence 1), the last block's fence (2), the barrier between the writers' fences and the
 * count (barrier 1), the broadcast's barrier (2), and the check of the count itself. */
static void test_last_block_mutations(void **state) {
  (void)state;
  static const struct {
    int drop_barrier, drop_fence, every_block;
    const char *expected;
  } mutations[] = {
      {0, 1, 0, "in different blocks of one launch"},
      {0, 2, 0, "in different blocks of one launch"},
      {1, 0, 0, "in different blocks of one launch"},
      {2, 0, 0, "with no barrier between them"},
      {0, 0, 1, "in different blocks of one launch"},
  };
  for (size_t m = 0; m < sizeof mutations / sizeof mutations[0]; m++) {
    checked c;
    build_mutated(&c, mutations[m].every_block ? every_block_sums : last_block_sum,
                  mutations[m].drop_barrier, mutations[m].drop_fence);
    float in[SYNC_THREADS * SYNC_BLOCKS] = {0}, out[SYNC_OUT] = {0};
    outcome result;
    run_sync(&c, mutations[m].every_block ? "every_block_sums" : "last_block_sum", in, out,
             &result);
    if (result.counts[DLRT_CHECK_RACE] == 0)
      fail_msg("mutation %zu (barrier %d, fence %d, every block %d) was not reported", m,
               mutations[m].drop_barrier, mutations[m].drop_fence, mutations[m].every_block);
    assert_non_null(strstr(result.text, mutations[m].expected));
    free(result.text);
    release(&c);
  }
}

/* A checked twin launched without a sanitizer runs as a plain twin. */
static void test_unchecked_launch(void **state) {
  (void)state;
  checked c;
  build(&c, tree, 0);
  io data;
  make_io(&data, THREADS, 1);
  void *params[3] = {&data.in, &data.out, &data.n};
  unsigned grid[3] = {1, 1, 1}, block[3] = {THREADS, 1, 1};
  assert_int_equal(host_launch(c.jit, c.kb, "tree", params, grid, block), 0);
  float expected = 0;
  for (int i = 0; i < THREADS; i++)
    expected += data.in[i];
  assert_true(data.out[0] == expected);
  free_io(&data);
  release(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_clean_tree),
      cmocka_unit_test(test_dropped_barriers),
      cmocka_unit_test(test_off_by_one),
      cmocka_unit_test(test_unwritten_shared_tile),
      cmocka_unit_test(test_partial_warp_shuffle),
      cmocka_unit_test(test_misaligned_vector),
      cmocka_unit_test(test_race_between_blocks),
      cmocka_unit_test(test_atomics_do_not_race),
      cmocka_unit_test(test_last_block_after_count),
      cmocka_unit_test(test_last_block_mutations),
      cmocka_unit_test(test_unchecked_launch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
