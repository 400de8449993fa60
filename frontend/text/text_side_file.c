/* Side files of a text dump, mapped read-only: weights are not copied, and the mapping is
 * released with the graph's arena. */
#include "frontend/text/text_side_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ir/input_file.h"

struct text_side_file {
  const char *ref;
  const unsigned char *bytes; /* NULL for an empty file */
  uint64_t size;
  bool failed;
  text_side_file *next;
};

typedef struct mapping {
  void *address;
  size_t length;
} mapping;

static void release_mapping(void *context) {
  mapping *map = context;
  munmap(map->address, map->length);
  free(map);
}

/* Opens and maps `path`; on failure adds a message naming `ref` and the resolved path. */
static int map_file(text_parser *parser, ir_graph *graph, text_side_file *file, const char *path,
                    text_location loc) {
  /* Mapped, not read: constants take only their ranges, so the size needs no limit. */
  dl_file_id id;
  dl_diag opened;
  dl_diag_init(&opened);
  int fd = dl_input_open(path, UINT64_MAX, &file->size, &id, &opened);
  if (fd < 0) { /* one message, located at the constant that names the file */
    text_error_at(parser, loc, "side file \"%s\": %s", file->ref, dl_diag_message(&opened, 0));
    dl_diag_deinit(&opened);
    return -1;
  }
  dl_diag_deinit(&opened);
  if (dl_file_set_add(&graph->source_files, id) != 0) {
    close(fd);
    return text_error_at(parser, loc, "out of memory while opening side file \"%s\"", file->ref);
  }
  if (file->size == 0) {
    close(fd);
    return 0;
  }
  size_t length = (size_t)file->size;
  void *address = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
  int map_errno = errno;
  close(fd);
  if (address == MAP_FAILED)
    return text_error_at(parser, loc, "cannot map side file \"%s\" (%s): %s", file->ref, path,
                         strerror(map_errno));
  mapping *map = malloc(sizeof(mapping));
  if (!map) {
    munmap(address, length);
    return text_error_at(parser, loc, "out of memory while mapping side file \"%s\"", file->ref);
  }
  *map = (mapping){address, length};
  if (ir_arena_adopt(graph->arena, map, release_mapping) != 0) /* it released the map */
    return text_error_at(parser, loc, "out of memory while mapping side file \"%s\"", file->ref);
  file->bytes = address;
  return 0;
}

static text_side_file *open_side_file(text_parser *parser, text_side_files *files, ir_graph *graph,
                                      const char *ref, text_location loc) {
  for (text_side_file *file = files->first; file; file = file->next)
    if (strcmp(file->ref, ref) == 0)
      return file;
  text_side_file *file = ir_arena_alloc(parser->arena, sizeof(text_side_file));
  const char *path = ref[0] == '/' ? ref
                                   : ir_arena_printf(parser->arena, "%s/%s",
                                                     files->base_dir ? files->base_dir : ".", ref);
  if (!file || !path) {
    text_error_at(parser, loc, "out of memory while opening side file \"%s\"", ref);
    return NULL;
  }
  file->ref = ref;
  file->next = files->first;
  files->first = file;
  file->failed = map_file(parser, graph, file, path, loc) != 0;
  return file;
}

int text_side_file_data(text_parser *parser, text_side_files *files, ir_graph *graph,
                        const char *ref, text_location loc, uint64_t offset, uint64_t size,
                        size_t alignment, const void **out) {
  text_side_file *file = open_side_file(parser, files, graph, ref, loc);
  if (!file || file->failed)
    return -1;
  if (offset > file->size || size > file->size - offset)
    return text_error_at(parser, loc,
                         "side file \"%s\" is too short: it has %llu bytes, the constant needs "
                         "bytes %llu to %llu (was the file cut or replaced?)",
                         ref, (unsigned long long)file->size, (unsigned long long)offset,
                         (unsigned long long)(offset + size));
  if (size == 0) {
    *out = ir_arena_alloc(graph->arena, 1); /* non-NULL: the constant is not elided */
    return *out ? 0 : text_error_at(parser, loc, "out of memory");
  }
  const unsigned char *bytes = file->bytes + offset;
  if (alignment > 1 && offset % alignment != 0) {
    /* Typed readers need natural alignment; arena memory is 16-byte aligned. */
    void *copy = ir_arena_alloc(graph->arena, (size_t)size);
    if (!copy)
      return text_error_at(parser, loc, "out of memory copying %llu bytes of a constant",
                           (unsigned long long)size);
    memcpy(copy, bytes, (size_t)size);
    bytes = copy;
  }
  *out = bytes;
  return 0;
}
