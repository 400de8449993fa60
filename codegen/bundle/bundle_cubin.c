/* `--cubin`: every GPU target's PTX assembled by the CUDA toolkit's ptxas, so that a GPU of a
 * matching compute capability loads machine code at NAME_create instead of JIT-compiling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/bundle/bundle_internal.h"
#include "codegen/kb_ptxas.h"

dlrt_ptx_module *dl_bundle_cubins_build(const dlrt_program *program, dl_diag *diag) {
  dlrt_ptx_module *modules = calloc(program->module_count + 1, sizeof *modules);
  if (!modules) {
    dl_error(diag, "out of memory assembling cubins");
    return NULL;
  }
  for (uint32_t i = 0; i < program->module_count; i++) {
    const dlrt_ptx_module *module = &program->modules[i];
    modules[i] = (dlrt_ptx_module){.sm_version = module->sm_version, .ptx = module->ptx};
    char arch[16];
    snprintf(arch, sizeof arch, "sm_%u", module->sm_version);
    kb_ptxas_result result;
    if (kb_ptxas_run(NULL, module->ptx, strlen(module->ptx), arch, &result, diag) != 0) {
      dl_error(diag, "bundle: --cubin needs ptxas to assemble the %s PTX", arch);
      dl_bundle_cubins_free(modules, i);
      return NULL;
    }
    modules[i].cubin = result.cubin;
    modules[i].cubin_size = result.cubin_size;
    result.cubin = NULL; /* kept: the rest of the result is not needed */
    kb_ptxas_result_deinit(&result);
  }
  return modules;
}

void dl_bundle_cubins_free(dlrt_ptx_module *modules, uint32_t count) {
  for (uint32_t i = 0; modules && i < count; i++)
    free((void *)modules[i].cubin);
  free(modules);
}
