/* NumPy .npy files (format versions 1-3, little-endian, C order): reading model inputs
 * and writing model outputs. */
#ifndef DLCC_TOOLS_NPY_H
#define DLCC_TOOLS_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir/diag.h"
#include "ir/type.h"

typedef struct npy_array {
  ir_type type; /* dtype and shape */
  void *data;   /* malloc'ed, type's byte size */
  int64_t bytes;
} npy_array;

/* Reads `path`; errors name the file and what is wrong (bad magic, big-endian or Fortran
 * order, unsupported dtype, size that does not match the shape). */
int npy_read(const char *path, npy_array *out, dl_diag *diag);
/* The same from the file's bytes in memory; `path` names it in messages. */
int npy_parse(const void *bytes, size_t size, const char *path, npy_array *out, dl_diag *diag);
/* Writes the array as .npy to `file` (`path` names it in messages). */
int npy_write(FILE *file, const char *path, const ir_type *type, const void *data, dl_diag *diag);
void npy_array_free(npy_array *array);

#endif
