/* NAME.json: what a bundle holds, for scripts and build systems — targets, PTX and cubin
 * sizes, every input and output (ONNX name, C name, dtype, shape, bytes), the states (name,
 * dtype, shape, bytes, offset in the weights), memory sizes and the kernel list. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/bundle/bundle_internal.h"

static cJSON *tensor_json(const dlrt_tensor_desc *tensor, const char *c_name) {
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "name", tensor->name);
  cJSON_AddStringToObject(json, "c_name", c_name);
  cJSON_AddStringToObject(json, "dtype", dl_bundle_dtype_name(tensor->dtype));
  cJSON *shape = cJSON_AddArrayToObject(json, "shape");
  for (uint32_t d = 0; d < tensor->rank; d++)
    cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)tensor->dims[d]));
  cJSON_AddNumberToObject(json, "bytes", (double)dlrt_tensor_bytes(tensor));
  if (tensor->bound_value)
    cJSON_AddBoolToObject(json, "bound", 1);
  return json;
}

static void add_tensors(cJSON *json, const char *key, const dlrt_tensor_desc *tensors,
                        uint32_t count, char **c_names) {
  cJSON *list = cJSON_AddArrayToObject(json, key);
  for (uint32_t i = 0; i < count; i++)
    cJSON_AddItemToArray(list, tensor_json(&tensors[i], c_names[i]));
}

/* States have no C names (the application reaches them by index through libdlrt). */
static void add_states(cJSON *json, const dlrt_program *program) {
  cJSON *list = cJSON_AddArrayToObject(json, "states");
  for (uint32_t i = 0; i < program->state_count; i++) {
    const dlrt_tensor_desc *state = &program->states[i];
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "name", state->name);
    cJSON_AddStringToObject(item, "dtype", dl_bundle_dtype_name(state->dtype));
    cJSON *shape = cJSON_AddArrayToObject(item, "shape");
    for (uint32_t d = 0; d < state->rank; d++)
      cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)state->dims[d]));
    cJSON_AddNumberToObject(item, "bytes", (double)dlrt_tensor_bytes(state));
    cJSON_AddNumberToObject(item, "weights_offset", (double)state->arena_offset);
    cJSON_AddItemToArray(list, item);
  }
}

static void add_kernels(cJSON *json, const dlrt_program *program) {
  cJSON *list = cJSON_AddArrayToObject(json, "kernels");
  for (uint32_t i = 0; i < program->kernel_count; i++) {
    const dlrt_kernel *kernel = &program->kernels[i];
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "name", kernel->name);
    cJSON_AddNumberToObject(item, "params", kernel->param_count);
    cJSON_AddNumberToObject(item, "shared_bytes", kernel->shared_bytes);
    cJSON_AddItemToArray(list, item);
  }
}

/* Per GPU target, what the bundle carries for it: PTX bytes and cubin bytes (0: none). */
static void add_modules(cJSON *json, const dlrt_program *program) {
  cJSON *list = cJSON_AddArrayToObject(json, "gpu_modules");
  for (uint32_t i = 0; i < program->module_count; i++) {
    const dlrt_ptx_module *module = &program->modules[i];
    char target[16];
    snprintf(target, sizeof target, "sm_%u", module->sm_version);
    cJSON *item = cJSON_CreateObject();
    cJSON_AddStringToObject(item, "target", target);
    cJSON_AddNumberToObject(item, "ptx_bytes", (double)strlen(module->ptx));
    cJSON_AddNumberToObject(item, "cubin_bytes", (double)module->cubin_size);
    cJSON_AddItemToArray(list, item);
  }
}

char *dl_bundle_json(const dl_compiled *compiled, const dlrt_program *program,
                     const dl_bundle_names *names, const dl_bundle_options *options) {
  const dl_compile_stats *stats = dl_compiled_stats(compiled);
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "name", options->name);
  cJSON_AddNumberToObject(json, "program_abi_version", program->abi_version);
  cJSON *targets = cJSON_AddArrayToObject(json, "targets");
  for (int i = 0; i < options->num_targets; i++)
    cJSON_AddItemToArray(targets, cJSON_CreateString(options->targets[i]));
  add_modules(json, program);
  cJSON_AddStringToObject(json, "weights", options->separate_weights ? "separate" : "embedded");
  add_tensors(json, "inputs", program->inputs, program->input_count, names->inputs);
  add_tensors(json, "outputs", program->outputs, program->output_count, names->outputs);
  add_states(json, program);
  cJSON_AddNumberToObject(json, "arena_bytes", (double)program->arena_size);
  cJSON_AddNumberToObject(json, "live_lower_bound_bytes", (double)stats->live_lower_bound);
  cJSON_AddNumberToObject(json, "weight_bytes", (double)program->weights_size);
  cJSON_AddNumberToObject(json, "counter_bytes", (double)program->counter_bytes);
  cJSON_AddNumberToObject(json, "host_workspace_bytes",
                          (double)dl_bundle_host_workspace_bytes(program, options));
  char checksum[17];
  snprintf(checksum, sizeof checksum, "%016llx", (unsigned long long)program->weights_checksum);
  cJSON_AddStringToObject(json, "weights_checksum", checksum);
  cJSON_AddNumberToObject(json, "launches", program->launch_count);
  /* Nodes whose kernels check their indices (dlcc compile --check-indices). */
  cJSON_AddNumberToObject(json, "index_checks", program->index_check_count);
  add_kernels(json, program);
  char *text = cJSON_Print(json);
  cJSON_Delete(json);
  if (!text)
    return NULL;
  /* A plain malloc'ed copy with a final newline, so callers free() every file alike. */
  size_t length = strlen(text);
  char *copy = malloc(length + 2);
  if (copy) {
    memcpy(copy, text, length);
    memcpy(copy + length, "\n", 2);
  }
  cJSON_free(text);
  return copy;
}
