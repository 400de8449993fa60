/* `dlcc compile --report=FILE.json`: the --stats figures as JSON, built with libcjson. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <string.h>

#include "tools/dlcc/compile_stats.h"

static cJSON *ptxas_kernel_json(const kb_ptxas_kernel *kernel) {
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "name", kernel->name);
  cJSON_AddNumberToObject(json, "registers", kernel->registers);
  cJSON_AddNumberToObject(json, "spill_store_bytes", kernel->spill_store_bytes);
  cJSON_AddNumberToObject(json, "spill_load_bytes", kernel->spill_load_bytes);
  cJSON_AddNumberToObject(json, "stack_bytes", kernel->stack_bytes);
  cJSON_AddNumberToObject(json, "shared_bytes", kernel->shared_bytes);
  return json;
}

/* null for the host target; {"found": false} when ptxas is missing. */
static cJSON *ptxas_json(const compile_stats *stats) {
  if (!stats->ptxas_path)
    return cJSON_CreateNull();
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "path", stats->ptxas_path);
  cJSON_AddBoolToObject(json, "found", stats->ptxas_ran);
  if (!stats->ptxas_ran)
    return json;
  cJSON_AddStringToObject(json, "arch", stats->options->target);
  cJSON *kernels = cJSON_AddArrayToObject(json, "kernels");
  for (int i = 0; kernels && i < stats->ptxas.kernel_count; i++)
    cJSON_AddItemToArray(kernels, ptxas_kernel_json(&stats->ptxas.kernels[i]));
  compile_ptxas_total total = compile_stats_ptxas_total(stats);
  cJSON *sum = cJSON_AddObjectToObject(json, "total");
  cJSON_AddNumberToObject(sum, "kernels", stats->ptxas.kernel_count);
  cJSON_AddNumberToObject(sum, "max_registers", total.max_registers);
  cJSON_AddNumberToObject(sum, "spill_store_bytes", total.spill_store_bytes);
  cJSON_AddNumberToObject(sum, "spill_load_bytes", total.spill_load_bytes);
  cJSON_AddNumberToObject(sum, "stack_bytes", total.stack_bytes);
  cJSON_AddNumberToObject(sum, "max_shared_bytes", total.max_shared_bytes);
  return json;
}

static cJSON *triple_json(const uint32_t *values) {
  cJSON *json = cJSON_CreateArray();
  for (int i = 0; json && i < 3; i++)
    cJSON_AddItemToArray(json, cJSON_CreateNumber(values[i]));
  return json;
}

/* The ONNX nodes a launch computes: a group's body, else the node itself. */
static cJSON *covered_nodes_json(const ir_node *node) {
  cJSON *json = cJSON_CreateArray();
  if (!node->body)
    cJSON_AddItemToArray(json, cJSON_CreateString(node->name ? node->name : ""));
  for (const ir_node *inner = node->body ? node->body->first : NULL; inner; inner = inner->next)
    cJSON_AddItemToArray(json, cJSON_CreateString(inner->name ? inner->name : ""));
  return json;
}

static const kb_ptxas_kernel *ptxas_kernel(const compile_stats *stats, const char *name) {
  for (int i = 0; stats->ptxas_ran && i < stats->ptxas.kernel_count; i++)
    if (strcmp(stats->ptxas.kernels[i].name, name) == 0)
      return &stats->ptxas.kernels[i];
  return NULL;
}

/* One entry per launch, in schedule order: what it runs, on what, and its modeled cost. */
static cJSON *per_kernel_json(const compile_stats *stats) {
  const dlrt_program *program = dl_compiled_program(stats->compiled);
  const ir_node *const *nodes = dl_compiled_launch_ir_nodes(stats->compiled);
  cJSON *json = cJSON_CreateArray();
  for (uint32_t i = 0; json && i < program->launch_count; i++) {
    const dlrt_launch *launch = &program->launches[i];
    const char *name = program->kernels[launch->kernel].name;
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "name", name);
    cJSON_AddItemToObject(entry, "nodes", covered_nodes_json(nodes[i]));
    cJSON_AddItemToObject(entry, "grid", triple_json(launch->grid));
    cJSON_AddItemToObject(entry, "block", triple_json(launch->block));
    cJSON_AddNumberToObject(entry, "bytes", (double)stats->launch_bytes[i]);
    cJSON_AddNumberToObject(entry, "flops", (double)stats->launch_flops[i]);
    const kb_ptxas_kernel *ptxas = ptxas_kernel(stats, name);
    if (ptxas) {
      cJSON_AddNumberToObject(entry, "registers", ptxas->registers);
      cJSON_AddNumberToObject(entry, "spill_store_bytes", ptxas->spill_store_bytes);
      cJSON_AddNumberToObject(entry, "spill_load_bytes", ptxas->spill_load_bytes);
      cJSON_AddNumberToObject(entry, "shared_bytes", ptxas->shared_bytes);
    }
    cJSON_AddItemToArray(json, entry);
  }
  return json;
}

static cJSON *stages_json(const cli_stages *stages) {
  cJSON *json = cJSON_CreateArray();
  for (int i = 0; json && stages && i < stages->count; i++) {
    cJSON *stage = cJSON_CreateObject();
    cJSON_AddStringToObject(stage, "stage", stages->names[i]);
    cJSON_AddNumberToObject(stage, "nodes", stages->nodes[i]);
    cJSON_AddItemToArray(json, stage);
  }
  return json;
}

static cJSON *report_json(const compile_stats *stats) {
  const compile_options *options = stats->options;
  const dl_compile_stats *program = &stats->program;
  cJSON *json = cJSON_CreateObject();
  cJSON_AddStringToObject(json, "model", options->model_path);
  cJSON_AddStringToObject(json, "name", stats->name);
  cJSON_AddStringToObject(json, "target", options->target ? options->target : "host");
  cJSON_AddStringToObject(json, "emit", compile_emit_name(options->emit));
  cJSON_AddStringToObject(json, "output", options->output_path);
  cJSON_AddNumberToObject(json, "opt_level", options->opt_level);
  cJSON_AddStringToObject(json, "precision", dl_precision_name(options->precision));
  cJSON_AddNumberToObject(json, "kernels", program->kernel_count);
  cJSON_AddNumberToObject(json, "launches", program->launch_count);
  cJSON_AddNumberToObject(json, "views", program->view_count);
  cJSON_AddNumberToObject(json, "arena_bytes", (double)program->arena_bytes);
  cJSON_AddNumberToObject(json, "live_lower_bound_bytes", (double)program->live_lower_bound);
  cJSON_AddNumberToObject(json, "in_place_outputs", program->in_place_count);
  cJSON_AddStringToObject(json, "memory_plan", program->memory_plan ? program->memory_plan : "");
  cJSON_AddNumberToObject(json, "weight_bytes", (double)program->weight_bytes);
  if (stats->graph->source_nodes >= 0)
    cJSON_AddNumberToObject(json, "onnx_nodes", (double)stats->graph->source_nodes);
  else
    cJSON_AddNullToObject(json, "onnx_nodes");
  cJSON_AddItemToObject(json, "stages", stages_json(stats->stages));
  cJSON_AddNumberToObject(json, "dram_bytes", (double)stats->dram_bytes);
  cJSON_AddNumberToObject(json, "flops", (double)stats->flops);
  cJSON_AddItemToObject(json, "per_kernel", per_kernel_json(stats));
  cJSON_AddItemToObject(json, "ptxas", ptxas_json(stats));
  return json;
}

int compile_stats_write_json(const compile_stats *stats, FILE *out, dl_diag *diag) {
  cJSON *json = report_json(stats);
  char *text = json ? cJSON_Print(json) : NULL;
  cJSON_Delete(json);
  if (!text)
    return dl_error(diag, "out of memory while writing the report");
  int status = fputs(text, out) < 0 || fputc('\n', out) == EOF ? -1 : 0;
  cJSON_free(text);
  return status;
}
