/* dl_compile_graph: lowers each node for the host and for every PTX target with the same
 * lowering calls, checks both give the same launches, and fills a dlrt_program. */
#include "codegen/program/compile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/kernel_builder.h"
#include "dlrt.h"
#include "codegen/program/buffer_plan.h"
#include "codegen/program/dlrt_dtype.h"
#include "codegen/program/graph_lowering.h"
#include "codegen/program/output_dims.h"
#include "ir/infer.h"
#include "ir/state.h"

struct dl_compiled {
  dlrt_program program;
  dl_compile_stats stats;
  kernel_builder *host_builder;
  kb_jit *jit;
  char **ptx; /* one per PTX target */
  int ptx_count;
  dlrt_ptx_module *modules;
  dlrt_kernel *kernels;
  char **kernel_names;
  dlrt_launch *launches;
  char **launch_nodes; /* the node each launch belongs to (for profiles) */
  const ir_node **launch_ir_nodes; /* the same nodes, the graph's */
  dlrt_arg *args;
  dlrt_tensor_desc *inputs, *outputs, *states;
  dl_state_copies updates; /* the nodes of the update copies' launches (launch_ir_nodes) */
  int64_t *dims; /* storage for the tensor descriptions' dims */
  void *weights;
  char **index_check_sites; /* "node 'NAME' (Op)" of each index check site */
  int64_t *dims_records;     /* per value id: its dims record's arena offset (output_dims.h) */
};

/* Same launches, and each runs a kernel of the same name in both (after merging). */
static int same_launches(const lower_result *a, kernel_builder *a_kb, const lower_result *b,
                         kernel_builder *b_kb) {
  if (a->launch_count != b->launch_count || a->workspace_bytes != b->workspace_bytes ||
      a->counter_bytes != b->counter_bytes)
    return 0;
  for (int i = 0; i < a->launch_count; i++) {
    const lower_launch *x = &a->launches[i], *y = &b->launches[i];
    const kb_kernel_info *x_kernel = kb_kernel_info_find(a_kb, x->kernel);
    const kb_kernel_info *y_kernel = kb_kernel_info_find(b_kb, y->kernel);
    if (strcmp(x->kernel, y->kernel) != 0 || !x_kernel || !y_kernel ||
        strcmp(x_kernel->name, y_kernel->name) != 0 || memcmp(x->grid, y->grid, sizeof(x->grid)) ||
        memcmp(x->block, y->block, sizeof(x->block)) || x->arg_count != y->arg_count)
      return 0;
    for (int a = 0; a < x->arg_count; a++)
      if (!lower_args_equal(&x->args[a], &y->args[a]))
        return 0;
  }
  return 1;
}

/* Names and bound values are the graph's: the program lives no longer than the graph. */
static void describe_tensor(const ir_graph *graph, const dl_buffer_plan *plan,
                            const ir_value *value, dlrt_tensor_desc *out, int64_t *dims) {
  memcpy(dims, value->type.dims, sizeof(int64_t) * (size_t)value->type.rank);
  const ir_value *bound = ir_graph_bound_value(graph, value);
  *out = (dlrt_tensor_desc){.name = value->name,
                            .dtype = dl_dlrt_dtype(value->type.dtype),
                            .rank = (uint32_t)value->type.rank,
                            .dims = dims,
                            .arena_offset = plan->values[value->id].offset,
                            .bound_value = bound ? bound->data : NULL};
}

/* Turns a lowering's argument into a runtime argument bound to the planned buffers. */
/* Where a node's launch arguments point: its workspace and, with index checks, the error word
 * and the node's site number (0 when it has none). */
typedef struct node_binding {
  uint64_t workspace_offset;
  int64_t workspace_bytes;
  uint64_t counter_offset; /* in the program's counter region */
  int64_t counter_bytes;
  uint64_t index_error_offset;
  uint32_t index_site;
  const int64_t *dims_records;
} node_binding;

static dlrt_arg bind_arg(const ir_node *node, const lower_arg *arg, const dl_buffer_plan *plan,
                         const node_binding *binding) {
  const ir_value *value = NULL;
  switch (arg->kind) {
  case LOWER_ARG_INPUT:
    value = node->inputs[arg->index];
    break;
  case LOWER_ARG_OUTPUT:
    value = node->outputs[arg->index];
    break;
  case LOWER_ARG_VALUE:
    value = arg->value;
    break;
  case LOWER_ARG_WORKSPACE:
    return (dlrt_arg){DLRT_ARG_ARENA, 0, binding->workspace_offset + (uint64_t)arg->scalar,
                      (uint64_t)(binding->workspace_bytes - arg->scalar)};
  case LOWER_ARG_COUNTERS:
    return (dlrt_arg){DLRT_ARG_COUNTERS, 0, binding->counter_offset + (uint64_t)arg->scalar,
                      (uint64_t)(binding->counter_bytes - arg->scalar)};
  case LOWER_ARG_INDEX_ERROR_WORD:
    return (dlrt_arg){DLRT_ARG_ARENA, 0, binding->index_error_offset, sizeof(uint32_t)};
  case LOWER_ARG_INDEX_SITE:
    return (dlrt_arg){DLRT_ARG_I32, 0, binding->index_site, 0};
  case LOWER_ARG_OUTPUT_DIMS:
    return (dlrt_arg){DLRT_ARG_ARENA, 0,
                      (uint64_t)binding->dims_records[node->outputs[arg->index]->id],
                      (uint64_t)node->outputs[arg->index]->type.rank * sizeof(int64_t)};
  case LOWER_ARG_I32:
    return (dlrt_arg){DLRT_ARG_I32, 0, (uint64_t)(uint32_t)arg->scalar, 0};
  case LOWER_ARG_I64:
    return (dlrt_arg){DLRT_ARG_I64, 0, (uint64_t)arg->scalar, 0};
  case LOWER_ARG_F32: {
    uint32_t bits;
    memcpy(&bits, &arg->f, sizeof(bits));
    return (dlrt_arg){DLRT_ARG_F32, 0, bits, 0};
  }
  }
  int64_t bytes = 0; /* the tensor's extent, for the sanitizer's bounds */
  ir_type_byte_size(&value->type, &bytes);
  if (arg->packing.rows) { /* collected for this very argument: dl_packed_weights_collect */
    const dl_packed_weight *packed =
        dl_packed_weight_find(plan, ir_buffer_root(value), arg->packing);
    return (dlrt_arg){DLRT_ARG_WEIGHT, 0, packed->offset, (uint64_t)bytes};
  }
  const dl_location *location = &plan->values[value->id];
  return (dlrt_arg){location->kind == DL_LOCATION_WEIGHT ? DLRT_ARG_WEIGHT : DLRT_ARG_ARENA, 0,
                    location->offset, (uint64_t)bytes};
}

static int fill_kernels(dl_compiled *compiled, bool sanitize, dl_diag *diag) {
  kernel_builder *kb = compiled->host_builder;
  int count = kb_kernel_count(kb);
  compiled->kernels = calloc((size_t)count + 1, sizeof(dlrt_kernel));
  compiled->kernel_names = calloc((size_t)count + 1, sizeof(char *));
  if (!compiled->kernels || !compiled->kernel_names)
    return dl_error(diag, "out of memory");
  for (int i = 0; i < count; i++) {
    const kb_kernel_info *info = kb_kernel_info_at(kb, i);
    compiled->kernel_names[i] = strdup(info->name);
    dlrt_host_block_fn fn = compiled->jit ? kb_jit_lookup(compiled->jit, info->name) : NULL;
    if (!compiled->kernel_names[i] || (compiled->jit && !fn))
      return dl_error(diag, "kernel '%s' has no host twin", info->name);
    compiled->kernels[i] = (dlrt_kernel){.name = compiled->kernel_names[i],
                                         .host_fn = fn,
                                         .param_count = (uint32_t)info->param_count,
                                         .shared_bytes = (uint32_t)info->shared_bytes,
                                         .scratch_bytes = (uint32_t)info->host_scratch_bytes,
                                         .flags = sanitize ? DLRT_KERNEL_CHECKED : 0};
  }
  compiled->program.kernels = compiled->kernels;
  compiled->program.kernel_count = (uint32_t)count;
  compiled->stats.kernel_count = count;
  return 0;
}

static bool checks_indices(const lower_result *result) {
  for (int l = 0; l < result->launch_count; l++)
    for (int a = 0; a < result->launches[l].arg_count; a++)
      if (result->launches[l].args[a].kind == LOWER_ARG_INDEX_SITE)
        return true;
  return false;
}

/* Numbers the nodes whose kernels check indices (sites 1, 2, ... in schedule order, so the
 * first failing launch's site is the one recorded), names them, and puts the error word
 * after everything else in the arena (it lives through the whole run). */
static int fill_index_sites(dl_compiled *compiled, const ir_graph *graph,
                            const lower_result *results, uint32_t *sites, dl_diag *diag) {
  uint32_t count = 0;
  int position = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, position++)
    sites[position] = checks_indices(&results[position]) ? ++count : 0;
  if (!count)
    return 0;
  compiled->index_check_sites = calloc((size_t)count + 1, sizeof(char *));
  if (!compiled->index_check_sites)
    return dl_error(diag, "out of memory");
  dlrt_program *program = &compiled->program;
  program->index_check_count = count;
  program->index_check_sites = (const char *const *)compiled->index_check_sites;
  position = 0;
  for (ir_node *node = graph->body.first; node; node = node->next, position++) {
    if (!sites[position])
      continue;
    const char *op = ir_op_name(node->op);
    size_t size = strlen(op) + (node->name ? strlen(node->name) : 0) + 16;
    char *site = malloc(size);
    if (!site)
      return dl_error(diag, "out of memory");
    snprintf(site, size, "node '%s' (%s)", node->name ? node->name : op, op);
    compiled->index_check_sites[sites[position] - 1] = site;
  }
  program->index_check_offset = program->arena_size;
  program->arena_size += DL_BUFFER_ALIGN;
  return 0;
}

/* Dims records of data-dependent outputs after the index word, marked in the outputs. */
static int fill_output_dims(dl_compiled *compiled, const ir_graph *graph, dl_diag *diag) {
  compiled->dims_records = calloc((size_t)graph->num_values + 1, sizeof(int64_t));
  if (!compiled->dims_records)
    return dl_error(diag, "out of memory");
  dl_output_dims_place(graph, compiled->dims_records, &compiled->program.arena_size);
  dl_output_dims_describe(graph, compiled->dims_records, compiled->outputs);
  return 0;
}

/* The launches of body node `position` (or, past the body, of a state update's copy). */
static int add_node_launches(dl_compiled *compiled, const ir_node *node, const lower_result *result,
                             const node_binding *binding, const dl_buffer_plan *plan,
                             int *launch_at, int *arg_at, dl_diag *diag) {
  for (int l = 0; l < result->launch_count; l++) {
    const lower_launch *source = &result->launches[l];
    int kernel = kb_kernel_index(compiled->host_builder, source->kernel);
    if (kernel < 0)
      return ir_node_error(diag, node, "launch of undefined kernel '%s'", source->kernel);
    compiled->launch_nodes[*launch_at] = strdup(node->name ? node->name : ir_op_name(node->op));
    if (!compiled->launch_nodes[*launch_at])
      return dl_error(diag, "out of memory");
    compiled->launch_ir_nodes[*launch_at] = node;
    dlrt_launch *launch = &compiled->launches[(*launch_at)++];
    launch->kernel = (uint32_t)kernel;
    memcpy(launch->grid, source->grid, sizeof(launch->grid));
    memcpy(launch->block, source->block, sizeof(launch->block));
    launch->arg_count = (uint32_t)source->arg_count;
    launch->args = &compiled->args[*arg_at];
    for (int a = 0; a < source->arg_count; a++)
      compiled->args[(*arg_at)++] = bind_arg(node, &source->args[a], plan, binding);
  }
  return 0;
}

/* Every body node's launches in order, then the copies of the state updates: they run after
 * everything that reads a state. */
static int fill_launches(dl_compiled *compiled, const ir_graph *graph,
                         const dl_graph_lowering *lowering, const dl_buffer_plan *plan,
                         const uint32_t *sites, dl_diag *diag) {
  const lower_result *results = lowering->results;
  int total = lowering->node_count + lowering->updates.count;
  int launch_count = 0, arg_count = 0;
  for (int position = 0; position < total; position++) {
    launch_count += results[position].launch_count;
    for (int l = 0; l < results[position].launch_count; l++)
      arg_count += results[position].launches[l].arg_count;
  }
  compiled->launches = calloc((size_t)launch_count + 1, sizeof(dlrt_launch));
  compiled->launch_nodes = calloc((size_t)launch_count + 1, sizeof(char *));
  compiled->launch_ir_nodes = calloc((size_t)launch_count + 1, sizeof(ir_node *));
  compiled->args = calloc((size_t)arg_count + 1, sizeof(dlrt_arg));
  if (!compiled->launches || !compiled->launch_nodes || !compiled->launch_ir_nodes ||
      !compiled->args)
    return dl_error(diag, "out of memory");
  int launch_at = 0, arg_at = 0, position = 0;
  uint64_t counter_offset = 0; /* each node's counters after the previous node's */
  for (ir_node *node = graph->body.first; node;
       counter_offset += (uint64_t)results[position].counter_bytes, node = node->next, position++) {
    node_binding binding = {.workspace_offset = plan->workspace_offsets[position],
                            .workspace_bytes = results[position].workspace_bytes,
                            .counter_offset = counter_offset,
                            .counter_bytes = results[position].counter_bytes,
                            .index_error_offset = compiled->program.index_check_offset,
                            .index_site = sites[position],
                            .dims_records = compiled->dims_records};
    if (add_node_launches(compiled, node, &results[position], &binding, plan, &launch_at,
                          &arg_at, diag) != 0)
      return -1;
  }
  for (int i = 0; i < lowering->updates.count; i++) {
    const lower_result *result = &results[lowering->node_count + i];
    if (result->workspace_bytes || result->counter_bytes)
      return dl_error(diag, "compiler bug: the copy of a state update needs a workspace");
    node_binding binding = {.index_error_offset = compiled->program.index_check_offset,
                            .dims_records = compiled->dims_records};
    if (add_node_launches(compiled, &lowering->updates.nodes[i], result, &binding, plan,
                          &launch_at, &arg_at, diag) != 0)
      return -1;
  }
  compiled->program.launches = compiled->launches;
  compiled->program.launch_count = (uint32_t)launch_count;
  compiled->program.counter_bytes = counter_offset;
  compiled->stats.launch_count = launch_count;
  return 0;
}

static int fill_weights_and_io(dl_compiled *compiled, const ir_graph *graph,
                               const dl_buffer_plan *plan, dl_diag *diag) {
  compiled->weights =
      aligned_alloc(DL_BUFFER_ALIGN, plan->weight_bytes ? plan->weight_bytes : DL_BUFFER_ALIGN);
  int io_count = graph->body.num_params + graph->body.num_results + graph->num_states;
  compiled->dims = calloc((size_t)io_count * IR_MAX_RANK + 1, sizeof(int64_t));
  compiled->inputs = calloc((size_t)graph->body.num_params + 1, sizeof(dlrt_tensor_desc));
  compiled->outputs = calloc((size_t)graph->body.num_results + 1, sizeof(dlrt_tensor_desc));
  compiled->states = calloc((size_t)graph->num_states + 1, sizeof(dlrt_tensor_desc));
  if (!compiled->weights || !compiled->dims || !compiled->inputs || !compiled->outputs ||
      !compiled->states)
    return dl_error(diag, "out of memory");
  memset(compiled->weights, 0, plan->weight_bytes);
  for (int i = 0; i < graph->num_constants; i++) {
    const ir_value *constant = graph->constants[i];
    int64_t bytes;
    if (plan->values[constant->id].kind != DL_LOCATION_WEIGHT ||
        !ir_type_byte_size(&constant->type, &bytes))
      continue;
    memcpy((char *)compiled->weights + plan->values[constant->id].offset, constant->data,
           (size_t)bytes);
  }
  for (int i = 0; i < graph->num_states; i++) { /* initial values; placed by the plan */
    const ir_value *state = graph->states[i];
    int64_t bytes = 0;
    ir_type_byte_size(&state->type, &bytes);
    memcpy((char *)compiled->weights + plan->values[state->id].offset, state->data, (size_t)bytes);
  }
  for (int i = 0; i < plan->num_packed; i++)
    dl_packed_weight_write(&plan->packed[i], compiled->weights);
  int64_t *dims = compiled->dims;
  for (int i = 0; i < graph->body.num_params; i++, dims += IR_MAX_RANK)
    describe_tensor(graph, plan, graph->body.params[i], &compiled->inputs[i], dims);
  for (int i = 0; i < graph->body.num_results; i++, dims += IR_MAX_RANK)
    describe_tensor(graph, plan, graph->body.results[i], &compiled->outputs[i], dims);
  for (int i = 0; i < graph->num_states; i++, dims += IR_MAX_RANK)
    describe_tensor(graph, plan, graph->states[i], &compiled->states[i], dims);
  dlrt_program *program = &compiled->program;
  program->weights = compiled->weights;
  program->weights_size = plan->weight_bytes;
  program->weights_checksum = dlrt_weights_checksum(compiled->weights, plan->weight_bytes);
  program->arena_size = plan->arena_bytes ? plan->arena_bytes : DL_BUFFER_ALIGN;
  program->inputs = compiled->inputs;
  program->input_count = (uint32_t)graph->body.num_params;
  program->outputs = compiled->outputs;
  program->output_count = (uint32_t)graph->body.num_results;
  program->states = compiled->states;
  program->state_count = (uint32_t)graph->num_states;
  return 0;
}

static int emit_ptx_targets(dl_compiled *compiled, const ir_graph *graph,
                            const dl_compile_options *options, const dl_graph_lowering *host,
                            dl_diag *diag) {
  compiled->ptx = calloc((size_t)options->num_ptx_targets + 1, sizeof(char *));
  compiled->modules = calloc((size_t)options->num_ptx_targets + 1, sizeof(dlrt_ptx_module));
  if (!compiled->ptx || !compiled->modules)
    return dl_error(diag, "out of memory");
  for (int t = 0; t < options->num_ptx_targets; t++) {
    const char *sm = options->ptx_targets[t];
    dl_graph_lowering lowering;
    size_t size = 0;
    int status = dl_graph_lowering_build(graph, options, sm, &lowering, diag);
    for (int i = 0; status == 0 && i < host->node_count + host->updates.count; i++)
      if (!same_launches(&host->results[i], host->kb, &lowering.results[i], lowering.kb))
        status = dl_error(diag, "compiler bug: %s and host lowerings launch differently", sm);
    if (status == 0)
      status = kb_emit_ptx(lowering.kb, &compiled->ptx[t], &size);
    dl_graph_lowering_deinit(&lowering);
    if (status != 0)
      return -1;
    compiled->modules[t] =
        (dlrt_ptx_module){.sm_version = (uint32_t)atoi(sm + 3), .ptx = compiled->ptx[t]};
    compiled->ptx_count = t + 1;
  }
  compiled->program.modules = compiled->modules;
  compiled->program.module_count = (uint32_t)compiled->ptx_count;
  return 0;
}

dl_compiled *dl_compile_graph(const ir_graph *graph, const dl_compile_options *options,
                              dl_diag *diag) {
  dl_compiled *compiled = calloc(1, sizeof(dl_compiled));
  if (!compiled) {
    dl_error(diag, "out of memory");
    return NULL;
  }
  const char *name = options->name ? options->name : "main";
  compiled->program.abi_version = DLRT_PROGRAM_ABI_VERSION;
  compiled->program.name = name;
  dl_graph_lowering lowering;
  dl_buffer_plan plan = {0};
  int status = dl_output_dims_check(graph, diag);
  if (status == 0)
    status = dl_graph_lowering_build(graph, options, NULL, &lowering, diag);
  else
    lowering = (dl_graph_lowering){0};
  compiled->host_builder = lowering.kb; /* owned by `compiled` from here on */
  int64_t *workspace = calloc((size_t)lowering.node_count + 1, sizeof(int64_t));
  uint32_t *sites = calloc((size_t)lowering.node_count + 1, sizeof(uint32_t));
  if (status == 0 && (!workspace || !sites))
    status = dl_error(diag, "out of memory");
  for (int i = 0; status == 0 && i < lowering.node_count; i++)
    workspace[i] = lowering.results[i].workspace_bytes;
  if (status == 0)
    status =
        dl_buffer_plan_build(graph, workspace, lowering.results, &lowering.updates, &plan, diag);
  if (status == 0 && options->host_twins &&
      !(compiled->jit = kb_jit_create(compiled->host_builder, diag)))
    status = -1;
  if (status == 0)
    status = fill_kernels(compiled, options->sanitize, diag);
  if (status == 0)
    status = fill_weights_and_io(compiled, graph, &plan, diag);
  if (status == 0)
    status = fill_index_sites(compiled, graph, lowering.results, sites, diag);
  if (status == 0)
    status = fill_output_dims(compiled, graph, diag);
  if (status == 0)
    status = fill_launches(compiled, graph, &lowering, &plan, sites, diag);
  if (status == 0)
    status = emit_ptx_targets(compiled, graph, options, &lowering, diag);
  compiled->stats.arena_bytes = compiled->program.arena_size;
  compiled->stats.live_lower_bound =
      plan.live_lower_bound + (compiled->program.index_check_count ? DL_BUFFER_ALIGN : 0);
  compiled->stats.weight_bytes = plan.weight_bytes;
  compiled->stats.view_count = plan.num_views;
  compiled->stats.in_place_count = plan.in_place_count;
  compiled->stats.memory_plan = plan.source == DL_PLAN_FROM_IR       ? "ir"
                                : plan.source == DL_PLAN_IN_CODEGEN ? "codegen"
                                                                     : "replanned";
  free(lowering.results); /* the builder is compiled->host_builder */
  compiled->updates = lowering.updates;
  free(workspace);
  free(sites);
  dl_buffer_plan_deinit(&plan);
  if (status != 0) {
    dl_compiled_destroy(compiled);
    return NULL;
  }
  return compiled;
}

const dlrt_program *dl_compiled_program(const dl_compiled *compiled) { return &compiled->program; }
const dl_compile_stats *dl_compiled_stats(const dl_compiled *compiled) { return &compiled->stats; }

const char *const *dl_compiled_launch_nodes(const dl_compiled *compiled) {
  return (const char *const *)compiled->launch_nodes;
}

const ir_node *const *dl_compiled_launch_ir_nodes(const dl_compiled *compiled) {
  return compiled->launch_ir_nodes;
}

const char *dl_compiled_ptx(const dl_compiled *compiled, int index) {
  return index >= 0 && index < compiled->ptx_count ? compiled->ptx[index] : NULL;
}

kernel_builder *dl_compiled_host_builder(dl_compiled *compiled) { return compiled->host_builder; }

void dl_compiled_destroy(dl_compiled *compiled) {
  if (!compiled)
    return;
  if (compiled->jit)
    kb_jit_destroy(compiled->jit);
  kb_destroy(compiled->host_builder);
  for (int i = 0; i < compiled->ptx_count; i++)
    free(compiled->ptx[i]);
  free(compiled->ptx);
  for (uint32_t i = 0; compiled->kernel_names && i < compiled->program.kernel_count; i++)
    free(compiled->kernel_names[i]);
  free(compiled->kernel_names);
  free(compiled->modules);
  free(compiled->kernels);
  for (uint32_t i = 0; compiled->launch_nodes && compiled->launch_nodes[i]; i++)
    free(compiled->launch_nodes[i]);
  free(compiled->launch_nodes);
  free(compiled->launch_ir_nodes);
  free(compiled->launches);
  free(compiled->args);
  free(compiled->inputs);
  free(compiled->outputs);
  free(compiled->states);
  dl_state_copies_deinit(&compiled->updates);
  free(compiled->dims);
  free(compiled->weights);
  for (uint32_t i = 0; compiled->index_check_sites && i < compiled->program.index_check_count; i++)
    free(compiled->index_check_sites[i]);
  free(compiled->index_check_sites);
  free(compiled->dims_records);
  free(compiled);
}
