/* ptxas (CUDA toolkit) on PTX from the kernel builder: cubins and per-kernel resource use. */
#ifndef DLCC_CODEGEN_KB_PTXAS_H
#define DLCC_CODEGEN_KB_PTXAS_H

#include <stddef.h>

#include "ir/diag.h"

typedef struct kb_ptxas_kernel {
  char name[128];
  int registers;
  int stack_bytes, spill_store_bytes, spill_load_bytes;
  int shared_bytes; /* static shared memory ("bytes smem") */
} kb_ptxas_kernel;

typedef struct kb_ptxas_result {
  kb_ptxas_kernel *kernels; /* one per entry, from `ptxas -v` */
  int kernel_count;
  char *cubin; /* the assembled module */
  size_t cubin_size;
  char *log; /* everything ptxas printed */
} kb_ptxas_result;

/* The ptxas to run: `explicit_path` if given, else $DLCC_PTXAS, else
 * /usr/local/cuda/bin/ptxas if present, else "ptxas" from PATH. */
const char *kb_ptxas_path(const char *explicit_path);
/* Runs `ptxas -arch=SM -v` on `ptx` in a private temporary directory. 0 ok; -1 with a
 * dl_diag error carrying ptxas's output when it fails or cannot be run. */
int kb_ptxas_run(const char *ptxas, const char *ptx, size_t ptx_size, const char *sm,
                 kb_ptxas_result *out, dl_diag *diag);
const kb_ptxas_kernel *kb_ptxas_find(const kb_ptxas_result *result, const char *name);
void kb_ptxas_result_deinit(kb_ptxas_result *result);

#endif
