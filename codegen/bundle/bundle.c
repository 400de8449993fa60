/* dl_bundle_build: the object (the program's data and API added to the host module, or to an
 * empty one when host is not a target, compiled for portable x86-64; cubins by ptxas with
 * --cubin), header, JSON and weights file of a compiled program. */
#include "codegen/bundle/bundle.h"

#include <stdlib.h>

#include "codegen/bundle/bundle_internal.h"

static int emit_object(dl_compiled *compiled, const dlrt_program *program,
                       const dl_bundle_options *options, dl_bundle_files *out, dl_diag *diag) {
  kernel_builder *kb = options->host ? dl_compiled_host_builder(compiled) : NULL, *own = NULL;
  if (!kb) {
    kb_target_options target = {.kind = KB_TARGET_HOST, .host_cpu = "generic",
                                .opt_level = options->opt_level};
    if (!(kb = own = kb_create(&target, options->name, diag)))
      return -1;
  }
  LLVMModuleRef module = kb_module(kb);
  LLVMValueRef global = dl_bundle_emit_program(module, program, options, diag);
  int status = global ? dl_bundle_emit_api(module, global, options->name, diag) : -1;
  if (status == 0)
    status = kb_emit_object(kb, &out->object, &out->object_size);
  if (own)
    kb_destroy(own);
  return status;
}

int dl_bundle_build(dl_compiled *compiled, const dl_bundle_options *options, dl_bundle_files *out,
                    dl_diag *diag) {
  *out = (dl_bundle_files){0};
  /* With --cubin, a copy of the program whose modules carry cubins too. */
  dlrt_program program = *dl_compiled_program(compiled);
  dlrt_ptx_module *with_cubins = NULL;
  if (options->cubin && !(with_cubins = dl_bundle_cubins_build(&program, diag)))
    return -1;
  if (with_cubins)
    program.modules = with_cubins;
  dl_bundle_names names;
  int status = dl_bundle_names_build(&program, &names, diag);
  if (status == 0)
    status = emit_object(compiled, &program, options, out, diag);
  if (status == 0 && (!(out->header = dl_bundle_header(&program, &names, options)) ||
                      !(out->json = dl_bundle_json(compiled, &program, &names, options))))
    status = dl_error(diag, "out of memory writing the bundle");
  if (status == 0 && options->separate_weights &&
      !(out->weights = dl_bundle_weights_file(&program, &out->weights_size)))
    status = dl_error(diag, "out of memory writing the bundle's weights file");
  dl_bundle_names_deinit(&program, &names);
  dl_bundle_cubins_free(with_cubins, program.module_count);
  if (status != 0)
    dl_bundle_files_deinit(out);
  return status;
}

void dl_bundle_files_deinit(dl_bundle_files *files) {
  free(files->object);
  free(files->header);
  free(files->json);
  free(files->weights);
  *files = (dl_bundle_files){0};
}
