/* Weights the application gives (in memory or as a weights file): loaded and checked against
 * the program they are meant for. */
#ifndef DLRT_RUNTIME_WEIGHTS_H
#define DLRT_RUNTIME_WEIGHTS_H

#include <stdio.h>

#include "dlrt.h"

/* The weights a model of `program` uploads: the program's own, options->weights, or the file
 * options->weights_path (read into *out_owned, which the caller frees). */
int dlrt_weights_resolve(const dlrt_program *program, const dlrt_options *options,
                         const void **out_weights, void **out_owned);

/* Reads a weights file from `file` (named `path` in messages) into `weights`, which holds
 * program->weights_size bytes: header, size, model, checksum and length checked. */
int dlrt_weights_read(const dlrt_program *program, const char *path, FILE *file, void *weights);

#endif
