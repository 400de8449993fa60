/* Weights given by the application: a buffer (dlrt_options.weights) or a weights file
 * (dlrt_options.weights_path), refused unless they are the program's own by size and checksum. */
#include "runtime/weights.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

uint64_t dlrt_weights_checksum(const void *data, uint64_t size) {
  const unsigned char *bytes = data;
  uint64_t hash = FNV_OFFSET, i = 0;
  /* Word at a time: the weights of a large model are checked in milliseconds. */
  for (; i + 8 <= size; i += 8) {
    uint64_t word = 0;
    for (int b = 7; b >= 0; b--)
      word = word << 8 | bytes[i + (uint64_t)b];
    hash = (hash ^ word) * FNV_PRIME;
  }
  for (; i < size; i++)
    hash = (hash ^ bytes[i]) * FNV_PRIME;
  return hash;
}

static const char *name_of(const dlrt_program *program) {
  return program->name ? program->name : "?";
}

static int check_checksum(const dlrt_program *program, const void *weights, const char *source) {
  if (!program->weights_checksum)
    return DLRT_STATUS_OK;
  uint64_t checksum = dlrt_weights_checksum(weights, program->weights_size);
  if (checksum != program->weights_checksum)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: the weights' checksum is %016llx but program '%s' was compiled with "
                      "weights of checksum %016llx (other or corrupted weights)",
                      source, (unsigned long long)checksum, name_of(program),
                      (unsigned long long)program->weights_checksum);
  return DLRT_STATUS_OK;
}

static int check_header(const dlrt_program *program, const dlrt_weights_file_header *header,
                        const char *path) {
  if (memcmp(header->magic, DLRT_WEIGHTS_MAGIC, sizeof header->magic) != 0)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "%s: not a dlcc weights file (bad magic)",
                      path);
  if (header->format_version != DLRT_WEIGHTS_FORMAT_VERSION ||
      header->header_bytes != DLRT_WEIGHTS_HEADER_BYTES)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: weights file format %u (header %u bytes); this libdlrt reads format "
                      "%u: recompile the model with a matching dlcc",
                      path, header->format_version, header->header_bytes,
                      DLRT_WEIGHTS_FORMAT_VERSION);
  char model[sizeof header->model_name + 1] = {0};
  memcpy(model, header->model_name, sizeof header->model_name);
  if (strncmp(model, name_of(program), sizeof header->model_name - 1) != 0)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: these are the weights of model '%s', not of '%s'", path, model,
                      name_of(program));
  if (header->weights_size != program->weights_size || header->checksum != program->weights_checksum)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: weights of %llu bytes with checksum %016llx, but program '%s' was "
                      "compiled with %llu bytes of checksum %016llx (recompiled since?)",
                      path, (unsigned long long)header->weights_size,
                      (unsigned long long)header->checksum, name_of(program),
                      (unsigned long long)program->weights_size,
                      (unsigned long long)program->weights_checksum);
  return DLRT_STATUS_OK;
}

/* Reads the header and the weights; a short read means a truncated file. */
int dlrt_weights_read(const dlrt_program *program, const char *path, FILE *file, void *weights) {
  dlrt_weights_file_header header;
  if (fread(&header, sizeof header, 1, file) != 1)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: truncated weights file (shorter than its header)", path);
  int status = check_header(program, &header, path);
  if (status)
    return status;
  if (fseek(file, (long)header.header_bytes, SEEK_SET) != 0 ||
      fread(weights, 1, program->weights_size, file) != program->weights_size)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: truncated weights file (program '%s' needs %llu bytes of weights)",
                      path, name_of(program), (unsigned long long)program->weights_size);
  if (fgetc(file) != EOF)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "%s: the weights file is longer than its %llu bytes of weights", path,
                      (unsigned long long)program->weights_size);
  return check_checksum(program, weights, path);
}

static int load_weights_file(const dlrt_program *program, const char *path, void **out_owned) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_options.weights_path: cannot open '%s': %s",
                      path, strerror(errno));
  void *weights = malloc(program->weights_size ? program->weights_size : 1);
  int status = weights ? dlrt_weights_read(program, path, file, weights)
                       : dlrt_error(DLRT_STATUS_OUT_OF_MEMORY,
                                    "%s: no memory for %llu bytes of weights", path,
                                    (unsigned long long)program->weights_size);
  fclose(file);
  if (status) {
    free(weights);
    return status;
  }
  *out_owned = weights;
  return DLRT_STATUS_OK;
}

int dlrt_weights_resolve(const dlrt_program *program, const dlrt_options *options,
                         const void **out_weights, void **out_owned) {
  *out_weights = program->weights;
  *out_owned = NULL;
  if (options->weights || options->weights_size) {
    if (!options->weights || options->weights_size != program->weights_size)
      return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                        "dlrt_options.weights: program '%s' needs %llu bytes of weights, got "
                        "%llu bytes at %p",
                        name_of(program), (unsigned long long)program->weights_size,
                        (unsigned long long)options->weights_size, options->weights);
    *out_weights = options->weights;
    return check_checksum(program, options->weights, "dlrt_options.weights");
  }
  if (options->weights_path) {
    int status = load_weights_file(program, options->weights_path, out_owned);
    *out_weights = *out_owned;
    return status;
  }
  if (program->weights_size && !program->weights)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "program '%s' was compiled with separate weights: pass its %llu bytes in "
                      "dlrt_options.weights or its weights file in dlrt_options.weights_path",
                      name_of(program), (unsigned long long)program->weights_size);
  return DLRT_STATUS_OK;
}
