/* Constants packed at compile time for the kernels that read them (lower_arg.packing): the
 * launches say which constant they bind in which layout; each (constant, layout) gets one
 * copy in the weights, and a constant that no launch binds as stored gets none of its own,
 * so the weights hold as many bytes as before (a Conv's weights transposed for its GEMM). */
#include <stdlib.h>
#include <string.h>

#include "codegen/program/buffer_plan.h"
#include "ir/state.h"

static bool same_packing(lower_packing a, lower_packing b) {
  return a.rows == b.rows && a.cols == b.cols;
}

const dl_packed_weight *dl_packed_weight_find(const dl_buffer_plan *plan, const ir_value *constant,
                                              lower_packing packing) {
  for (int i = 0; i < plan->num_packed; i++)
    if (plan->packed[i].constant == constant && same_packing(plan->packed[i].packing, packing))
      return &plan->packed[i];
  return NULL;
}

/* The value an argument binds (the node's input or a value from outside its group). */
static const ir_value *bound_value(const ir_node *node, const lower_arg *arg) {
  if (arg->kind == LOWER_ARG_INPUT)
    return node->inputs[arg->index];
  return arg->kind == LOWER_ARG_VALUE ? arg->value : NULL;
}

static int add_packed(dl_buffer_plan *plan, const ir_value *constant, lower_packing packing,
                      dl_diag *diag) {
  if (dl_packed_weight_find(plan, constant, packing))
    return 0;
  int64_t elements = 0;
  if (!ir_type_element_count(&constant->type, &elements) || !constant->data || packing.rows <= 0 ||
      packing.cols <= 0 || elements % (packing.rows * packing.cols) != 0 ||
      ir_dtype_size(constant->type.dtype) == 0)
    return dl_error(diag, "compiler bug: constant '%s' cannot be packed as %lldx%lld matrices",
                    constant->name, (long long)packing.rows, (long long)packing.cols);
  dl_packed_weight *grown = realloc(plan->packed, sizeof(*grown) * (size_t)(plan->num_packed + 1));
  if (!grown)
    return dl_error(diag, "out of memory");
  plan->packed = grown;
  plan->packed[plan->num_packed++] = (dl_packed_weight){.constant = constant, .packing = packing};
  return 0;
}

int dl_packed_weights_collect(const ir_graph *graph, const lower_result *results,
                              dl_buffer_plan *plan, dl_diag *diag) {
  bool *read_as_stored = calloc((size_t)graph->num_values + 1, sizeof(bool));
  if (!read_as_stored)
    return dl_error(diag, "out of memory");
  /* The end-of-run copies of state updates (their launches follow the body's) read their
   * values as stored. */
  for (int i = 0; i < graph->num_state_updates; i++)
    read_as_stored[ir_buffer_root(graph->state_updates[i].value)->id] = true;
  int status = 0, position = 0;
  for (ir_node *node = graph->body.first; node && status == 0; node = node->next, position++)
    for (int l = 0; l < results[position].launch_count && status == 0; l++) {
      const lower_launch *launch = &results[position].launches[l];
      for (int a = 0; a < launch->arg_count && status == 0; a++) {
        const ir_value *value = bound_value(node, &launch->args[a]);
        const ir_value *root = value ? ir_buffer_root(value) : NULL;
        if (!root || root->kind != IR_VALUE_CONSTANT)
          continue;
        if (launch->args[a].packing.rows == 0)
          read_as_stored[root->id] = true;
        else
          status = add_packed(plan, root, launch->args[a].packing, diag);
      }
    }
  for (int i = 0; status == 0 && i < plan->num_packed; i++)
    if (!read_as_stored[plan->packed[i].constant->id])
      plan->values[plan->packed[i].constant->id].kind = DL_LOCATION_NONE;
  free(read_as_stored);
  return status;
}

void dl_packed_weight_write(const dl_packed_weight *packed, void *weights) {
  const ir_value *constant = packed->constant;
  size_t size = ir_dtype_size(constant->type.dtype);
  int64_t elements = 0;
  ir_type_element_count(&constant->type, &elements);
  int64_t rows = packed->packing.rows, cols = packed->packing.cols, matrix = rows * cols;
  const char *from = constant->data;
  char *to = (char *)weights + packed->offset;
  for (int64_t base = 0; base < elements; base += matrix)
    for (int64_t r = 0; r < rows; r++)
      for (int64_t c = 0; c < cols; c++)
        memcpy(to + (size_t)(base + c * rows + r) * size,
               from + (size_t)(base + r * cols + c) * size, size);
}
