/* The files of a bundle, written all or nothing: every file is written and flushed to its
 * temporary file (output_file.h) before the first is renamed into place. */
#include "tools/dlcc/bundle_output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/dlcc/output_file.h"

enum { BUNDLE_FILE_COUNT = 4 };

typedef struct bundle_file {
  const char *suffix;
  const char *data;
  size_t size;
} bundle_file;

/* Opens BASE+suffix as a temporary file (after checking it is not an input) and writes it. */
static int write_one(const char *base, const bundle_file *file, const dl_file_set *inputs,
                     cli_output *out, dl_diag *diag) {
  size_t length = strlen(base) + strlen(file->suffix) + 1;
  char *path = malloc(length);
  if (!path)
    return dl_error(diag, "out of memory");
  snprintf(path, length, "%s%s", base, file->suffix);
  int status = cli_output_check(path, "a bundle file", inputs, diag);
  if (status == 0)
    status = cli_output_open(out, path, diag);
  if (status == 0 && (fwrite(file->data, 1, file->size, out->stream) != file->size ||
                      fflush(out->stream) != 0))
    status = dl_error(diag, "%s: write failed (disk full?)", path);
  free(path);
  return status;
}

int cli_write_bundle(const char *base, const dl_bundle_files *files, const dl_file_set *inputs,
                     dl_diag *diag) {
  const bundle_file all[BUNDLE_FILE_COUNT] = {
      {".o", files->object, files->object_size},
      {".h", files->header, strlen(files->header)},
      {".json", files->json, strlen(files->json)},
      {".weights", files->weights, files->weights_size},
  };
  int count = files->weights ? BUNDLE_FILE_COUNT : BUNDLE_FILE_COUNT - 1, status = 0;
  cli_output outputs[BUNDLE_FILE_COUNT] = {{0}};
  for (int i = 0; status == 0 && i < count; i++)
    status = write_one(base, &all[i], inputs, &outputs[i], diag);
  for (int i = 0; status == 0 && i < count; i++)
    status = cli_output_commit(&outputs[i], diag);
  for (int i = 0; i < count; i++)
    cli_output_discard(&outputs[i]); /* nothing left to do for committed ones */
  return status;
}
