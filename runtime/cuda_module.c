/* Loading a program's kernels on the cuda device: a cubin the device's compute capability
 * runs, else the newest PTX it can JIT, through cuModuleLoadDataEx with its logs kept for the
 * error text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cuda_device.h"

/* Above this, a kernel must opt in to dynamic shared memory (sm_70+). */
#define DEFAULT_DYNAMIC_SHARED_LIMIT (48u * 1024u)

/* CUDA's binary compatibility: a cubin for sm_XY runs on devices of compute capability X.Z
 * with Z >= Y, never across major versions. */
static int cubin_runs_on(const dlrt_ptx_module *module, int sm_version) {
  return module->cubin && (int)module->sm_version / 10 == sm_version / 10 &&
         (int)module->sm_version % 10 <= sm_version % 10;
}

/* The newest module whose cubin (cubin 1) or PTX (cubin 0) the device runs; PTX runs on its
 * target and every later one. */
static const dlrt_ptx_module *newest(const dlrt_program *program, int sm_version, int cubin) {
  const dlrt_ptx_module *best = NULL;
  for (uint32_t i = 0; i < program->module_count; i++) {
    const dlrt_ptx_module *module = &program->modules[i];
    int usable = cubin ? cubin_runs_on(module, sm_version) : (int)module->sm_version <= sm_version;
    if (usable && (!best || module->sm_version > best->sm_version))
      best = module;
  }
  return best;
}

/* Loads `image` (PTX text or a cubin) as the device's module; on failure the error names the
 * image and carries the JIT logs. */
static int load_image(cuda_device *cuda, const dlrt_program *program, const dlrt_ptx_module *module,
                      int cubin, CUresult *out_result) {
  char info_log[4096] = "";
  char error_log[4096] = "";
  CUjit_option options[] = {CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                            CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {info_log, (void *)(uintptr_t)sizeof info_log, error_log,
                    (void *)(uintptr_t)sizeof error_log};
  const void *image = cubin ? module->cubin : (const void *)module->ptx;
  CUresult result = cuda->driver.cuModuleLoadDataEx(&cuda->module, image, 4, options, values);
  *out_result = result;
  if (result == CUDA_SUCCESS)
    return DLRT_STATUS_OK;
  cuda->module = NULL;
  char what[128];
  snprintf(what, sizeof what, "loading the sm_%u %s of program '%s'", module->sm_version,
           cubin ? "cubin" : "PTX", program->name ? program->name : "?");
  int status = dlrt_cuda_error(&cuda->driver, result, "cuModuleLoadDataEx", what);
  error_log[sizeof error_log - 1] = '\0';
  info_log[sizeof info_log - 1] = '\0';
  if (error_log[0])
    dlrt_error_append("\n%s error log:\n%s", cubin ? "cubin load" : "PTX JIT", error_log);
  if (info_log[0])
    dlrt_error_append("\n%s info log:\n%s", cubin ? "cubin load" : "PTX JIT", info_log);
  return status;
}

/* A cubin the device runs, else the newest PTX at or below it; a cubin the driver refuses as
 * an image (say, from a ptxas newer than the driver) falls back to the PTX, saying so in
 * kernel_source. */
static int load_best(cuda_device *cuda, const dlrt_program *program) {
  const dlrt_ptx_module *cubin = newest(program, cuda->sm_version, 1);
  const dlrt_ptx_module *ptx = newest(program, cuda->sm_version, 0);
  char refused[128] = "";
  CUresult result = CUDA_SUCCESS;
  if (cubin) {
    int status = load_image(cuda, program, cubin, 1, &result);
    if (status != DLRT_STATUS_MODULE_LOAD || !ptx) { /* loaded, or a failure PTX would share */
      snprintf(cuda->base.kernel_source, sizeof cuda->base.kernel_source, "sm_%u cubin",
               cubin->sm_version);
      return status;
    }
    const char *name = NULL;
    if (cuda->driver.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
      name = "an error";
    snprintf(refused, sizeof refused, " (the sm_%u cubin was refused: %s)", cubin->sm_version,
             name);
  }
  if (!ptx)
    return dlrt_error(DLRT_STATUS_MODULE_LOAD,
                      "program '%s' has no PTX for sm_%d (%u module%s, lowest sm_%u): compile "
                      "it with --target=sm_%d",
                      program->name ? program->name : "?", cuda->sm_version, program->module_count,
                      program->module_count == 1 ? "" : "s",
                      program->module_count ? program->modules[0].sm_version : 0, cuda->sm_version);
  snprintf(cuda->base.kernel_source, sizeof cuda->base.kernel_source, "sm_%u PTX%s",
           ptx->sm_version, refused);
  return load_image(cuda, program, ptx, 0, &result);
}

static int lookup_functions(cuda_device *cuda, const dlrt_program *program) {
  for (uint32_t i = 0; i < program->kernel_count; i++) {
    const dlrt_kernel *kernel = &program->kernels[i];
    dlrt_device_function *function = &cuda->functions[i];
    function->dynamic_shared_bytes = kernel->dynamic_shared_bytes;
    CUresult result =
        cuda->driver.cuModuleGetFunction(&function->function, cuda->module, kernel->name);
    if (result != CUDA_SUCCESS) {
      char what[384];
      snprintf(what, sizeof what, "(looking up kernel '%s' in the %s)", kernel->name,
               cuda->base.kernel_source);
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
  cuda->functions = calloc(program->kernel_count + 1, sizeof *cuda->functions);
  if (!cuda->functions)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "cuda device: out of memory");
  cuda->function_count = program->kernel_count;
  int status = load_best(cuda, program);
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
