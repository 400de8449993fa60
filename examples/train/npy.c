/* The .npy reader (npy.h): the magic, the header's dict ('descr', 'fortran_order', 'shape'),
 * then the data. */
#include "npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char *path, const char *what) {
  fprintf(stderr, "%s: %s\n", path, what);
  return -1;
}

static int parse_header(const char *path, const char *header, npy *out) {
  const char *descr = strstr(header, "'descr':");
  const char *shape = strstr(header, "'shape':");
  if (!descr || !shape || !strstr(header, "'fortran_order': False"))
    return fail(path, "not a C-order .npy header");
  if (sscanf(descr, "'descr': '%7[^']'", out->dtype) != 1 ||
      (strcmp(out->dtype, "<f4") != 0 && strcmp(out->dtype, "<i8") != 0))
    return fail(path, "holds neither float32 nor int64 numbers");
  const char *p = strchr(shape, '(');
  out->rank = 0;
  while (p && *++p && *p != ')') {
    char *end;
    long long dim = strtoll(p, &end, 10);
    if (end == p) /* ", " or a trailing comma */
      continue;
    if (out->rank == 8 || dim < 0)
      return fail(path, "has a bad shape");
    out->dims[out->rank++] = dim;
    p = end - 1;
  }
  return 0;
}

int npy_load(const char *path, npy *out) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return fail(path, "cannot be opened");
  unsigned char start[12];
  int status = 0;
  char *header = NULL;
  if (fread(start, 1, 10, file) != 10 || memcmp(start, "\x93NUMPY", 6) != 0) {
    status = fail(path, "is not a .npy file");
    goto done;
  }
  uint32_t length = start[8] | (uint32_t)start[9] << 8;
  if (start[6] >= 2) { /* version 2: a 4-byte header length */
    if (fread(start + 10, 1, 2, file) != 2) {
      status = fail(path, "is truncated");
      goto done;
    }
    length |= (uint32_t)start[10] << 16 | (uint32_t)start[11] << 24;
  }
  header = calloc(length + 1, 1);
  if (!header || fread(header, 1, length, file) != length ||
      parse_header(path, header, out) != 0) {
    status = header ? -1 : fail(path, "out of memory");
    goto done;
  }
  size_t count = 1;
  for (int d = 0; d < out->rank; d++)
    count *= (size_t)out->dims[d];
  out->data = malloc(count * 8 + 1); /* 8: the largest element */
  size_t element = out->dtype[2] == '4' ? 4 : 8;
  if (!out->data || fread(out->data, element, count, file) != count)
    status = fail(path, "is truncated");
done:
  free(header);
  fclose(file);
  return status;
}
