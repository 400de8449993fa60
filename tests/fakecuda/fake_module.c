/* Fake driver modules and launches: `.entry NAME(params)` is parsed out of the PTX (a
 * cubin's entries are read by fake_cubin.c), an entry is bound to libdlrt's registered host
 * twin when cuModuleGetFunction asks for it, and a launch runs that twin over the grid (block
 * by block) after recording what was launched. */
#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dlrt.h"
#include "fake_internal.h"

#define DEFAULT_SHARED_LIMIT (48u * 1024u)

static void write_log(char *log, size_t capacity, const char *text) {
  if (log && capacity)
    snprintf(log, capacity, "%s", text);
}

/* Size in bytes of a PTX parameter type like ".u64" or ".f32"; 0 when unknown. */
static uint32_t type_size(const char *type) {
  int bits = 0;
  if ((type[0] == 'u' || type[0] == 's' || type[0] == 'b' || type[0] == 'f') &&
      sscanf(type + 1, "%d", &bits) == 1 && bits % 8 == 0)
    return (uint32_t)bits / 8;
  return 0;
}

/* Parses "(.param .u64 a, .param .align 8 .b8 b[16])"; returns chars consumed or -1. */
static int parse_params(const char *text, struct CUfunc_st *function) {
  const char *cursor = text;
  const char *end = strchr(cursor, ')');
  uint32_t bytes = 0;
  if (!end)
    return -1;
  while ((cursor = strstr(cursor, ".param")) && cursor < end) {
    cursor += 6;
    while (isspace((unsigned char)*cursor))
      cursor++;
    if (strncmp(cursor, ".align", 6) == 0) {
      cursor += 6;
      while (isspace((unsigned char)*cursor) || isdigit((unsigned char)*cursor))
        cursor++;
    }
    if (*cursor != '.')
      return -1;
    uint32_t size = type_size(cursor + 1);
    while (*cursor && !isspace((unsigned char)*cursor))
      cursor++;
    const char *next = strpbrk(cursor, ",)");
    const char *bracket = strchr(cursor, '[');
    if (bracket && bracket < next)
      size *= (uint32_t)atoi(bracket + 1);
    bytes += size;
    if (size == 0 || bytes > PARAM_SPACE_BYTES)
      return -1;
    function->param_sizes[function->param_count++] = size;
  }
  return (int)(end - text) + 1;
}

static int count_entries(const char *ptx) {
  int count = 0;
  for (const char *cursor = ptx; (cursor = strstr(cursor, ".entry")); cursor += 6)
    count++;
  return count;
}

static int find_twin(struct CUfunc_st *function) {
  int (*lookup_kernel)(const char *, dlrt_kernel *) =
      (int (*)(const char *, dlrt_kernel *))dlsym(RTLD_DEFAULT, "dlrt_host_kernel_lookup_kernel");
  if (lookup_kernel)
    return lookup_kernel(function->name, &function->twin) == 0 && function->twin.host_fn ? 0 : -1;
  dlrt_host_block_fn (*lookup)(const char *) =
      (dlrt_host_block_fn(*)(const char *))dlsym(RTLD_DEFAULT, "dlrt_host_kernel_lookup");
  function->twin.host_fn = lookup ? lookup(function->name) : NULL;
  return function->twin.host_fn ? 0 : -1;
}

/* Fills module from the PTX text; on failure writes a ptxas-like message to `log`. */
static CUresult parse_module(const char *ptx, struct CUmod_st *module, int *out_sm_version,
                             char *log, size_t size) {
  int capacity = count_entries(ptx);
  const char *target = strstr(ptx, ".target");
  if (!strstr(ptx, ".version") || !target || capacity == 0 ||
      sscanf(target, ".target sm_%d", out_sm_version) != 1) {
    write_log(log, size,
              "ptxas fatal   : (fakecuda) PTX without .version, .target sm_XX or .entry");
    return CUDA_ERROR_INVALID_PTX;
  }
  module->functions = calloc((size_t)capacity, sizeof *module->functions);
  if (!module->functions)
    return CUDA_ERROR_OUT_OF_MEMORY;
  for (const char *cursor = ptx; (cursor = strstr(cursor, ".entry"));) {
    cursor += 6;
    while (isspace((unsigned char)*cursor))
      cursor++;
    struct CUfunc_st *function = &module->functions[module->function_count];
    size_t length = strcspn(cursor, " \t\r\n(");
    if (length == 0 || length >= sizeof function->name) {
      write_log(log, size, "ptxas fatal   : (fakecuda) bad .entry name");
      return CUDA_ERROR_INVALID_PTX;
    }
    memcpy(function->name, cursor, length);
    cursor += length;
    while (isspace((unsigned char)*cursor))
      cursor++;
    int consumed = *cursor == '(' ? parse_params(cursor, function) : -1;
    if (consumed < 0) {
      char message[256];
      snprintf(message, sizeof message,
               "ptxas fatal   : (fakecuda) cannot read the parameters of .entry %s",
               function->name);
      write_log(log, size, message);
      return CUDA_ERROR_INVALID_PTX;
    }
    cursor += consumed;
    module->function_count++;
  }
  return CUDA_SUCCESS;
}

/* What the driver refuses: PTX for a newer GPU than the device, a cubin of another major
 * version or a newer minor one (CUDA's binary compatibility). */
static CUresult check_architecture(const fakecuda_module_load *load, char *log, size_t size) {
  int device = fake_sm_version();
  char message[192];
  if (!load->cubin && load->sm_version > device) {
    snprintf(message, sizeof message,
             "ptxas fatal   : (fakecuda) .target sm_%d is newer than the device's sm_%d",
             load->sm_version, device);
    write_log(log, size, message);
    return CUDA_ERROR_INVALID_PTX;
  }
  if (load->cubin && (load->sm_version / 10 != device / 10 || load->sm_version > device)) {
    snprintf(message, sizeof message, "(fakecuda) a cubin for sm_%d does not run on sm_%d",
             load->sm_version, device);
    write_log(log, size, message);
    return CUDA_ERROR_NO_BINARY_FOR_GPU;
  }
  return CUDA_SUCCESS;
}

static void free_module(void *handle) {
  struct CUmod_st *module = handle;
  free(module->functions);
  free(module);
}

FAKE_EXPORT CUresult cuModuleLoadDataEx(CUmodule *out_module, const void *image,
                                        unsigned int option_count, CUjit_option *options,
                                        void **values) {
  char *error_log = NULL, *info_log = NULL;
  size_t error_size = 0, info_size = 0;
  for (unsigned int i = 0; i < option_count; i++) {
    if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
      error_log = values[i];
    else if (options[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES)
      error_size = (size_t)(uintptr_t)values[i];
    else if (options[i] == CU_JIT_INFO_LOG_BUFFER)
      info_log = values[i];
    else if (options[i] == CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES)
      info_size = (size_t)(uintptr_t)values[i];
  }
  CUresult result = fake_enter("cuModuleLoadDataEx");
  if (result != CUDA_SUCCESS) {
    write_log(error_log, error_size, "ptxas fatal   : (fakecuda) injected JIT failure");
    return result;
  }
  if (!fake_has_context())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (!image)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUmod_st *module = calloc(1, sizeof *module);
  if (!module)
    return CUDA_ERROR_OUT_OF_MEMORY;
  fakecuda_module_load load = {.cubin = fake_cubin_is_elf(image)};
  result = load.cubin ? fake_cubin_parse(image, module, &load.sm_version, error_log, error_size)
                      : parse_module(image, module, &load.sm_version, error_log, error_size);
  if (result == CUDA_SUCCESS)
    result = check_architecture(&load, error_log, error_size);
  if (result != CUDA_SUCCESS) {
    free(module->functions);
    free(module);
    return result;
  }
  load.entry_count = module->function_count;
  fake_record_module_load(&load);
  char info[160];
  snprintf(info, sizeof info, "%s info    : (fakecuda) %d entries parsed",
           load.cubin ? "cubin" : "ptxas", module->function_count);
  write_log(info_log, info_size, info);
  fake_object_add(module, free_module);
  *out_module = module;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuModuleUnload(CUmodule module) {
  return fake_object_destroy("cuModuleUnload", module, free_module, CUDA_ERROR_INVALID_HANDLE);
}

FAKE_EXPORT CUresult cuModuleGetFunction(CUfunction *out_function, CUmodule module,
                                         const char *name) {
  CUresult result = fake_enter("cuModuleGetFunction");
  if (result != CUDA_SUCCESS)
    return result;
  if (!module || !name)
    return CUDA_ERROR_INVALID_VALUE;
  for (int i = 0; i < module->function_count; i++)
    if (strcmp(module->functions[i].name, name) == 0) {
      /* Bound now, as a real driver resolves entries: a module may hold kernels that no
       * program of this process uses. An entry without host code cannot run here. */
      if (!module->functions[i].twin.host_fn && find_twin(&module->functions[i]) != 0)
        return CUDA_ERROR_NOT_FOUND;
      *out_function = &module->functions[i];
      return CUDA_SUCCESS;
    }
  return CUDA_ERROR_NOT_FOUND;
}

FAKE_EXPORT CUresult cuFuncSetAttribute(CUfunction function, CUfunction_attribute attribute,
                                        int value) {
  CUresult result = fake_enter("cuFuncSetAttribute");
  if (result != CUDA_SUCCESS)
    return result;
  if (!function || attribute != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES || value < 0 ||
      value > 227 * 1024)
    return CUDA_ERROR_INVALID_VALUE;
  function->max_dynamic_shared = value;
  return CUDA_SUCCESS;
}

static void record(const struct CUfunc_st *function, const unsigned grid[3],
                   const unsigned block[3], unsigned shared_bytes, void **params) {
  fakecuda_launch launch = {.shared_bytes = shared_bytes, .param_count = function->param_count};
  snprintf(launch.name, sizeof launch.name, "%s", function->name);
  memcpy(launch.grid, grid, sizeof launch.grid);
  memcpy(launch.block, block, sizeof launch.block);
  for (uint32_t i = 0; i < function->param_count && i < FAKECUDA_RECORDED_PARAMS; i++) {
    uint32_t size = function->param_sizes[i] < 8 ? function->param_sizes[i] : 8;
    memcpy(&launch.params[i], params[i], size);
  }
  fake_record_launch(&launch);
}

static CUresult run_blocks(const struct CUfunc_st *function, const unsigned grid[3],
                           const unsigned block[3], unsigned shared_bytes, void **params) {
  size_t shared =
      function->twin.shared_bytes > shared_bytes ? function->twin.shared_bytes : shared_bytes;
  size_t scratch = function->twin.scratch_bytes;
  void *shared_memory = aligned_alloc(16, (shared + 15) / 16 * 16 + 16);
  void *scratch_memory = aligned_alloc(16, (scratch + 15) / 16 * 16 + 16);
  if (!shared_memory || !scratch_memory) {
    free(shared_memory);
    free(scratch_memory);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  dlrt_host_launch launch = {.shared_memory = shared_memory, .scratch = scratch_memory};
  memcpy(launch.grid, grid, sizeof launch.grid);
  memcpy(launch.block, block, sizeof launch.block);
  for (unsigned z = 0; z < grid[2]; z++)
    for (unsigned y = 0; y < grid[1]; y++)
      for (unsigned x = 0; x < grid[0]; x++) {
        launch.block_index[0] = x;
        launch.block_index[1] = y;
        launch.block_index[2] = z;
        function->twin.host_fn(params, &launch);
      }
  free(shared_memory);
  free(scratch_memory);
  return CUDA_SUCCESS;
}

CUresult fake_launch_check(const struct CUfunc_st *function, const unsigned grid[3],
                           const unsigned block[3], unsigned shared_bytes, void **params) {
  unsigned long long threads = (unsigned long long)block[0] * block[1] * block[2];
  unsigned limit = function->max_dynamic_shared > (int)DEFAULT_SHARED_LIMIT
                       ? (unsigned)function->max_dynamic_shared
                       : DEFAULT_SHARED_LIMIT;
  if (!grid[0] || !grid[1] || !grid[2] || threads == 0 || threads > 1024 || shared_bytes > limit ||
      (function->param_count && !params))
    return CUDA_ERROR_INVALID_VALUE;
  return CUDA_SUCCESS;
}

CUresult fake_launch_run(const struct CUfunc_st *function, const unsigned grid[3],
                         const unsigned block[3], unsigned shared_bytes, void **params) {
  record(function, grid, block, shared_bytes, params);
  return run_blocks(function, grid, block, shared_bytes, params);
}

/* Runs at once (the fake has no queue), or is added to the graph its stream captures. */
FAKE_EXPORT CUresult cuLaunchKernel(CUfunction function, unsigned grid_x, unsigned grid_y,
                                    unsigned grid_z, unsigned block_x, unsigned block_y,
                                    unsigned block_z, unsigned shared_bytes, CUstream stream,
                                    void **params, void **extra) {
  CUresult result = fake_enter_in_context("cuLaunchKernel");
  if (result != CUDA_SUCCESS)
    return result;
  if (!function)
    return CUDA_ERROR_INVALID_HANDLE;
  unsigned grid[3] = {grid_x, grid_y, grid_z}, block[3] = {block_x, block_y, block_z};
  result = extra ? CUDA_ERROR_INVALID_VALUE
                 : fake_launch_check(function, grid, block, shared_bytes, params);
  if (result != CUDA_SUCCESS)
    return result;
  struct CUgraph_st *capture = fake_stream_capture(stream);
  if (capture)
    return fake_graph_add_launch(capture, function, grid, block, shared_bytes, params);
  return fake_launch_run(function, grid, block, shared_bytes, params);
}
