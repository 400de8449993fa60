/* The arena: alignment, zeroing, big blocks, overflow guards, adopted memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ir/arena.h"

static void test_alignment_and_zeroing(void **state) {
  ir_arena *arena = ir_arena_create();
  assert_non_null(arena);
  for (size_t size = 0; size < 200; size += 7) {
    unsigned char *memory = ir_arena_alloc(arena, size);
    assert_non_null(memory);
    assert_int_equal((uintptr_t)memory % 16, 0);
    for (size_t i = 0; i < size; i++)
      assert_int_equal(memory[i], 0);
    memset(memory, 0xab, size); /* the next allocation must not overlap */
  }
  assert_true(ir_arena_bytes_used(arena) >= 200 / 7 * 16);
  ir_arena_destroy(arena);
}

static void test_big_blocks_and_overflow(void **state) {
  ir_arena *arena = ir_arena_create();
  char *small = ir_arena_alloc(arena, 32);
  size_t big_size = 3u << 20; /* far above a chunk */
  unsigned char *big = ir_arena_alloc(arena, big_size);
  assert_non_null(big);
  assert_int_equal((uintptr_t)big % 16, 0);
  assert_int_equal(big[big_size - 1], 0);
  memset(big, 1, big_size);
  /* Small allocations keep coming from the bump chunk after a big one. */
  char *after = ir_arena_alloc(arena, 32);
  assert_non_null(after);
  assert_int_equal(after - small, 32);
  assert_null(ir_arena_alloc(arena, (size_t)1 << 41));
  assert_null(ir_arena_alloc_array(arena, SIZE_MAX / 2, 4));
  ir_arena_destroy(arena);
}

static void test_strings(void **state) {
  ir_arena *arena = ir_arena_create();
  assert_string_equal(ir_arena_strdup(arena, "conv1"), "conv1");
  assert_string_equal(ir_arena_strndup(arena, "conv1.weight", 5), "conv1");
  assert_string_equal(ir_arena_printf(arena, "%s_%d", "Relu", 7), "Relu_7");
  ir_arena_destroy(arena);
}

static void count_release(void *context) { (*(int *)context)++; }

static void test_adopted_memory_is_released_once(void **state) {
  int released = 0;
  ir_arena *arena = ir_arena_create();
  assert_int_equal(ir_arena_adopt(arena, &released, count_release), 0);
  assert_int_equal(ir_arena_adopt(arena, &released, count_release), 0);
  assert_int_equal(released, 0);
  ir_arena_destroy(arena);
  assert_int_equal(released, 2);
  ir_arena_destroy(NULL); /* harmless */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alignment_and_zeroing),
      cmocka_unit_test(test_big_blocks_and_overflow),
      cmocka_unit_test(test_strings),
      cmocka_unit_test(test_adopted_memory_is_released_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
