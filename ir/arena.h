/* Bump allocator that owns all memory of one IR graph; freed in one call. */
#ifndef DLCC_IR_ARENA_H
#define DLCC_IR_ARENA_H

#include <stddef.h>

typedef struct ir_arena ir_arena;

ir_arena *ir_arena_create(void);
void ir_arena_destroy(ir_arena *arena);

/* Zeroed, 16-byte aligned memory; NULL only when the system is out of memory
 * or `size` is absurd (> 1 TiB). */
void *ir_arena_alloc(ir_arena *arena, size_t size);
/* Allocates count * size bytes, NULL on multiplication overflow. */
void *ir_arena_alloc_array(ir_arena *arena, size_t count, size_t size);
char *ir_arena_strdup(ir_arena *arena, const char *text);
char *ir_arena_strndup(ir_arena *arena, const char *text, size_t length);
char *ir_arena_printf(ir_arena *arena, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Registers memory the arena does not own (an mmap'ed weight file, an unpacked
 * protobuf) to be released by `release(context)` when the arena is destroyed. */
int ir_arena_adopt(ir_arena *arena, void *context, void (*release)(void *));

/* Bytes handed out so far (for --stats). */
size_t ir_arena_bytes_used(const ir_arena *arena);

#endif
