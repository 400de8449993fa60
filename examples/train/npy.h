/* A minimal .npy reader for the training example: little-endian float32 or int64 arrays in C
 * order, format version 1 or 2. */
#ifndef EXAMPLE_NPY_H
#define EXAMPLE_NPY_H

#include <stdint.h>

typedef struct npy {
  char dtype[8];      /* "<f4" or "<i8" */
  int rank;
  int64_t dims[8];
  void *data;         /* malloc'ed */
} npy;

/* 0, or -1 after printing what is wrong with `path`. */
int npy_load(const char *path, npy *out);

#endif
