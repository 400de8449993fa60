/* Runs single-node lowerings on the host twin and checks their PTX (see op_harness.h). */
#include "op_harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dlrt/sanitizer.h"
#include "ir/infer.h"

int64_t op_harness_dims[OP_HARNESS_MAX_OUTPUTS][IR_MAX_RANK];

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

/* The node's workspace and its counters (zeroed once, like the runtime's counter region). */
typedef struct node_scratch {
  void *workspace;
  int64_t workspace_bytes;
  void *counters;
  int64_t counter_bytes;
} node_scratch;

/* What each pointer argument of a launch addresses (for the sanitizer's bounds). */
static uint64_t arg_bytes(const ir_node *node, const lower_arg *arg, const node_scratch *scratch) {
  int64_t bytes = arg->kind == LOWER_ARG_INPUT       ? value_bytes(node->inputs[arg->index])
                  : arg->kind == LOWER_ARG_OUTPUT     ? value_bytes(node->outputs[arg->index])
                  : arg->kind == LOWER_ARG_WORKSPACE  ? scratch->workspace_bytes - arg->scalar
                  : arg->kind == LOWER_ARG_COUNTERS   ? scratch->counter_bytes - arg->scalar
                  : arg->kind == LOWER_ARG_OUTPUT_DIMS
                      ? node->outputs[arg->index]->type.rank * (int64_t)sizeof(int64_t)
                      : 0;
  return bytes > 0 ? (uint64_t)bytes : 0;
}

static int run_checked(dlrt_sanitizer *sanitizer, dlrt_host_block_fn fn, const kb_kernel_info *info,
                       const ir_node *node, const lower_launch *launch, void **params,
                       const uint64_t *storage, const node_scratch *scratch, dl_diag *diag) {
  dlrt_sanitizer_buffer *args = calloc((size_t)launch->arg_count + 1, sizeof *args);
  if (!args)
    return dl_error(diag, "out of memory");
  for (int i = 0; i < launch->arg_count; i++) {
    uint64_t bytes = arg_bytes(node, &launch->args[i], scratch);
    args[i] = (dlrt_sanitizer_buffer){bytes ? (const void *)(uintptr_t)storage[i] : NULL, bytes};
  }
  dlrt_sanitizer_launch checked = {.kernel = launch->kernel,
                                   .fn = fn,
                                   .params = params,
                                   .param_count = (uint32_t)launch->arg_count,
                                   .args = args,
                                   .shared_bytes = (uint32_t)info->shared_bytes,
                                   .scratch_bytes = (uint32_t)info->host_scratch_bytes};
  memcpy(checked.grid, launch->grid, sizeof checked.grid);
  memcpy(checked.block, launch->block, sizeof checked.block);
  int reports = dlrt_sanitizer_run(sanitizer, &checked);
  free(args);
  if (reports != 0)
    return dl_error(diag,
                    "sanitizer: %d reports for kernel '%s' of node '%s' (races %llu, sync %llu, "
                    "memory %llu, initialization %llu)",
                    reports, launch->kernel, node->name,
                    (unsigned long long)dlrt_sanitizer_report_count(sanitizer, DLRT_CHECK_RACE),
                    (unsigned long long)dlrt_sanitizer_report_count(sanitizer, DLRT_CHECK_SYNC),
                    (unsigned long long)dlrt_sanitizer_report_count(sanitizer, DLRT_CHECK_MEMORY),
                    (unsigned long long)dlrt_sanitizer_report_count(sanitizer, DLRT_CHECK_INIT));
  return 0;
}

/* Runs one launch: every block of the grid, in order. */
static int run_launch(kb_jit *jit, const kb_kernel_info *info, const lower_launch *launch,
                      void *const *pointers, const node_scratch *scratch,
                      dlrt_sanitizer *sanitizer, const ir_node *node, dl_diag *diag) {
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
    case LOWER_ARG_OUTPUT: {
      /* outputs follow the inputs; inputs bound packed have their packed copy after them */
      int at = arg->kind == LOWER_ARG_OUTPUT ? node->num_inputs
               : arg->packing.rows           ? node->num_inputs + node->num_outputs
                                             : 0;
      memcpy(&storage[i], &pointers[at + arg->index], sizeof(void *));
      break;
    }
    case LOWER_ARG_VALUE: /* single nodes read only their inputs */
    case LOWER_ARG_INDEX_ERROR_WORD: /* the harness lowers without index checks */
    case LOWER_ARG_INDEX_SITE:
      break;
    case LOWER_ARG_OUTPUT_DIMS: {
      int64_t *at = op_harness_dims[arg->index];
      memcpy(&storage[i], &at, sizeof(void *));
      break;
    }
    case LOWER_ARG_WORKSPACE:
    case LOWER_ARG_COUNTERS: {
      void *base = arg->kind == LOWER_ARG_WORKSPACE ? scratch->workspace : scratch->counters;
      char *at = (char *)base + arg->scalar;
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
  if (sanitizer) {
    int status = run_checked(sanitizer, fn, info, node, launch, params, storage, scratch, diag);
    free(storage);
    free(params);
    return status;
  }
  void *shared = aligned_zeroed(info->shared_bytes);
  void *block_scratch = aligned_zeroed(info->host_scratch_bytes);
  if (!shared || !block_scratch) {
    free(shared);
    free(block_scratch);
    free(storage);
    free(params);
    return dl_error(diag, "out of memory");
  }
  dlrt_host_launch host = {.shared_memory = shared, .scratch = block_scratch};
  memcpy(host.grid, launch->grid, sizeof(host.grid));
  memcpy(host.block, launch->block, sizeof(host.block));
  for (uint32_t z = 0; z < launch->grid[2]; z++)
    for (uint32_t y = 0; y < launch->grid[1]; y++)
      for (uint32_t x = 0; x < launch->grid[0]; x++) {
        host.block_index[0] = x, host.block_index[1] = y, host.block_index[2] = z;
        fn(params, &host);
      }
  free(shared);
  free(block_scratch);
  free(storage);
  free(params);
  return 0;
}

/* The inputs and the (zeroed) counters count as written; outputs and the workspace do not. */
static int track_buffers(dlrt_sanitizer *sanitizer, const ir_node *node, void *const *pointers,
                         const node_scratch *scratch) {
  int status = 0;
  for (int i = 0; i < node->num_inputs; i++) {
    if (pointers[i])
      status |= dlrt_sanitizer_track(sanitizer, pointers[i], (uint64_t)value_bytes(node->inputs[i]),
                                     "an input", 1, 0);
    void *packed = pointers[node->num_inputs + node->num_outputs + i];
    if (packed)
      status |= dlrt_sanitizer_track(sanitizer, packed, (uint64_t)value_bytes(node->inputs[i]),
                                     "a packed input", 1, 0);
  }
  for (int i = 0; i < node->num_outputs; i++)
    status |= dlrt_sanitizer_track(sanitizer, pointers[node->num_inputs + i],
                                   (uint64_t)value_bytes(node->outputs[i]), "an output", 0, 0);
  if (scratch->workspace_bytes)
    status |= dlrt_sanitizer_track(sanitizer, scratch->workspace,
                                   (uint64_t)scratch->workspace_bytes, "the workspace", 0, 0);
  if (scratch->counter_bytes)
    status |= dlrt_sanitizer_track(sanitizer, scratch->counters, (uint64_t)scratch->counter_bytes,
                                   "the counters", 1, 0);
  for (int i = 0; i < node->num_outputs && i < OP_HARNESS_MAX_OUTPUTS; i++)
    if (ir_op_has_flag(node->op, IR_OP_FLAG_DATA_DEPENDENT))
      status |= dlrt_sanitizer_track(sanitizer, op_harness_dims[i],
                                     sizeof(int64_t) * (uint64_t)node->outputs[i]->type.rank,
                                     "a dims record", 0, 0);
  return status;
}

int op_harness_sanitizing(void) {
  const char *flag = getenv("DLCC_OP_SANITIZE");
  return flag && *flag && strcmp(flag, "0") != 0;
}

int op_harness_run(const ir_graph *graph, const ir_node *node, const void *const *inputs,
                   void **outputs, dl_diag *diag) {
  return op_harness_run_mutated(graph, node, inputs, outputs, op_harness_sanitizing(), 0, 0, diag);
}

/* Inputs that launches bind packed (lower_arg.packing: a constant the program would hold
 * packed in its weights) get the same layout here: pointers[inputs + outputs + i] is input
 * i's packed copy. One packing per input (a lowering reads its weight one way). */
static int pack_inputs(const ir_node *node, const lower_result *result, void **pointers,
                       dl_diag *diag) {
  void **packed = pointers + node->num_inputs + node->num_outputs;
  for (int l = 0; l < result->launch_count; l++)
    for (int a = 0; a < result->launches[l].arg_count; a++) {
      const lower_arg *arg = &result->launches[l].args[a];
      if (arg->kind != LOWER_ARG_INPUT || !arg->packing.rows || packed[arg->index])
        continue;
      const ir_value *input = node->inputs[arg->index];
      size_t size = ir_dtype_size(input->type.dtype);
      int64_t bytes = value_bytes(input), rows = arg->packing.rows, cols = arg->packing.cols;
      const char *from = pointers[arg->index];
      char *to = aligned_zeroed((size_t)bytes);
      if (!to || !from)
        return dl_error(diag, "cannot pack input %d of node '%s'", arg->index, node->name);
      packed[arg->index] = to;
      for (int64_t base = 0; base < bytes / (int64_t)size; base += rows * cols)
        for (int64_t r = 0; r < rows; r++)
          for (int64_t c = 0; c < cols; c++)
            memcpy(to + (size_t)(base + c * rows + r) * size,
                   from + (size_t)(base + r * cols + c) * size, size);
    }
  return 0;
}

/* Kernels that count leave their counters at 0 for the next run. */
static int check_counters_reset(const ir_node *node, const node_scratch *scratch, dl_diag *diag) {
  const uint32_t *counters = scratch->counters;
  for (int64_t i = 0; i < scratch->counter_bytes / (int64_t)sizeof(uint32_t); i++)
    if (counters[i] != 0)
      return dl_error(diag, "node '%s' left counter %lld at %u (counters must end at 0)",
                      node->name, (long long)i, counters[i]);
  return 0;
}

int op_harness_run_mutated(const ir_graph *graph, const ir_node *node, const void *const *inputs,
                           void **outputs, int sanitize, int drop_barrier, int drop_fence,
                           dl_diag *diag) {
  kb_target_options target = {.kind = KB_TARGET_HOST,
                              .opt_level = 2,
                              .sanitize = sanitize != 0,
                              .test_drop_barrier = drop_barrier,
                              .test_drop_fence = drop_fence};
  dlrt_sanitizer *sanitizer = NULL;
  kernel_builder *kb = kb_create(&target, "op_harness", diag);
  if (!kb)
    return -1;
  lower_context ctx = {.kb = kb, .graph = graph, .kernel_prefix = "t", .diag = diag};
  lower_result result;
  kb_jit *jit = NULL;
  node_scratch scratch = {0};
  void **pointers = NULL;
  int status = -1;
  for (int i = 0; i < node->num_outputs; i++)
    outputs[i] = NULL;
  memset(op_harness_dims, 0xff, sizeof op_harness_dims); /* poisoned like the outputs */
  if (lower_node(&ctx, node, &result) != 0 || kb_failed(kb))
    goto done;
  if (result.launch_count == 0) {
    dl_error(diag, "node '%s' lowered to no launch", node->name);
    goto done;
  }
  if (!(jit = kb_jit_create(kb, diag)))
    goto done;
  pointers = calloc((size_t)(2 * node->num_inputs + node->num_outputs) + 1, sizeof(*pointers));
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
  if (pack_inputs(node, &result, pointers, diag) != 0)
    goto done;
  scratch = (node_scratch){aligned_zeroed((size_t)result.workspace_bytes), result.workspace_bytes,
                           aligned_zeroed((size_t)result.counter_bytes), result.counter_bytes};
  if (!scratch.workspace || !scratch.counters) {
    dl_error(diag, "out of memory");
    goto done;
  }
  if (sanitize) {
    dlrt_sanitizer_options options = {.max_printed = 4};
    if (!(sanitizer = dlrt_sanitizer_create(&options)) ||
        track_buffers(sanitizer, node, pointers, &scratch) != 0) {
      dl_error(diag, "out of memory");
      goto done;
    }
  }
  for (int l = 0; l < result.launch_count; l++) {
    const kb_kernel_info *info = kb_kernel_info_find(kb, result.launches[l].kernel);
    if (!info) {
      dl_error(diag, "launch of unknown kernel '%s'", result.launches[l].kernel);
      goto done;
    }
    if (run_launch(jit, info, &result.launches[l], pointers, &scratch, sanitizer, node, diag) != 0)
      goto done;
  }
  status = check_counters_reset(node, &scratch, diag);
done:
  dlrt_sanitizer_destroy(sanitizer);
  free(scratch.workspace);
  free(scratch.counters);
  for (int i = 0; pointers && i < node->num_inputs; i++)
    free(pointers[node->num_inputs + node->num_outputs + i]);
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

/* The most of `count(info)` over the kernels of the node's lowering; -1 on error. */
static int max_over_kernels(const ir_graph *graph, const ir_node *node,
                            int (*count)(const kb_kernel_info *info), dl_diag *diag) {
  kb_target_options target = {.kind = KB_TARGET_HOST};
  kernel_builder *kb = kb_create(&target, "op_harness", diag);
  if (!kb)
    return -1;
  lower_context ctx = {.kb = kb, .graph = graph, .kernel_prefix = "t", .diag = diag};
  lower_result result;
  int most = -1;
  if (lower_node(&ctx, node, &result) == 0 && !kb_failed(kb)) {
    most = 0;
    for (int i = 0; i < kb_kernel_count(kb); i++)
      if (count(kb_kernel_info_at(kb, i)) > most)
        most = count(kb_kernel_info_at(kb, i));
  }
  kb_destroy(kb);
  return most;
}

static int barriers_of(const kb_kernel_info *info) { return info->barrier_count; }
static int fences_of(const kb_kernel_info *info) { return info->fence_count; }

int op_harness_max_barriers(const ir_graph *graph, const ir_node *node, dl_diag *diag) {
  return max_over_kernels(graph, node, barriers_of, diag);
}

int op_harness_max_fences(const ir_graph *graph, const ir_node *node, dl_diag *diag) {
  return max_over_kernels(graph, node, fences_of, diag);
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
  if (op_harness_sanitizing())
    return 0; /* the same test's plain run checks the PTX */
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
