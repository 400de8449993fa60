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

#include "ir/infer.h"
#include "passes/pass.h"
#include "passes/rewrite.h"

typedef struct half_pass {
  ir_graph *graph;
  ir_dtype half; /* IR_DTYPE_F16 or IR_DTYPE_BF16 */
  const char *suffix;
  int capacity;        /* values that existed when the pass began: the arrays below cover them */
  ir_value **narrowed; /* by id: the 16-bit twin of an f32 constant */
  bool *made_half;     /* by id: a node output this pass retyped */
  bool *does_not_fit;  /* by id: a constant with values out of the 16-bit type's range */
  bool out_of_memory;
} half_pass;

static bool covered(const half_pass *pass, const ir_value *value) {
  return value && value->id >= 0 && value->id < pass->capacity;
}

static const char *twin_name(half_pass *pass, const ir_value *value, const char *suffix) {
  char base[256];
  snprintf(base, sizeof(base), "%s.%s", value->name, suffix);
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

/* A Cast of `value` to `dtype`, standing before `before` (NULL: at the end of the body). */
static ir_node *add_cast(half_pass *pass, ir_value *value, ir_dtype dtype, ir_node *before,
                         const char *output_name) {
  const char *names[1] = {output_name};
  ir_node *cast =
      ir_graph_add_node(pass->graph, NULL, IR_OP_CAST, output_name, &value, 1, names, 1);
  if (!cast || ir_node_set_dtype(pass->graph, cast, "to", dtype) != 0 ||
      !infer_quietly(pass->graph, cast)) {
    pass->out_of_memory = true; /* a Cast between floats always infers */
    return NULL;
  }
  if (before)
    dl_move_before(cast, before);
  return cast;
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
                              pass->graph, twin_name(pass, constant, pass->suffix), type, bits)
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
  ir_node *cast =
      add_cast(pass, value, dtype, reader, twin_name(pass, value, ir_dtype_name(dtype)));
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

static bool writes_graph_output(const ir_graph *graph, const ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++)
    if (dl_region_yields(&graph->body, node->outputs[i]))
      return true;
  return false;
}

/* A flagged op whose float outputs are f32 and which reads f32 data (as imported, or made
 * 16-bit by this pass). A graph output's producer whose kernel cannot convert as it stores
 * (neither a group root nor an element map: LayerNormalization, Softmax, pools) computes the
 * output in f32 instead, where the Cast after it would be a launch of its own. */
static bool wants_half(const half_pass *pass, const ir_node *node) {
  if (node->body || !ir_op_has_flag(node->op, IR_OP_FLAG_HALF_STORAGE) ||
      (writes_graph_output(pass->graph, node) && !ir_op_can_root_group(node->op) &&
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
  if (node->op == IR_OP_CAST && !attempted)
    return; /* reads the 16-bit value: f16/bf16 to f32 is exact */
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

/* Swaps which of `a` and `b` each node input reads. */
static void swap_node_uses(ir_graph *graph, ir_value *a, ir_value *b) {
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node))
    for (int i = 0; i < node->num_inputs; i++)
      if (node->inputs[i] == a)
        node->inputs[i] = b;
      else if (node->inputs[i] == b)
        node->inputs[i] = a;
}

/* Graph output `value` (made 16-bit) becomes the f32 output of a Cast right after its
 * producer, under its own name; the producer's 16-bit result takes the Cast's name. */
static void restore_output(half_pass *pass, ir_value *value) {
  ir_node *producer = value->producer;
  int index = value->producer_index;
  ir_node *cast =
      add_cast(pass, value, IR_DTYPE_F32, producer->next, twin_name(pass, value, pass->suffix));
  if (!cast)
    return;
  ir_value *half_value = cast->outputs[0];
  dl_take_output(producer, index, half_value);
  dl_take_output(cast, 0, value);
  ir_type f32_type = half_value->type;
  half_value->type = value->type;
  value->type = f32_type;
  swap_node_uses(pass->graph, value, half_value);
  cast->name = value->name;
  pass->made_half[value->id] = false;
}

static int to_half(ir_graph *graph, ir_dtype half, const char *pass_name, dl_diag *diag) {
  if (graph->num_states > 0)
    return dl_error(diag,
                    "%s: the graph has states (a training step); 16-bit storage is for "
                    "inference graphs",
                    pass_name);
  half_pass pass = {
      .graph = graph, .half = half, .suffix = ir_dtype_name(half), .capacity = graph->num_values};
  size_t count = (size_t)(pass.capacity > 0 ? pass.capacity : 1);
  pass.narrowed = calloc(count, sizeof(ir_value *));
  pass.made_half = calloc(count, sizeof(bool));
  pass.does_not_fit = calloc(count, sizeof(bool));
  pass.out_of_memory = !pass.narrowed || !pass.made_half || !pass.does_not_fit;
  ir_node *last = graph->body.last;
  for (ir_node *node = graph->body.first; node && !pass.out_of_memory; node = node->next) {
    bool attempted = wants_half(&pass, node);
    if (!(attempted && try_half(&pass, node)))
      keep_f32(&pass, node, attempted);
    if (node == last)
      break; /* the Casts added at the end are the pass's own */
  }
  for (int i = 0; i < graph->body.num_results && !pass.out_of_memory; i++) {
    ir_value *output = graph->body.results[i];
    if (covered(&pass, output) && pass.made_half[output->id])
      restore_output(&pass, output);
  }
  free(pass.narrowed);
  free(pass.made_half);
  free(pass.does_not_fit);
  return pass.out_of_memory ? dl_error(diag, "%s: out of memory", pass_name) : 0;
}

int dl_pass_to_f16(ir_graph *graph, dl_diag *diag) {
  return to_half(graph, IR_DTYPE_F16, "to-f16", diag);
}

int dl_pass_to_bf16(ir_graph *graph, dl_diag *diag) {
  return to_half(graph, IR_DTYPE_BF16, "to-bf16", diag);
}
