/* Dims records of data-dependent outputs: the check that only graph outputs read them, their
 * place in the arena and their mark in the program's output descriptions. */
#include "codegen/program/output_dims.h"

#include "codegen/program/buffer_plan.h"
#include "ir/infer.h"

static bool is_data_dependent(const ir_value *value) {
  return value && value->kind == IR_VALUE_RESULT && value->producer &&
         ir_op_has_flag(value->producer->op, IR_OP_FLAG_DATA_DEPENDENT);
}

int dl_output_dims_check(const ir_graph *graph, dl_diag *diag) {
  int status = 0;
  for (ir_node *node = graph->body.first; node; node = node->next)
    for (int i = 0; i < node->num_inputs; i++) {
      const ir_value *input = node->inputs[i];
      if (!is_data_dependent(input))
        continue;
      const ir_node *producer = input->producer;
      status = ir_node_error(diag, node,
                             "reads '%s', whose size node '%s' (%s) decides at run time; dlcc "
                             "supports data-dependent sizes on graph outputs only",
                             input->name, producer->name, ir_op_name(producer->op));
      break;
    }
  return status;
}

void dl_output_dims_place(const ir_graph *graph, int64_t *records, uint64_t *arena_size) {
  for (int i = 0; i < graph->num_values; i++)
    records[i] = DL_NO_DIMS_RECORD;
  uint64_t at = *arena_size;
  for (ir_node *node = graph->body.first; node; node = node->next) {
    if (!ir_op_has_flag(node->op, IR_OP_FLAG_DATA_DEPENDENT))
      continue;
    for (int o = 0; o < node->num_outputs; o++) {
      records[node->outputs[o]->id] = (int64_t)at;
      at += (uint64_t)node->outputs[o]->type.rank * sizeof(int64_t);
    }
  }
  if (at != *arena_size) /* the records live through the whole run, like the index word */
    *arena_size = (at + DL_BUFFER_ALIGN - 1) / DL_BUFFER_ALIGN * DL_BUFFER_ALIGN;
}

void dl_output_dims_describe(const ir_graph *graph, const int64_t *records,
                             dlrt_tensor_desc *outputs) {
  for (int i = 0; i < graph->body.num_results; i++) {
    const ir_value *value = graph->body.results[i];
    if (records[value->id] == DL_NO_DIMS_RECORD)
      continue;
    outputs[i].flags |= DLRT_TENSOR_DATA_DEPENDENT;
    outputs[i].dims_offset = (uint64_t)records[value->id];
  }
}
