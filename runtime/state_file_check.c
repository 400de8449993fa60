/* Checks a state checkpoint (format in dlrt/program.h) against a program: the reading half
 * of dlrt_model_load_state, apart from any model so that it can be fuzzed alone. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/state_file.h"

#define MAX_RANK 16

typedef struct loader {
  const dlrt_program *program;
  const char *path;
  const unsigned char *file;
  uint64_t size, at;
} loader;

__attribute__((format(printf, 2, 3))) static int refuse(const loader *l, const char *format,
                                                        ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof message, format, args);
  va_end(args);
  return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                    "dlrt_model_load_state: %s: %s (the model's states are unchanged)", l->path,
                    message);
}

static const char *model_name_of(const loader *l) {
  return l->program->name ? l->program->name : "";
}

/* The next `bytes` of the file, or NULL past its end. */
static const unsigned char *take(loader *l, uint64_t bytes) {
  if (bytes > l->size - l->at)
    return NULL;
  const unsigned char *at = l->file + l->at;
  l->at += bytes;
  return at;
}

/* "f32[3,4]" */
static void format_type(char *text, size_t size, uint32_t dtype, uint32_t rank,
                        const int64_t *dims) {
  static const char *const names[DLRT_DTYPE_COUNT] = {
#define DLRT_DTYPE_ROW(ENUM, NAME, BITS, ONNX, KIND) [DLRT_DTYPE_##ENUM] = NAME,
#include "dlrt/dtypes.def"
#undef DLRT_DTYPE_ROW
  };
  size_t used = (size_t)snprintf(text, size, "%s[", dtype < DLRT_DTYPE_COUNT ? names[dtype] : "?");
  for (uint32_t d = 0; d < rank && used < size; d++)
    used += (size_t)snprintf(text + used, size - used, "%s%" PRId64, d ? "," : "", dims[d]);
  if (used < size)
    snprintf(text + used, size - used, "]");
}

/* One state's entry against the model's state `index`; *data_bytes gets its size. */
static int check_entry(loader *l, uint32_t index, uint64_t *data_bytes) {
  const dlrt_tensor_desc *state = &l->program->states[index];
  dlrt_state_file_entry entry;
  const unsigned char *raw = take(l, sizeof entry);
  if (!raw)
    return refuse(l, "truncated in the entry of state %u", index);
  memcpy(&entry, raw, sizeof entry);
  const unsigned char *name = take(l, entry.name_bytes);
  int64_t dims[MAX_RANK];
  const unsigned char *dims_raw =
      name && entry.rank <= MAX_RANK ? take(l, entry.rank * sizeof(int64_t)) : NULL;
  if (!dims_raw)
    return refuse(l, "truncated or corrupt in the entry of state %u", index);
  memcpy(dims, dims_raw, entry.rank * sizeof(int64_t));
  if (strlen(state->name) != entry.name_bytes || memcmp(state->name, name, entry.name_bytes))
    return refuse(l, "state %u is '%.*s' in the checkpoint but '%s' in model '%s'", index,
                  (int)(entry.name_bytes < 200 ? entry.name_bytes : 200), (const char *)name,
                  state->name, l->program->name ? l->program->name : "?");
  bool same = entry.dtype == state->dtype && entry.rank == state->rank &&
              (!entry.rank || memcmp(dims, state->dims, entry.rank * sizeof(int64_t)) == 0);
  if (!same || entry.data_bytes != dlrt_tensor_bytes(state)) {
    char saved[160], wanted[160];
    format_type(saved, sizeof saved, entry.dtype, entry.rank, dims);
    format_type(wanted, sizeof wanted, state->dtype, state->rank, state->dims);
    return refuse(l, "state '%s' is %s (%llu bytes) in the checkpoint but %s in the model",
                  state->name, saved, (unsigned long long)entry.data_bytes, wanted);
  }
  *data_bytes = entry.data_bytes;
  return DLRT_STATUS_OK;
}

int dlrt_state_file_check(const dlrt_program *program, const char *path,
                          const unsigned char *file, uint64_t size,
                          const unsigned char **out_data) {
  loader whole = {.program = program, .path = path, .file = file, .size = size};
  loader *l = &whole;
  dlrt_state_file_header header;
  if (l->size < sizeof header.magic || memcmp(l->file, DLRT_STATE_MAGIC, sizeof header.magic))
    return refuse(l, "not a dlrt state checkpoint (bad magic)");
  const unsigned char *raw = take(l, sizeof header);
  if (!raw)
    return refuse(l, "truncated in its header (%llu bytes)", (unsigned long long)l->size);
  memcpy(&header, raw, sizeof header);
  if (header.format_version != DLRT_STATE_FORMAT_VERSION)
    return refuse(l, "checkpoint format %u; this libdlrt reads format %u", header.format_version,
                  DLRT_STATE_FORMAT_VERSION);
  /* The checksum first: a damaged file is called corrupt, not mistaken for another model's. */
  uint64_t stored;
  if (l->size < sizeof header + sizeof stored)
    return refuse(l, "truncated (%llu bytes)", (unsigned long long)l->size);
  memcpy(&stored, l->file + l->size - sizeof stored, sizeof stored);
  if (dlrt_weights_checksum(l->file, l->size - sizeof stored) != stored)
    return refuse(l, "checksum mismatch: the file is truncated or corrupt");
  l->size -= sizeof stored;
  const char *name = model_name_of(l);
  const unsigned char *saved_name = take(l, header.model_name_bytes);
  if (!saved_name)
    return refuse(l, "truncated in the model name");
  if (strlen(name) != header.model_name_bytes || memcmp(name, saved_name, header.model_name_bytes))
    return refuse(l, "a checkpoint of model '%.*s', not of model '%s'",
                  (int)(header.model_name_bytes < 200 ? header.model_name_bytes : 200),
                  (const char *)saved_name, name);
  if (header.state_count != program->state_count)
    return refuse(l, "has %u states but model '%s' has %u", header.state_count, name,
                  program->state_count);
  uint64_t data_bytes = 0;
  for (uint32_t i = 0; i < program->state_count; i++) {
    uint64_t bytes = 0;
    int status = check_entry(l, i, &bytes);
    if (status)
      return status;
    data_bytes += bytes;
  }
  if (l->size - l->at != data_bytes)
    return refuse(l, "holds %llu bytes of state data where its entries describe %llu",
                  (unsigned long long)(l->size - l->at), (unsigned long long)data_bytes);
  *out_data = l->file + l->at;
  return DLRT_STATUS_OK;
}

