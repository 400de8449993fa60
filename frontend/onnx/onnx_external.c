/* External tensor data: a file next to the model named by the tensor's "location",
 * confined to the model's folder (no absolute paths, "..", or symlinks leading out),
 * mapped read-only and adopted by the graph arena. */
#include "onnx_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ir/input_file.h"

typedef struct external_mapping {
  void *address;
  size_t length;
} external_mapping;

static void release_mapping(void *context) {
  external_mapping *mapping = context;
  munmap(mapping->address, mapping->length);
  free(mapping);
}

/* Parses a non-negative decimal integer field; -1 if malformed. */
static int64_t parse_size(const char *text) {
  if (!text || !*text)
    return -1;
  int64_t value = 0;
  for (const char *c = text; *c; c++) {
    if (*c < '0' || *c > '9' || value > (INT64_MAX - 9) / 10)
      return -1;
    value = value * 10 + (*c - '0');
  }
  return value;
}

static bool has_dot_dot_component(const char *path) {
  for (const char *c = path; *c;) {
    const char *end = strchr(c, '/');
    size_t length = end ? (size_t)(end - c) : strlen(c);
    if (length == 2 && c[0] == '.' && c[1] == '.')
      return true;
    c += length + (end ? 1 : 0);
  }
  return false;
}

/* Resolves `location` inside base_dir; -1 with a message if it escapes the folder. */
static int resolve_location(onnx_import *import, const char *tensor_name, const char *location,
                            char *out_path) {
  if (!import->base_dir)
    return onnx_error(import,
                      "tensor '%s': external data '%s' is refused when the model is "
                      "read from memory (no model folder)",
                      tensor_name, location);
  if (location[0] == '/' || has_dot_dot_component(location))
    return onnx_error(import,
                      "tensor '%s': external data location '%s' must be a relative "
                      "path inside the model's folder",
                      tensor_name, location);
  char folder[PATH_MAX], joined[PATH_MAX * 2];
  if (!realpath(import->base_dir, folder))
    return onnx_error(import, "tensor '%s': cannot resolve the model folder '%s': %s", tensor_name,
                      import->base_dir, strerror(errno));
  snprintf(joined, sizeof(joined), "%s/%s", folder, location);
  if (!realpath(joined, out_path))
    return onnx_error(import, "tensor '%s': cannot open external data '%s': %s", tensor_name,
                      location, strerror(errno));
  size_t folder_length = strlen(folder);
  bool inside = strncmp(out_path, folder, folder_length) == 0 &&
                (out_path[folder_length] == '/' || (folder_length == 1 && folder[0] == '/'));
  if (!inside)
    return onnx_error(import,
                      "tensor '%s': external data location '%s' leads outside the "
                      "model's folder (through a symbolic link)",
                      tensor_name, location);
  return 0;
}

/* Maps [offset, offset + length) of the file read-only and adopts the mapping. */
static int map_range(onnx_import *import, const char *tensor_name, const char *path, int64_t offset,
                     int64_t length, const void **out_data) {
  /* Only the tensor's range is mapped, so the file's own size needs no limit. */
  uint64_t file_size = 0;
  dl_file_id id;
  int fd = dl_input_open(path, UINT64_MAX, &file_size, &id, import->diag);
  if (fd < 0)
    return onnx_error(import, "tensor '%s': cannot read its external data", tensor_name);
  if (dl_file_set_add(&import->graph->source_files, id) != 0) {
    close(fd);
    return onnx_error(import, "out of memory");
  }
  int64_t size = (int64_t)file_size;
  if (offset > size || length > size - offset) {
    close(fd);
    return onnx_error(import,
                      "tensor '%s': external data range [%lld, %lld) lies beyond "
                      "the end of '%s' (%lld bytes)",
                      tensor_name, (long long)offset, (long long)offset + length, path,
                      (long long)size);
  }
  int64_t page = sysconf(_SC_PAGESIZE);
  int64_t aligned = offset - offset % page;
  external_mapping *mapping = malloc(sizeof(*mapping));
  void *address = mapping ? mmap(NULL, (size_t)(length + offset - aligned), PROT_READ, MAP_PRIVATE,
                                 fd, (off_t)aligned)
                          : MAP_FAILED;
  close(fd);
  if (address == MAP_FAILED) {
    free(mapping);
    return onnx_error(import, "tensor '%s': cannot map external data '%s'", tensor_name, path);
  }
  mapping->address = address;
  mapping->length = (size_t)(length + offset - aligned);
  if (ir_arena_adopt(import->graph->arena, mapping, release_mapping) != 0)
    return onnx_error(import, "out of memory"); /* the mapping was released */
  *out_data = (const unsigned char *)address + (offset - aligned);
  return 0;
}

int onnx_read_external_data(onnx_import *import, const Onnx__TensorProto *tensor,
                            const char *tensor_name, int64_t expected_bytes,
                            const void **out_data) {
  const char *location = NULL;
  int64_t offset = 0, length = -1;
  for (size_t i = 0; i < tensor->n_external_data; i++) {
    const char *key = onnx_text(tensor->external_data[i]->key);
    const char *value = tensor->external_data[i]->value;
    if (strcmp(key, "location") == 0)
      location = value;
    else if (strcmp(key, "offset") == 0 && (offset = parse_size(value)) < 0)
      return onnx_error(import, "tensor '%s': external data offset '%s' is not a number",
                        tensor_name, onnx_text(value));
    else if (strcmp(key, "length") == 0 && (length = parse_size(value)) < 0)
      return onnx_error(import, "tensor '%s': external data length '%s' is not a number",
                        tensor_name, onnx_text(value));
  }
  if (!location || !*location)
    return onnx_error(import, "tensor '%s': external data has no location", tensor_name);
  if (length >= 0 && length != expected_bytes)
    return onnx_error(import,
                      "tensor '%s': external data length is %lld bytes but the "
                      "tensor's shape needs %lld",
                      tensor_name, (long long)length, (long long)expected_bytes);
  char path[PATH_MAX];
  if (resolve_location(import, tensor_name, location, path) != 0)
    return -1;
  if (expected_bytes == 0) {
    *out_data = ir_arena_alloc(import->graph->arena, 1);
    return *out_data ? 0 : onnx_error(import, "out of memory");
  }
  return map_range(import, tensor_name, path, offset, expected_bytes, out_data);
}
