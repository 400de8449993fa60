/* Bundles: a compiled program as files a C program links — NAME.o (the program as constant
 * data, PTX, host twins, weights, and NAME_create/run/destroy), NAME.h, NAME.json and, with
 * separate weights, NAME.weights. */
#ifndef DLCC_CODEGEN_BUNDLE_H
#define DLCC_CODEGEN_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "codegen/program/compile.h"

typedef struct dl_bundle_options {
  const char *name;      /* a C identifier: prefix of every symbol and macro */
  bool host;             /* the host twins go into the object (host is a target) */
  bool separate_weights; /* NAME.weights instead of weights inside the object */
  bool cubin;            /* a cubin by ptxas beside each GPU target's PTX (--cubin) */
  const char *const *targets; /* as given on the command line, for NAME.json */
  int num_targets;
  int opt_level; /* of the object's own code when there is no host target */
  /* A training step (dlcc compile --train): the last input is the labels, the one output the
   * loss; the header gets NAME_train_step. */
  bool train;
} dl_bundle_options;

typedef struct dl_bundle_files {
  char *object; /* NAME.o */
  size_t object_size;
  char *header; /* NAME.h, NUL-terminated */
  char *json;   /* NAME.json, NUL-terminated */
  char *weights; /* NAME.weights; NULL with embedded weights */
  size_t weights_size;
} dl_bundle_files;

/* Builds every file of the bundle of `compiled` (compiled without JIT-ed twins; its host
 * builder is consumed). Errors (a tensor name clash, LLVM or ptxas failures) go to diag; -1
 * then. */
int dl_bundle_build(dl_compiled *compiled, const dl_bundle_options *options, dl_bundle_files *out,
                    dl_diag *diag);
void dl_bundle_files_deinit(dl_bundle_files *files);

#endif
