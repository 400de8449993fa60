/* dlrt_model_load_state: the checkpoint is read whole and checked (state_file_check.c)
 * before any state of the model changes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/model_state.h"
#include "runtime/state_file.h"

/* The whole file in `*out` (malloc'ed), its size in `*out_size`. */
static int read_file(const char *path, unsigned char **out, uint64_t *out_size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_load_state: %s: cannot open: %s",
                      path, strerror(errno));
  long size = fseek(file, 0, SEEK_END) == 0 ? ftell(file) : -1;
  unsigned char *data = size >= 0 ? malloc((size_t)size + 1) : NULL;
  int ok = data && fseek(file, 0, SEEK_SET) == 0 &&
           fread(data, 1, (size_t)size, file) == (size_t)size;
  fclose(file);
  if (!ok) {
    free(data);
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_load_state: %s: cannot read it",
                      path);
  }
  *out = data;
  *out_size = (uint64_t)size;
  return DLRT_STATUS_OK;
}

dlrt_status dlrt_model_load_state(dlrt_model *model, const char *path) {
  if (!model || !path)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "dlrt_model_load_state: NULL argument");
  unsigned char *file = NULL;
  uint64_t size = 0;
  const unsigned char *data = NULL;
  int status = read_file(path, &file, &size);
  if (!status)
    status = dlrt_state_file_check(model->program, path, file, size, &data);
  for (uint32_t i = 0; !status && i < model->program->state_count; i++) {
    status = dlrt_model_state_write(model, i, data);
    data += dlrt_tensor_bytes(&model->program->states[i]);
  }
  free(file);
  return status;
}
