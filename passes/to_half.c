/* Passes to-f16 and to-bf16 (`--precision=f16|bf16`): the model's f32 tensors stored as 16-bit
 * floats, halving the bytes every kernel reads and writes and the weights' size.
 *
 * Walking the top-level nodes in order, a node whose op has IR_OP_FLAG_HALF_STORAGE and whose
 * float outputs are f32 reads 16-bit twins of its f32 inputs (constants converted once, other
 * values through a Cast of their own, fused into the reader) and is inferred again,
 * so its outputs become 16-bit. Any other node keeps f32: it reads an f32 Cast of each input
 * this pass narrowed (Cast itself reads the 16-bit value: widening is exact). Kernels of
 * flagged ops compute in f32, so storage costs rounding alone. A node stays f32 too when one
 * of its constants does not fit the 16-bit type (a finite value that would round to infinity)
 * or when inference refuses the 16-bit inputs. Inputs that decide shapes are left alone.
 * The model's interface does not change: graph inputs stay f32 and each narrowed graph output
 * gets an f32 Cast that takes over the output's name. Casts are elementwise, so `fuse` folds
 * them into the neighbouring kernels. Graphs with states (training steps) are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/build.h"
#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/rewrite.h"

typedef struct half_pass {
  ir_graph *graph;
  dl_diag *diag;
  ir_dtype half;       /* IR_DTYPE_F16 or IR_DTYPE_BF16 */
  int capacity;        /* values that existed when the pass began: the arrays below cover them */
  ir_value **narrowed; /* by id: the 16-bit twin of an f32 constant */
  bool *made_half;     /* by id: a node output this pass retyped */
  bool *does_not_fit;  /* by id: a constant with values out of the 16-bit type's range */
  bool *is_output;     /* by id: a graph output */
  bool out_of_memory;
} half_pass;

static bool covered(const half_pass *pass, const ir_value *value) {
  return value && value->id >= 0 && value->id < pass->capacity;
}

/* "<value>.<dtype>", made unique: the name of `value`'s twin of type `dtype`. */
static const char *twin_name(half_pass *pass, const ir_value *value, ir_dtype dtype) {
  char base[256];
  snprintf(base, sizeof(base), "%s.%s", value->name, ir_dtype_name(dtype));
  return ir_graph_unique_name(pass->graph, base);
}

/* Inference without its messages: a refusal here only means the node keeps f32. */
static bool infer_quietly(ir_graph *graph, ir_node *node) {
  dl_diag scratch;
  dl_diag_init(&scratch);
  bool ok = ir_infer_node(graph, node, &scratch) == 0;
  dl_diag_deinit(&scratch);
  return ok;
}

/* A Cast of `value` to `dtype` named `output_name`, standing before `before` (NULL: at the end
 * of the body). */
static ir_node *add_cast(half_pass *pass, ir_value *value, ir_dtype dtype, ir_node *before,
                         const char *output_name) {
  ir_builder b = {
      .graph = pass->graph, .base = output_name, .diag = pass->diag, .output = output_name};
  ir_value *cast = ir_build_cast(&b, value, dtype);
  if (!cast) {
    pass->out_of_memory = true; /* a Cast between floats always infers */
    return NULL;
  }
  if (before)
    dl_move_before(cast->producer, before);
  return cast->producer;
}

/* The constant's elements in the 16-bit type, or NULL (recorded) when one does not fit. */
static ir_value *narrow_constant(half_pass *pass, ir_value *constant) {
  int64_t count = 0;
  if (!constant->data || !ir_type_element_count(&constant->type, &count))
    return NULL;
  uint16_t *bits = malloc(sizeof(uint16_t) * (size_t)(count > 0 ? count : 1));
  if (!bits) {
    pass->out_of_memory = true;
    return NULL;
  }
  const float *values = constant->data;
  bool fits = true;
  for (int64_t i = 0; i < count && fits; i++) {
    bits[i] = pass->half == IR_DTYPE_F16 ? ir_f32_to_f16(values[i]) : ir_f32_to_bf16(values[i]);
    float back = pass->half == IR_DTYPE_F16 ? ir_f16_to_f32(bits[i]) : ir_bf16_to_f32(bits[i]);
    fits = !isinf(back) || isinf(values[i]);
  }
  ir_type type = constant->type;
  type.dtype = pass->half;
  ir_value *twin = fits ? ir_graph_add_constant_copy(
                              pass->graph, twin_name(pass, constant, pass->half), type, bits)
                        : NULL;
  free(bits);
  if (!fits)
    pass->does_not_fit[constant->id] = true;
  else if (!twin)
    pass->out_of_memory = true;
  return twin;
}

/* A Cast of `value` to `dtype` for `reader` alone: each reader converts as it loads (fuse
 * takes a Cast that nothing else reads into its reader's kernel), which reads no more bytes
 * than storing the converted tensor once and reading it back, and costs no launch. */
static ir_value *cast_for(half_pass *pass, ir_value *value, ir_dtype dtype, ir_node *reader) {
  ir_node *cast = add_cast(pass, value, dtype, reader, twin_name(pass, value, dtype));
  return cast ? cast->outputs[0] : NULL;
}

/* The 16-bit twin of f32 `value` for `reader` (a constant is converted once), or NULL. */
static ir_value *narrow(half_pass *pass, ir_value *value, ir_node *reader) {
  if (!covered(pass, value) || pass->does_not_fit[value->id])
    return NULL;
  if (value->kind != IR_VALUE_CONSTANT)
    return cast_for(pass, value, pass->half, reader);
  if (!pass->narrowed[value->id])
    pass->narrowed[value->id] = narrow_constant(pass, value);
  return pass->narrowed[value->id];
}

static bool writes_graph_output(const half_pass *pass, const ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++)
    if (covered(pass, node->outputs[i]) && pass->is_output[node->outputs[i]->id])
      return true;
  return false;
}

/* A flagged op whose float outputs are f32 and which reads f32 data (as imported, or made
 * 16-bit by this pass). A graph output's producer whose kernel cannot convert as it stores
 * (neither a group root nor an element map: LayerNormalization, Softmax, pools) computes the
 * output in f32 instead, where the Cast after it would be a launch of its own. */
static bool wants_half(const half_pass *pass, const ir_node *node) {
  if (node->body || !ir_op_has_flag(node->op, IR_OP_FLAG_HALF_STORAGE) ||
      (writes_graph_output(pass, node) && !ir_op_can_root_group(node->op) &&
       !ir_op_is_element_map(node->op)))
    return false;
  bool any_f32_input = false;
  for (int i = 0; i < node->num_inputs; i++) {
    const ir_value *input = node->inputs[i];
    any_f32_input |= input && (input->type.dtype == IR_DTYPE_F32 ||
                               (covered(pass, input) && pass->made_half[input->id]));
  }
  for (int i = 0; i < node->num_outputs; i++)
    if (ir_dtype_is_float(node->outputs[i]->type.dtype) &&
        node->outputs[i]->type.dtype != IR_DTYPE_F32)
      return false;
  return any_f32_input;
}

/* Gives `node` 16-bit twins of its f32 inputs; false (node unchanged) when one has none or
 * inference refuses them. */
static bool try_half(half_pass *pass, ir_node *node) {
  ir_value *saved[node->num_inputs > 0 ? node->num_inputs : 1];
  bool was_f32[node->num_outputs > 0 ? node->num_outputs : 1];
  memcpy(saved, node->inputs, sizeof(ir_value *) * (size_t)node->num_inputs);
  for (int i = 0; i < node->num_outputs; i++)
    was_f32[i] = node->outputs[i]->type.dtype == IR_DTYPE_F32;
  bool ok = true;
  for (int i = 0; i < node->num_inputs && ok; i++) {
    ir_value *input = node->inputs[i];
    if (!input || input->type.dtype != IR_DTYPE_F32 || ir_op_input_decides_shape(node->op, i))
      continue;
    ir_value *twin = narrow(pass, input, node);
    ok = twin != NULL;
    if (ok)
      node->inputs[i] = twin;
  }
  if (ok && infer_quietly(pass->graph, node)) {
    for (int i = 0; i < node->num_outputs; i++)
      if (was_f32[i] && node->outputs[i]->type.dtype == pass->half &&
          covered(pass, node->outputs[i]))
        pass->made_half[node->outputs[i]->id] = true;
    return true;
  }
  memcpy(node->inputs, saved, sizeof(ir_value *) * (size_t)node->num_inputs);
  return false; /* keep_f32 infers it again */
}

/* `node` reads f32 Casts of the inputs this pass made 16-bit; `attempted`: try_half changed
 * its output types, which inference sets back. */
static void keep_f32(half_pass *pass, ir_node *node, bool attempted) {
  if (node->op == IR_OP_CAST)
    return; /* not flagged, so never attempted: it reads the 16-bit value (widening is exact) */
  for (int i = 0; i < node->num_inputs; i++) {
    ir_value *input = node->inputs[i];
    if (covered(pass, input) && pass->made_half[input->id]) {
      ir_value *twin = cast_for(pass, input, IR_DTYPE_F32, node);
      if (twin)
        node->inputs[i] = twin;
    }
  }
  if (attempted && !infer_quietly(pass->graph, node))
    pass->out_of_memory = true; /* it inferred with these inputs before */
}

/* Graph output `value` (made 16-bit) becomes the f32 output of a Cast right after its
 * producer, under its own name; the producer's 16-bit result takes the Cast's name and is
 * returned: the nodes that read `value` are to read it instead (forwarded in one sweep). */
static ir_value *restore_output(half_pass *pass, ir_value *value) {
  ir_node *producer = value->producer;
  int index = value->producer_index;
  ir_node *cast =
      add_cast(pass, value, IR_DTYPE_F32, producer->next, twin_name(pass, value, pass->half));
  if (!cast)
    return NULL;
  ir_value *half_value = cast->outputs[0];
  dl_take_output(producer, index, half_value);
  dl_take_output(cast, 0, value);
  ir_type f32_type = half_value->type;
  half_value->type = value->type;
  value->type = f32_type;
  cast->name = value->name;
  pass->made_half[value->id] = false;
  return half_value;
}

/* Restores every narrowed graph output; then every node input that read one (its Cast's
 * included) reads the 16-bit value, while the graph's results keep the f32 ones. */
static void restore_outputs(half_pass *pass) {
  ir_graph *graph = pass->graph;
  ir_value **renamed = calloc((size_t)graph->body.num_results + 1, 2 * sizeof(ir_value *));
  int count = 0;
  for (int i = 0; renamed && i < graph->body.num_results && !pass->out_of_memory; i++) {
    ir_value *output = graph->body.results[i];
    if (!covered(pass, output) || !pass->made_half[output->id])
      continue;
    ir_value *half_value = restore_output(pass, output);
    if (half_value) {
      renamed[2 * count] = output;
      renamed[2 * count++ + 1] = half_value;
    }
  }
  ir_value **forward =
      renamed && count ? calloc((size_t)graph->num_values, sizeof(ir_value *)) : NULL;
  for (int i = 0; forward && i < count; i++)
    forward[renamed[2 * i]->id] = renamed[2 * i + 1];
  for (ir_node *node = ir_graph_next_node(graph, NULL); forward && node;
       node = ir_graph_next_node(graph, node))
    dl_forward_inputs(forward, node);
  pass->out_of_memory |= !renamed || (count && !forward);
  free(forward);
  free(renamed);
}

static int to_half(ir_graph *graph, ir_dtype half, const char *pass_name, dl_diag *diag) {
  if (graph->num_states > 0)
    return dl_error(diag,
                    "%s: the graph has states (a training step); 16-bit storage is for "
                    "inference graphs",
                    pass_name);
  half_pass pass = {.graph = graph, .diag = diag, .half = half, .capacity = graph->num_values};
  size_t count = (size_t)(pass.capacity > 0 ? pass.capacity : 1);
  pass.narrowed = calloc(count, sizeof(ir_value *));
  pass.made_half = calloc(count, sizeof(bool));
  pass.does_not_fit = calloc(count, sizeof(bool));
  pass.is_output = calloc(count, sizeof(bool));
  pass.out_of_memory = !pass.narrowed || !pass.made_half || !pass.does_not_fit || !pass.is_output;
  for (int i = 0; !pass.out_of_memory && i < graph->body.num_results; i++)
    if (covered(&pass, graph->body.results[i]))
      pass.is_output[graph->body.results[i]->id] = true;
  ir_node *last = graph->body.last;
  for (ir_node *node = graph->body.first; node && !pass.out_of_memory; node = node->next) {
    bool attempted = wants_half(&pass, node);
    if (!(attempted && try_half(&pass, node)))
      keep_f32(&pass, node, attempted);
    if (node == last)
      break; /* the Casts added at the end are the pass's own */
  }
  if (!pass.out_of_memory)
    restore_outputs(&pass);
  free(pass.narrowed);
  free(pass.made_half);
  free(pass.does_not_fit);
  free(pass.is_output);
  return pass.out_of_memory ? dl_error(diag, "%s: out of memory", pass_name) : 0;
}

int dl_pass_to_f16(ir_graph *graph, dl_diag *diag) {
  return to_half(graph, IR_DTYPE_F16, "to-f16", diag);
}

int dl_pass_to_bf16(ir_graph *graph, dl_diag *diag) {
  return to_half(graph, IR_DTYPE_BF16, "to-bf16", diag);
}
