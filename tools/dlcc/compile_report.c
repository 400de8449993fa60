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
  cJSON_AddNumberToObject(json, "kernels", program->kernel_count);
  cJSON_AddNumberToObject(json, "launches", program->launch_count);
  cJSON_AddNumberToObject(json, "views", program->view_count);
  cJSON_AddNumberToObject(json, "arena_bytes", (double)program->arena_bytes);
  cJSON_AddNumberToObject(json, "live_lower_bound_bytes", (double)program->live_lower_bound);
  cJSON_AddNumberToObject(json, "weight_bytes", (double)program->weight_bytes);
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
