/* Bump allocator: chunks in a singly linked list; large requests get their own chunk. */
#include "ir/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_CHUNK_BYTES = 64 * 1024, ARENA_ALIGN = 16 };
static const size_t ARENA_MAX_REQUEST = (size_t)1 << 40;

typedef struct arena_chunk {
  struct arena_chunk *next;
  size_t capacity;
  size_t used;
  _Alignas(16) unsigned char data[];
} arena_chunk;

typedef struct arena_adopted {
  struct arena_adopted *next;
  void *context;
  void (*release)(void *);
} arena_adopted;

struct ir_arena {
  arena_chunk *chunks;
  arena_adopted *adopted;
  size_t bytes_used;
};

ir_arena *ir_arena_create(void) { return calloc(1, sizeof(ir_arena)); }

void ir_arena_destroy(ir_arena *arena) {
  if (!arena)
    return;
  for (arena_adopted *a = arena->adopted; a;) {
    arena_adopted *next = a->next;
    a->release(a->context);
    free(a);
    a = next;
  }
  for (arena_chunk *c = arena->chunks; c;) {
    arena_chunk *next = c->next;
    free(c);
    c = next;
  }
  free(arena);
}

static arena_chunk *arena_new_chunk(ir_arena *arena, size_t capacity) {
  arena_chunk *chunk = malloc(sizeof(arena_chunk) + capacity);
  if (!chunk)
    return NULL;
  chunk->capacity = capacity;
  chunk->used = 0;
  if (arena->chunks && capacity > ARENA_CHUNK_BYTES) {
    /* A dedicated chunk goes second so the current bump chunk stays first. */
    chunk->next = arena->chunks->next;
    arena->chunks->next = chunk;
  } else {
    chunk->next = arena->chunks;
    arena->chunks = chunk;
  }
  return chunk;
}

void *ir_arena_alloc(ir_arena *arena, size_t size) {
  if (size > ARENA_MAX_REQUEST)
    return NULL;
  size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (rounded == 0)
    rounded = ARENA_ALIGN;
  arena_chunk *chunk = arena->chunks;
  if (!chunk || chunk->capacity - chunk->used < rounded) {
    size_t capacity = rounded > ARENA_CHUNK_BYTES / 4 ? rounded : ARENA_CHUNK_BYTES;
    chunk = arena_new_chunk(arena, capacity);
    if (!chunk)
      return NULL;
  }
  void *memory = chunk->data + chunk->used;
  chunk->used += rounded;
  arena->bytes_used += rounded;
  memset(memory, 0, size);
  return memory;
}

void *ir_arena_alloc_array(ir_arena *arena, size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size)
    return NULL;
  return ir_arena_alloc(arena, count * size);
}

char *ir_arena_strndup(ir_arena *arena, const char *text, size_t length) {
  char *copy = ir_arena_alloc(arena, length + 1);
  if (copy)
    memcpy(copy, text, length);
  return copy;
}

char *ir_arena_strdup(ir_arena *arena, const char *text) {
  return ir_arena_strndup(arena, text, strlen(text));
}

char *ir_arena_printf(ir_arena *arena, const char *format, ...) {
  va_list args;
  va_start(args, format);
  int length = vsnprintf(NULL, 0, format, args);
  va_end(args);
  if (length < 0)
    return NULL;
  char *text = ir_arena_alloc(arena, (size_t)length + 1);
  if (!text)
    return NULL;
  va_start(args, format);
  vsnprintf(text, (size_t)length + 1, format, args);
  va_end(args);
  return text;
}

int ir_arena_adopt(ir_arena *arena, void *context, void (*release)(void *)) {
  arena_adopted *entry = malloc(sizeof(*entry));
  if (!entry) {
    release(context);
    return -1;
  }
  entry->context = context;
  entry->release = release;
  entry->next = arena->adopted;
  arena->adopted = entry;
  return 0;
}

size_t ir_arena_bytes_used(const ir_arena *arena) { return arena->bytes_used; }
