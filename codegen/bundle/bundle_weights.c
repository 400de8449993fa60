/* NAME.weights: the weights of a bundle compiled with --weights=separate, behind the header
 * libdlrt checks (dlrt_weights_file_header: magic, format, model name, size, checksum). */
#include <stdlib.h>
#include <string.h>

#include "codegen/bundle/bundle_internal.h"

_Static_assert(sizeof(dlrt_weights_file_header) <= DLRT_WEIGHTS_HEADER_BYTES, "header fits");

char *dl_bundle_weights_file(const dlrt_program *program, size_t *out_size) {
  size_t size = DLRT_WEIGHTS_HEADER_BYTES + program->weights_size;
  char *file = calloc(1, size); /* zero padding: the same model gives the same bytes */
  if (!file)
    return NULL;
  dlrt_weights_file_header header = {.format_version = DLRT_WEIGHTS_FORMAT_VERSION,
                                     .header_bytes = DLRT_WEIGHTS_HEADER_BYTES,
                                     .weights_size = program->weights_size,
                                     .checksum = program->weights_checksum};
  memcpy(header.magic, DLRT_WEIGHTS_MAGIC, sizeof header.magic);
  strncpy(header.model_name, program->name, sizeof header.model_name - 1);
  memcpy(file, &header, sizeof header);
  if (program->weights_size)
    memcpy(file + DLRT_WEIGHTS_HEADER_BYTES, program->weights, program->weights_size);
  *out_size = size;
  return file;
}
