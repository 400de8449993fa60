/* One thread per output element (per_output.h). */
#include "codegen/ops/per_output.h"

#include "codegen/ops/movement_util.h"
#include "ir/infer.h"

static const char *const NAMES[PO_MAX_INPUTS + 1] = {"in0", "in1", "in2", "in3", "in4",
                                                      "in5", "in6", "in7", "out"};

int po_begin(lower_context *ctx, const ir_node *node, lower_result *out, const char *what,
             po_kernel *kernel) {
  if (node->num_inputs > PO_MAX_INPUTS)
    return ir_node_error(ctx->diag, node, "has more than %d inputs", PO_MAX_INPUTS);
  for (int i = -1; i < node->num_inputs; i++) {
    const ir_value *value = i < 0 ? node->outputs[0] : node->inputs[i];
    if (value && ir_dtype_is_packed(value->type.dtype))
      return ir_node_error(ctx->diag, node, "no kernel for packed type %s",
                           ir_dtype_name(value->type.dtype));
    if (value && i >= 0 && mv_check_sizes(node, i, ctx->diag) != 0)
      return -1;
  }
  if (mv_check_sizes(node, -1, ctx->diag) != 0 ||
      !ir_type_element_count(&node->outputs[0]->type, &kernel->count))
    return -1;
  const char *name = lower_kernel_name(ctx, node, what);
  lower_launch *launch = mv_add_launch(ctx, node, out, name, kernel->count);
  if (!launch)
    return -1;
  kb_param params[PO_MAX_INPUTS + 1];
  int count = 0, slot[PO_MAX_INPUTS];
  for (int i = 0; i < node->num_inputs; i++) {
    slot[i] = -1;
    if (!ir_node_input(node, i))
      continue;
    lower_add_arg(launch, LOWER_ARG_INPUT, i);
    slot[i] = count;
    params[count++] = (kb_param){NAMES[i], KB_PARAM_PTR};
  }
  lower_add_arg(launch, LOWER_ARG_OUTPUT, 0);
  params[count++] = (kb_param){NAMES[PO_MAX_INPUTS], KB_PARAM_PTR};
  kernel_builder *kb = ctx->kb;
  kernel->index = mv_kernel_begin(kb, name, params, count, kernel->count);
  for (int i = 0; i < PO_MAX_INPUTS; i++)
    kernel->input[i] = i < node->num_inputs && slot[i] >= 0 ? kb_param_value(kb, slot[i]) : NULL;
  kernel->output = kb_param_value(kb, count - 1);
  return 0;
}

int po_end(lower_context *ctx, const ir_node *node) {
  if (mv_kernel_end(ctx->kb) != 0 || kb_failed(ctx->kb))
    return ir_node_error(ctx->diag, node, "could not build the %s kernel", ir_op_name(node->op));
  return 0;
}
