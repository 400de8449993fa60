/* What the files of a bundle share: the C names of the tensors and the C types of dtypes. */
#ifndef DLCC_CODEGEN_BUNDLE_INTERNAL_H
#define DLCC_CODEGEN_BUNDLE_INTERNAL_H

#include <stdio.h>

#include <llvm-c/Core.h>

#include "codegen/bundle/bundle.h"
#include "dlrt.h"

/* Struct member names of the program's inputs and outputs (bundle_names.c). */
typedef struct dl_bundle_names {
  char **inputs;
  char **outputs;
} dl_bundle_names;

/* Sanitizes every tensor name to a C identifier; -1 after naming both ONNX names of a clash. */
int dl_bundle_names_build(const dlrt_program *program, dl_bundle_names *out, dl_diag *diag);
void dl_bundle_names_deinit(const dlrt_program *program, dl_bundle_names *names);

/* "float", "int64_t", ... for a dlrt_dtype (bundle_header.c); NULL if unknown. */
const char *dl_bundle_c_type(uint32_t dtype);
/* "f32", "i64", ... */
const char *dl_bundle_dtype_name(uint32_t dtype);

/* The program as constant globals of `module`; returns the exported NAME_program
 * (bundle_data.c). `host_twins`: kernels point at their NAME__host functions. */
LLVMValueRef dl_bundle_emit_program(LLVMModuleRef module, const dlrt_program *program,
                                    const dl_bundle_options *options, dl_diag *diag);
/* NAME_create, NAME_run, ... forwarding to libdlrt with `program` (bundle_api.c). Every other
 * definition of the module becomes internal, so the object exports only NAME_ symbols. */
int dl_bundle_emit_api(LLVMModuleRef module, LLVMValueRef program, const char *name,
                       dl_diag *diag);

/* The program's modules, each with the cubin ptxas makes of its PTX (bundle_cubin.c); NULL
 * with an error in diag when ptxas cannot be run or refuses one. */
dlrt_ptx_module *dl_bundle_cubins_build(const dlrt_program *program, dl_diag *diag);
void dl_bundle_cubins_free(dlrt_ptx_module *modules, uint32_t count);

/* What each host worker thread allocates for the largest kernel: its shared memory and
 * scratch, each 16-aligned, as runtime/host_pool.c grows them (bundle_header.c). */
uint64_t dl_bundle_host_workspace_bytes(const dlrt_program *program,
                                        const dl_bundle_options *options);

char *dl_bundle_header(const dlrt_program *program, const dl_bundle_names *names,
                       const dl_bundle_options *options);
/* NAME_train_step of a training bundle (bundle_train.c). */
void dl_bundle_put_train_api(FILE *out, const dlrt_program *program,
                             const dl_bundle_names *names, const char *name);
/* `program`: the compiled program, or a copy of it with cubins in its modules. */
char *dl_bundle_json(const dl_compiled *compiled, const dlrt_program *program,
                     const dl_bundle_names *names, const dl_bundle_options *options);
/* The NAME.weights file: header and the program's weights. */
char *dl_bundle_weights_file(const dlrt_program *program, size_t *out_size);

#endif
