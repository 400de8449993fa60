/* Loading a program's PTX on the cuda device: the best module for the device's compute
 * capability, JIT through cuModuleLoadDataEx with its logs kept for the error text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cuda_device.h"

/* Above this, a kernel must opt in to dynamic shared memory (sm_70+). */
#define DEFAULT_DYNAMIC_SHARED_LIMIT (48u * 1024u)

/* The newest PTX the device can JIT (PTX runs on its target and every later one). */
static const dlrt_ptx_module *pick_module(const dlrt_program *program, int sm_version) {
  const dlrt_ptx_module *best = NULL;
  for (uint32_t i = 0; i < program->module_count; i++) {
    const dlrt_ptx_module *module = &program->modules[i];
    if ((int)module->sm_version <= sm_version && (!best || module->sm_version > best->sm_version))
      best = module;
  }
  return best;
}

static int load_ptx(cuda_device *cuda, const dlrt_program *program, const dlrt_ptx_module *module) {
  char info_log[4096] = "";
  char error_log[4096] = "";
  CUjit_option options[] = {CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {info_log, (void *)(uintptr_t)sizeof info_log, error_log,
                    (void *)(uintptr_t)sizeof error_log};
  CUresult result = cuda->driver.cuModuleLoadDataEx(&cuda->module, module->ptx, 4, options, values);
  if (result == CUDA_SUCCESS)
    return DLRT_STATUS_OK;
  cuda->module = NULL;
  char what[96];
  snprintf(what, sizeof what, "loading the sm_%u PTX of program '%s'", module->sm_version,
           program->name ? program->name : "?");
  int status = dlrt_cuda_error(&cuda->driver, result, "cuModuleLoadDataEx", what);
  error_log[sizeof error_log - 1] = '\0';
  info_log[sizeof info_log - 1] = '\0';
  if (error_log[0])
    dlrt_error_append("\nPTX JIT error log:\n%s", error_log);
  if (info_log[0])
    dlrt_error_append("\nPTX JIT info log:\n%s", info_log);
  return status;
}

static int lookup_functions(cuda_device *cuda, const dlrt_program *program) {
  for (uint32_t i = 0; i < program->kernel_count; i++) {
    const dlrt_kernel *kernel = &program->kernels[i];
    dlrt_device_function *function = &cuda->functions[i];
    function->dynamic_shared_bytes = kernel->dynamic_shared_bytes;
    CUresult result =
        cuda->driver.cuModuleGetFunction(&function->function, cuda->module, kernel->name);
    if (result != CUDA_SUCCESS) {
      char what[160];
      snprintf(what, sizeof what, "(looking up kernel '%s' in the sm_%d PTX)", kernel->name,
               cuda->sm_version);
      return dlrt_cuda_error(&cuda->driver, result, "cuModuleGetFunction", what);
    }
    if (kernel->dynamic_shared_bytes > DEFAULT_DYNAMIC_SHARED_LIMIT)
      CUDA_CHECK(cuda,
                 cuFuncSetAttribute(function->function,
                                    CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                    (int)kernel->dynamic_shared_bytes),
                 kernel->name);
  }
  return DLRT_STATUS_OK;
}

static int module_load_in_context(cuda_device *cuda, const dlrt_program *program) {
  const dlrt_ptx_module *module = pick_module(program, cuda->sm_version);
  if (!module)
    return dlrt_error(DLRT_STATUS_MODULE_LOAD,
                      "program '%s' has no PTX for sm_%d (%u module%s, lowest sm_%u): compile "
                      "it with --target=sm_%d",
                      program->name ? program->name : "?", cuda->sm_version, program->module_count,
                      program->module_count == 1 ? "" : "s",
                      program->module_count ? program->modules[0].sm_version : 0, cuda->sm_version);
  cuda->functions = calloc(program->kernel_count + 1, sizeof *cuda->functions);
  if (!cuda->functions)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "cuda device: out of memory");
  cuda->function_count = program->kernel_count;
  int status = load_ptx(cuda, program, module);
  if (status == DLRT_STATUS_OK)
    status = lookup_functions(cuda, program);
  return status;
}

int dlrt_cuda_module_load(dlrt_device *device, const dlrt_program *program) {
  cuda_device *cuda = (cuda_device *)device;
  if (cuda->module)
    return dlrt_error(DLRT_STATUS_INTERNAL, "cuda device: a program is already loaded");
  if (program->kernel_count == 0)
    return DLRT_STATUS_OK; /* copies only: no PTX needed */
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  /* On failure the module (if any) stays for cuda_destroy to unload. */
  return dlrt_cuda_context_leave(cuda, module_load_in_context(cuda, program));
}
