/* Runs single-node lowerings on the host twin and checks their PTX (see op_harness.h). */
#include "op_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/infer.h"

static int64_t value_bytes(const ir_value *value) {
  int64_t bytes = 0;
  if (!value || !ir_type_byte_size(&value->type, &bytes))
    return -1;
  return bytes;
}

static void *aligned_zeroed(size_t bytes) {
  size_t rounded = (bytes + 63) & ~(size_t)63;
  void *memory = aligned_alloc(64, rounded ? rounded : 64);
  if (memory)
    memset(memory, 0, rounded ? rounded : 64);
  return memory;
}

/* Runs one launch: every block of the grid, in order. */
static int run_launch(kb_jit *jit, const kb_kernel_info *info, const lower_launch *launch,
                      void *const *pointers, int input_count, void *workspace, dl_diag *diag) {
  dlrt_host_block_fn fn = kb_jit_lookup(jit, launch->kernel);
  uint64_t *storage = calloc((size_t)launch->arg_count + 1, sizeof(*storage));
  void **params = calloc((size_t)launch->arg_count + 1, sizeof(*params));
  if (!fn || !storage || !params) {
    free(storage);
    free(params);
    return -1;
  }
  for (int i = 0; i < launch->arg_count; i++) {
    const lower_arg *arg = &launch->args[i];
    switch (arg->kind) {
    case LOWER_ARG_INPUT:
    case LOWER_ARG_OUTPUT:
      memcpy(&storage[i], &pointers[(arg->kind == LOWER_ARG_OUTPUT ? input_count : 0) + arg->index],
             sizeof(void *));
      break;
    case LOWER_ARG_VALUE: /* single nodes read only their inputs */
      break;
    case LOWER_ARG_WORKSPACE: {
      char *at = (char *)workspace + arg->scalar;
      memcpy(&storage[i], &at, sizeof(void *));
      break;
    }
    case LOWER_ARG_I32: {
      int32_t v = (int32_t)arg->scalar;
      memcpy(&storage[i], &v, sizeof(v));
      break;
    }
    case LOWER_ARG_I64:
      memcpy(&storage[i], &arg->scalar, sizeof(int64_t));
      break;
    case LOWER_ARG_F32:
      memcpy(&storage[i], &arg->f, sizeof(float));
      break;
    }
    params[i] = &storage[i];
  }
  void *shared = aligned_zeroed(info->shared_bytes);
  void *scratch = aligned_zeroed(info->host_scratch_bytes);
  if (!shared || !scratch) {
    free(shared);
    free(scratch);
    free(storage);
    free(params);
    return dl_error(diag, "out of memory");
  }
  dlrt_host_launch host = {.shared_memory = shared, .scratch = scratch};
  memcpy(host.grid, launch->grid, sizeof(host.grid));
  memcpy(host.block, launch->block, sizeof(host.block));
  for (uint32_t z = 0; z < launch->grid[2]; z++)
    for (uint32_t y = 0; y < launch->grid[1]; y++)
      for (uint32_t x = 0; x < launch->grid[0]; x++) {
        host.block_index[0] = x, host.block_index[1] = y, host.block_index[2] = z;
        fn(params, &host);
      }
  free(shared);
  free(scratch);
  free(storage);
  free(params);
  return 0;
}

int op_harness_run(const ir_graph *graph, const ir_node *node, const void *const *inputs,
                   void **outputs, dl_diag *diag) {
  kb_target_options target = {.kind = KB_TARGET_HOST, .opt_level = 2};
  kernel_builder *kb = kb_create(&target, "op_harness", diag);
  if (!kb)
    return -1;
  lower_context ctx = {.kb = kb, .graph = graph, .kernel_prefix = "t", .diag = diag};
  lower_result result;
  kb_jit *jit = NULL;
  void *workspace = NULL;
  void **pointers = NULL;
  int status = -1;
  for (int i = 0; i < node->num_outputs; i++)
    outputs[i] = NULL;
  if (lower_node(&ctx, node, &result) != 0 || kb_failed(kb))
    goto done;
  if (result.launch_count == 0) {
    dl_error(diag, "node '%s' lowered to no launch", node->name);
    goto done;
  }
  if (!(jit = kb_jit_create(kb, diag)))
    goto done;
  pointers = calloc((size_t)(node->num_inputs + node->num_outputs) + 1, sizeof(*pointers));
  if (!pointers) {
    dl_error(diag, "out of memory");
    goto done;
  }
  for (int i = 0; i < node->num_inputs; i++) {
    const ir_value *input = node->inputs[i];
    pointers[i] = (void *)(inputs && inputs[i] ? inputs[i] : input ? input->data : NULL);
  }
  for (int i = 0; i < node->num_outputs; i++) {
    int64_t bytes = value_bytes(node->outputs[i]);
    if (bytes < 0 || !(outputs[i] = aligned_zeroed((size_t)bytes))) {
      dl_error(diag, "cannot allocate output %d of node '%s'", i, node->name);
      goto done;
    }
    /* Poison outputs so a kernel that skips elements is caught. */
    memset(outputs[i], 0xff, (size_t)bytes);
    pointers[node->num_inputs + i] = outputs[i];
  }
  workspace = aligned_zeroed((size_t)result.workspace_bytes);
  for (int l = 0; l < result.launch_count; l++) {
    const kb_kernel_info *info = kb_kernel_info_find(kb, result.launches[l].kernel);
    if (!info) {
      dl_error(diag, "launch of unknown kernel '%s'", result.launches[l].kernel);
      goto done;
    }
    if (run_launch(jit, info, &result.launches[l], pointers, node->num_inputs, workspace, diag) != 0)
      goto done;
  }
  status = 0;
done:
  free(workspace);
  free(pointers);
  if (jit)
    kb_jit_destroy(jit);
  kb_destroy(kb);
  if (status != 0)
    for (int i = 0; i < node->num_outputs; i++) {
      free(outputs[i]);
      outputs[i] = NULL;
    }
  return status;
}

static int run_ptxas(const char *ptx, size_t size, const char *sm, dl_diag *diag) {
  char path[] = "/tmp/dlcc_ptx_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return dl_error(diag, "cannot create a temporary PTX file");
  int ok = write(fd, ptx, size) == (ssize_t)size;
  close(fd);
  char command[512];
  snprintf(command, sizeof(command),
           "/usr/local/cuda/bin/ptxas -arch=%s -o /dev/null %s 2>&1", sm, path);
  FILE *pipe = ok ? popen(command, "r") : NULL;
  char log[2048] = "";
  size_t got = pipe ? fread(log, 1, sizeof(log) - 1, pipe) : 0;
  log[got] = '\0';
  int rc = pipe ? pclose(pipe) : -1;
  unlink(path);
  if (rc != 0)
    return dl_error(diag, "ptxas -arch=%s failed: %s", sm, log);
  return 0;
}

int op_harness_check_ptx(const ir_graph *graph, const ir_node *node, dl_diag *diag) {
  static const char *const ARCHES[] = {"sm_75", "sm_80", "sm_90"};
  for (size_t a = 0; a < sizeof(ARCHES) / sizeof(ARCHES[0]); a++) {
    kb_target_options target = {.kind = KB_TARGET_NVPTX, .sm = ARCHES[a], .opt_level = 3};
    kernel_builder *kb = kb_create(&target, "op_harness", diag);
    if (!kb)
      return -1;
    lower_context ctx = {.kb = kb, .graph = graph, .kernel_prefix = "t", .diag = diag};
    lower_result result;
    char *ptx = NULL;
    size_t size = 0;
    int status = -1;
    if (lower_node(&ctx, node, &result) == 0 && !kb_failed(kb) &&
        kb_emit_ptx(kb, &ptx, &size) == 0) {
      if (strstr(ptx, ".extern .func"))
        dl_error(diag, "PTX for %s calls an external function", ARCHES[a]);
      else
        status = run_ptxas(ptx, size, ARCHES[a], diag);
    }
    free(ptx);
    kb_destroy(kb);
    if (status != 0)
      return -1;
  }
  return 0;
}

double op_harness_excess(const float *actual, const float *expected, size_t n, double rtol,
                         double atol, size_t *out_worst) {
  double worst = -INFINITY;
  size_t worst_index = 0;
  for (size_t i = 0; i < n; i++) {
    double a = actual[i], e = expected[i];
    double excess = (isnan(a) != isnan(e)) ? INFINITY
                    : isnan(a)             ? -1.0
                                           : fabs(a - e) - (atol + rtol * fabs(e));
    if (excess > worst) {
      worst = excess;
      worst_index = i;
    }
  }
  if (out_worst)
    *out_worst = worst_index;
  return worst;
}
