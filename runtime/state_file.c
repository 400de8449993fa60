/* State checkpoints (dlrt_model_save_state / _load_state; format in dlrt/program.h): written
 * whole to a temporary file that is renamed over the target, and read whole and checked
 * before a single state of the model changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/error.h"
#include "runtime/model_state.h"

static const char *model_name(const dlrt_model *model) {
  return model->program->name ? model->program->name : "";
}

/* Bytes of the checkpoint of `model`. */
static uint64_t file_bytes(const dlrt_model *model) {
  const dlrt_program *program = model->program;
  uint64_t bytes = sizeof(dlrt_state_file_header) + strlen(model_name(model)) + sizeof(uint64_t);
  for (uint32_t i = 0; i < program->state_count; i++) {
    const dlrt_tensor_desc *state = &program->states[i];
    bytes += sizeof(dlrt_state_file_entry) + strlen(state->name) +
             state->rank * sizeof(int64_t) + dlrt_tensor_bytes(state);
  }
  return bytes;
}

static unsigned char *put(unsigned char *at, const void *data, size_t bytes) {
  if (bytes)
    memcpy(at, data, bytes);
  return at + bytes;
}

/* The whole checkpoint in memory, the states read from the device. */
static int build_file(dlrt_model *model, unsigned char *file, uint64_t bytes) {
  const dlrt_program *program = model->program;
  const char *name = model_name(model);
  dlrt_state_file_header header = {.format_version = DLRT_STATE_FORMAT_VERSION,
                                   .state_count = program->state_count,
                                   .model_name_bytes = (uint32_t)strlen(name)};
  memcpy(header.magic, DLRT_STATE_MAGIC, sizeof header.magic);
  unsigned char *at = put(file, &header, sizeof header);
  at = put(at, name, header.model_name_bytes);
  for (uint32_t i = 0; i < program->state_count; i++) {
    const dlrt_tensor_desc *state = &program->states[i];
    dlrt_state_file_entry entry = {.name_bytes = (uint32_t)strlen(state->name),
                                   .dtype = state->dtype,
                                   .rank = state->rank,
                                   .data_bytes = dlrt_tensor_bytes(state)};
    at = put(at, &entry, sizeof entry);
    at = put(at, state->name, entry.name_bytes);
    at = put(at, state->dims, state->rank * sizeof(int64_t));
  }
  for (uint32_t i = 0; i < program->state_count; i++) {
    int status = dlrt_model_state_read(model, i, at);
    if (status)
      return status;
    at += dlrt_tensor_bytes(&program->states[i]);
  }
  uint64_t checksum = dlrt_weights_checksum(file, bytes - sizeof checksum);
  put(at, &checksum, sizeof checksum);
  return DLRT_STATUS_OK;
}

/* `path` replaced in one step: a temporary file beside it, written, flushed and renamed. */
static int write_atomically(const char *path, const unsigned char *data, uint64_t bytes) {
  size_t length = strlen(path) + sizeof(".tmp-XXXXXX");
  char *temp = malloc(length);
  if (!temp)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "dlrt_model_save_state: out of host memory");
  snprintf(temp, length, "%s.tmp-XXXXXX", path);
  int fd = mkstemp(temp);
  if (fd < 0) {
    int error = errno;
    free(temp);
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_model_save_state: %s: cannot create a temporary file beside it: %s",
                      path, strerror(error));
  }
  fchmod(fd, 0644); /* mkstemp's file is private; a checkpoint is an ordinary file */
  const char *failed = NULL;
  for (uint64_t done = 0; !failed && done < bytes;) {
    ssize_t wrote = write(fd, data + done, bytes - done);
    if (wrote < 0 && errno != EINTR)
      failed = "write";
    else if (wrote > 0)
      done += (uint64_t)wrote;
  }
  if (!failed && fsync(fd) != 0)
    failed = "fsync";
  if (close(fd) != 0 && !failed)
    failed = "close";
  if (!failed && rename(temp, path) != 0)
    failed = "rename";
  int error = errno;
  if (failed)
    unlink(temp);
  free(temp);
  if (failed)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_model_save_state: %s: %s failed: %s (the file was not changed)", path,
                      failed, strerror(error));
  return DLRT_STATUS_OK;
}

dlrt_status dlrt_model_save_state(dlrt_model *model, const char *path) {
  if (!model || !path)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_save_state: NULL argument");
  uint64_t bytes = file_bytes(model);
  unsigned char *file = malloc(bytes);
  if (!file)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY,
                      "dlrt_model_save_state: out of host memory for %llu bytes",
                      (unsigned long long)bytes);
  int status = build_file(model, file, bytes);
  if (!status)
    status = write_atomically(path, file, bytes);
  free(file);
  return status;
}
