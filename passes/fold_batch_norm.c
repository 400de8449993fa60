/* Pass fold-batchnorm: an inference BatchNormalization whose input only a Conv produces and
 * reads nothing else, with constant f32 parameters, folds into the Conv's weights and bias:
 *   s = scale / sqrt(var + epsilon),  W'[o] = W[o] * s[o],  B'[o] = (B[o] - mean[o]) * s[o] + bias[o]
 * (computed in double, rounded once to f32). The Conv then produces the normalization's
 * output value, which keeps its name; the old weights go when dce finds them unused. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/rewrite.h"

static bool f32_constant(const ir_value *value) {
  return value && value->kind == IR_VALUE_CONSTANT && value->data &&
         value->type.dtype == IR_DTYPE_F32;
}

/* The Conv a BatchNormalization can fold into, or NULL. */
static ir_node *foldable_conv(const ir_node *norm, const int *uses) {
  const ir_value *x = norm->inputs[0];
  ir_node *conv = x->producer;
  if (!conv || conv->op != IR_OP_CONV || conv->parent != norm->parent || uses[x->id] != 1 ||
      dl_region_yields(norm->parent, x) || !f32_constant(conv->inputs[1]) ||
      (conv->num_inputs > 2 && conv->inputs[2] && !f32_constant(conv->inputs[2])))
    return NULL;
  for (int k = 1; k < 5; k++)
    if (!f32_constant(norm->inputs[k]))
      return NULL;
  for (int j = 1; j < norm->num_outputs; j++)
    if (uses[norm->outputs[j]->id] != 0)
      return NULL;
  const ir_attr *training = ir_node_attr(norm, "training_mode");
  return training && training->as.i != 0 ? NULL : conv;
}

static const float *data_of(const ir_value *value) { return value->data; }

/* The folded weights and bias as new constants; -1 when out of memory or the shapes are not
 * those of a Conv's per-output-channel parameters. */
static int fold(ir_graph *graph, ir_node *conv, const ir_node *norm, float epsilon) {
  const ir_value *weights = conv->inputs[1];
  const ir_value *bias = conv->num_inputs > 2 ? conv->inputs[2] : NULL;
  int64_t total = 0, channels = weights->type.dims[0];
  if (!ir_type_element_count(&weights->type, &total) || channels <= 0 || total % channels)
    return -1;
  int64_t per_channel = total / channels;
  float *new_weights = malloc(sizeof(float) * (size_t)total);
  float *new_bias = malloc(sizeof(float) * (size_t)channels);
  int status = new_weights && new_bias ? 0 : -1;
  const float *scale = data_of(norm->inputs[1]), *shift = data_of(norm->inputs[2]);
  const float *mean = data_of(norm->inputs[3]), *var = data_of(norm->inputs[4]);
  for (int64_t o = 0; status == 0 && o < channels; o++) {
    double s = (double)scale[o] / sqrt((double)var[o] + (double)epsilon);
    for (int64_t i = 0; i < per_channel; i++)
      new_weights[o * per_channel + i] = (float)(data_of(weights)[o * per_channel + i] * s);
    double b = bias ? (double)data_of(bias)[o] : 0.0;
    new_bias[o] = (float)((b - (double)mean[o]) * s + (double)shift[o]);
  }
  ir_type bias_type = {.dtype = IR_DTYPE_F32, .rank = 1, .dims = {channels}};
  ir_value *folded_weights =
      status ? NULL
             : ir_graph_add_constant_copy(graph, ir_graph_unique_name(graph, weights->name),
                                          weights->type, new_weights);
  ir_value *folded_bias =
      status ? NULL
             : ir_graph_add_constant_copy(
                   graph, ir_graph_unique_name(graph, bias ? bias->name : weights->name),
                   bias_type, new_bias);
  free(new_weights);
  free(new_bias);
  if (!folded_weights || !folded_bias)
    return -1;
  if (conv->num_inputs < 3) {
    ir_value **inputs = ir_arena_alloc_array(graph->arena, 3, sizeof(ir_value *));
    if (!inputs)
      return -1;
    memcpy(inputs, conv->inputs, sizeof(ir_value *) * (size_t)conv->num_inputs);
    conv->inputs = inputs;
    conv->num_inputs = 3;
  }
  conv->inputs[1] = folded_weights;
  conv->inputs[2] = folded_bias;
  return 0;
}

int dl_pass_fold_batch_norm(ir_graph *graph, dl_diag *diag) {
  int *uses = dl_count_uses(graph);
  if (!uses)
    return dl_error(diag, "fold-batchnorm: out of memory");
  int status = 0;
  ir_node *node = ir_graph_next_node(graph, NULL);
  while (node && status == 0) {
    ir_node *next = ir_graph_next_node(graph, node);
    ir_node *conv = node->op == IR_OP_BATCH_NORMALIZATION ? foldable_conv(node, uses) : NULL;
    float epsilon;
    if (conv && ir_attr_float_default(node, "epsilon", &epsilon, diag) == 0) {
      if (fold(graph, conv, node, epsilon) != 0) {
        status = ir_node_error(diag, node, "fold-batchnorm: out of memory");
        break;
      }
      /* The Conv produces the normalization's output value, under its name. */
      ir_value *output = node->outputs[0];
      conv->outputs[0] = output;
      output->producer = conv;
      output->producer_index = 0;
      ir_region_remove(node->parent, node);
      status = ir_infer_node(graph, conv, diag);
    }
    node = next;
  }
  free(uses);
  return status;
}
