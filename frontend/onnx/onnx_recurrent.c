/* RNN, GRU and LSTM (every opset) unrolled at import, one copy of the cell per time step (as
 * control flow is unrolled: dlcc compiles static graphs). X W^T + biases is one MatMul over
 * the whole sequence per direction; each step adds h R^T and applies the cell
 * (onnx_recurrent_cells.c). Directions forward, reverse and bidirectional, both layouts,
 * initial states, sequence_lens (steps at or past a batch entry's length keep its state and
 * output 0, so reverse runs start at the entry's last valid step), clip, the activation
 * lists with their alpha and beta, GRU's linear_before_reset, LSTM's peepholes and
 * input_forget. Computed in f32 (the MatMul kernels' type), cast back to X's type. */
#include "onnx_recurrent.h"

#include <stdio.h>
#include <string.h>

enum { MAX_STEPS = 1024 }; /* a Concat's most inputs */
enum { IN_X, IN_W, IN_R, IN_B, IN_LENS, IN_H0, IN_C0, IN_P };

typedef struct recurrent_facts {
  const char *op;
  recurrent_kind kind;
  int gates, activations;
  const char *defaults[3];
} recurrent_facts;

static const recurrent_facts FACTS[] = {
    {"RNN", RECURRENT_RNN, 1, 1, {"Tanh"}},
    {"GRU", RECURRENT_GRU, 3, 2, {"Sigmoid", "Tanh"}},
    {"LSTM", RECURRENT_LSTM, 4, 3, {"Sigmoid", "Tanh", "Tanh"}},
};

typedef struct recurrent_build {
  recurrent_cell cell;
  const recurrent_facts *facts;
  int64_t sequence, input, directions;
  ir_value *in[8];
  recurrent_activation activations[RECURRENT_MAX_ACTIVATIONS];
} recurrent_build;

static ir_value *transpose(onnx_import *import, const char *base, ir_value *x, const int64_t *perm,
                           int rank, const char *output) {
  ir_node *node = x ? onnx_build_start(import, IR_OP_TRANSPOSE, base, &x, 1, output) : NULL;
  if (node && ir_node_set_ints(import->graph, node, "perm", perm, rank) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

static ir_value *concat(onnx_import *import, const char *base, ir_value **parts, int count,
                        int64_t axis) {
  if (count == 1)
    return parts[0];
  ir_node *node = onnx_build_start(import, IR_OP_CONCAT, base, parts, count, NULL);
  if (node && ir_node_set_int(import->graph, node, "axis", axis) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

/* Row `d` of a [directions, ...] value, reshaped to `dims`. */
static ir_value *direction_row(recurrent_build *rb, ir_value *x, int64_t d, const int64_t *dims,
                               int rank) {
  onnx_import *import = rb->cell.import;
  return onnx_build_reshape(import, rb->cell.base,
                            recurrent_slice(import, rb->cell.base, x, d, d + 1, 0), dims, rank,
                            NULL);
}

static int read_activations(recurrent_build *rb, const Onnx__NodeProto *proto, int index) {
  onnx_import *import = rb->cell.import;
  int per = rb->facts->activations, total = per * (int)rb->directions;
  const Onnx__AttributeProto *names = onnx_find_attr(proto, "activations");
  const Onnx__AttributeProto *alpha = onnx_find_attr(proto, "activation_alpha");
  const Onnx__AttributeProto *beta = onnx_find_attr(proto, "activation_beta");
  if (names && (int)names->n_strings != total)
    return onnx_node_error(import, proto, index, "activations lists %zu functions; %d expected",
                           names->n_strings, total);
  for (int a = 0; a < total; a++) {
    recurrent_activation *f = &rb->activations[a];
    if (names)
      snprintf(f->name, sizeof f->name, "%.*s", (int)names->strings[a].len,
               (const char *)names->strings[a].data);
    else
      snprintf(f->name, sizeof f->name, "%s", rb->facts->defaults[a % per]);
    if (!recurrent_activation_known(f->name))
      return onnx_node_error(import, proto, index, "unsupported activation '%s'", f->name);
    f->has_alpha = alpha && (size_t)a < alpha->n_floats;
    f->has_beta = beta && (size_t)a < beta->n_floats;
    f->alpha = f->has_alpha ? alpha->floats[a] : 1.0f;
    f->beta = f->has_beta ? beta->floats[a] : 0.0f;
  }
  return 0;
}

/* What direction d's steps read: R, X W^T + biases (X time-major as [sequence * batch,
 * input], one Gemm), and the peepholes. */
static int prepare_direction(recurrent_build *rb, ir_value *x, int64_t d,
                             recurrent_direction *out) {
  onnx_import *import = rb->cell.import;
  const char *base = rb->cell.base;
  int64_t H = rb->cell.hidden, GH = rb->facts->gates * H;
  int64_t w_dims[2] = {GH, rb->input}, r_dims[2] = {GH, H}, b_dims[1] = {2 * GH};
  ir_value *w = direction_row(rb, rb->in[IN_W], d, w_dims, 2);
  out->recurrence = direction_row(rb, rb->in[IN_R], d, r_dims, 2);
  ir_value *bias = NULL;
  if (!w || !out->recurrence)
    return -1;
  if (rb->in[IN_B]) {
    ir_value *b = direction_row(rb, rb->in[IN_B], d, b_dims, 1);
    ir_value *wb = recurrent_slice(import, base, b, 0, GH, 0);
    ir_value *rb_all = recurrent_slice(import, base, b, GH, 2 * GH, 0);
    if (rb->cell.linear_before_reset) { /* Rb of the h gate is added inside r (h R^T + Rb) */
      out->hidden_bias = recurrent_slice(import, base, rb_all, 2 * H, 3 * H, 0);
      int64_t h_dims[1] = {H};
      ir_value *parts[2] = {recurrent_slice(import, base, rb_all, 0, 2 * H, 0),
                            onnx_zeros_constant(import, base, IR_DTYPE_F32, 1, h_dims)};
      rb_all = parts[0] && parts[1] ? concat(import, base, parts, 2, 0) : NULL;
      if (!out->hidden_bias)
        return -1;
    }
    if (!(bias = onnx_build(import, IR_OP_ADD, base, wb, rb_all, NULL)))
      return -1;
  }
  if (rb->cell.linear_before_reset && !out->hidden_bias) {
    int64_t h_dims[1] = {H};
    out->hidden_bias = onnx_zeros_constant(import, base, IR_DTYPE_F32, 1, h_dims);
  }
  if (rb->facts->kind == RECURRENT_LSTM && rb->in[IN_P]) {
    int64_t p_dims[1] = {3 * H};
    ir_value *p = direction_row(rb, rb->in[IN_P], d, p_dims, 1);
    for (int k = 0; k < 3; k++)
      if (!(out->peephole[k] = recurrent_slice(import, base, p, k * H, (k + 1) * H, 0)))
        return -1;
  }
  out->x_weighted = recurrent_gemm(import, base, x, w, bias);
  out->activations = &rb->activations[d * rb->facts->activations];
  return out->x_weighted ? 0 : -1;
}

/* The initial state of direction d ([batch, hidden]): initial_h/initial_c's row, else 0. */
static ir_value *initial_state(recurrent_build *rb, ir_value *state, int64_t d) {
  int64_t dims[2] = {rb->cell.batch, rb->cell.hidden};
  if (!state)
    return onnx_zeros_constant(rb->cell.import, rb->cell.base, IR_DTYPE_F32, 2, dims);
  return direction_row(rb, state, d, dims, 2);
}

/* valid[t]: bool [batch, 1], t < sequence_lens[b]; NULL everywhere when every length is the
 * sequence's (a constant). */
static int step_masks(recurrent_build *rb, ir_value **valid) {
  onnx_import *import = rb->cell.import;
  const char *base = rb->cell.base;
  ir_value *lens = rb->in[IN_LENS];
  for (int64_t t = 0; t < rb->sequence; t++)
    valid[t] = NULL;
  if (!lens)
    return 0;
  if (lens->kind == IR_VALUE_CONSTANT && lens->data) {
    bool full = true;
    for (int64_t b = 0; b < rb->cell.batch; b++)
      full = full && ir_element_get_float(lens->type.dtype, lens->data, b) == (double)rb->sequence;
    if (full)
      return 0;
  }
  ir_value *lens64 = onnx_build_cast(import, base, lens, IR_DTYPE_I64, NULL);
  int64_t column[2] = {rb->cell.batch, 1};
  for (int64_t t = 0; t < rb->sequence; t++) {
    ir_value *less =
        onnx_build(import, IR_OP_LESS, base, onnx_ints_constant(import, base, &t, 1), lens64, NULL);
    if (!(valid[t] = onnx_build_reshape(import, base, less, column, 2, NULL)))
      return -1;
  }
  return 0;
}

static ir_value *where(onnx_import *import, const char *base, ir_value *valid, ir_value *a,
                       ir_value *b) {
  return onnx_build_where(import, base, valid, a, b, NULL);
}

/* Runs direction d over the sequence; `y` gets [sequence, 1, batch, hidden] (when asked
 * for), `h` and `c` the final states as [1, batch, hidden]. */
static int run_direction(recurrent_build *rb, ir_value *x, int64_t d, bool reverse,
                         ir_value **valid, ir_value **y, ir_value **h_out, ir_value **c_out) {
  onnx_import *import = rb->cell.import;
  const char *base = rb->cell.base;
  int64_t B = rb->cell.batch, H = rb->cell.hidden;
  recurrent_direction dir = {0};
  if (prepare_direction(rb, x, d, &dir) != 0)
    return -1;
  ir_value *h = initial_state(rb, rb->in[IN_H0], d);
  ir_value *c = rb->facts->kind == RECURRENT_LSTM ? initial_state(rb, rb->in[IN_C0], d) : NULL;
  int64_t out_dims[4] = {1, 1, B, H};
  ir_value *zeros = NULL, *ys[MAX_STEPS] = {0};
  for (int64_t s = 0; s < rb->sequence; s++) {
    int64_t t = reverse ? rb->sequence - 1 - s : s;
    ir_value *xw_t = recurrent_slice(import, base, dir.x_weighted, t * B, (t + 1) * B, 0);
    ir_value *h_new = h, *c_new = c;
    if (!xw_t || !h || recurrent_step(&rb->cell, &dir, xw_t, &h_new, &c_new) != 0)
      return -1;
    ir_value *y_t = h_new;
    if (valid[t]) {
      int64_t dims[2] = {B, H};
      if (!zeros && !(zeros = onnx_zeros_constant(import, base, IR_DTYPE_F32, 2, dims)))
        return -1;
      y_t = where(import, base, valid[t], h_new, zeros);
      h_new = where(import, base, valid[t], h_new, h);
      c_new = c ? where(import, base, valid[t], c_new, c) : NULL;
    }
    h = h_new, c = c_new;
    if (y && !(ys[t] = onnx_build_reshape(import, base, y_t, out_dims, 4, NULL)))
      return -1;
  }
  int64_t state_dims[3] = {1, B, H};
  if (y && !(*y = concat(import, base, ys, (int)rb->sequence, 0)))
    return -1;
  *h_out = onnx_build_reshape(import, base, h, state_dims, 3, NULL);
  *c_out = c ? onnx_build_reshape(import, base, c, state_dims, 3, NULL) : NULL;
  return *h_out && (!c || *c_out) ? 0 : -1;
}

/* Names output `name`: layout 1's transpose, then a cast back to `dtype`. */
static int name_output(recurrent_build *rb, ir_value *value, const int64_t *perm, int rank,
                       ir_dtype dtype, const char *name) {
  onnx_import *import = rb->cell.import;
  bool cast = dtype != IR_DTYPE_F32;
  if (perm)
    value = transpose(import, rb->cell.base, value, perm, rank, cast ? NULL : name);
  else if (!cast)
    value = onnx_build(import, IR_OP_IDENTITY, rb->cell.base, value, NULL, name);
  if (cast)
    value = onnx_build_cast(import, rb->cell.base, value, dtype, name);
  return value ? 0 : -1;
}

static int check_shapes(recurrent_build *rb, const Onnx__NodeProto *proto, int index,
                        int64_t layout) {
  onnx_import *import = rb->cell.import;
  for (int i = 0; i < 8; i++) {
    ir_value *v = rb->in[i];
    if (v && (!ir_type_is_static(&v->type) || (i != IN_LENS && !ir_dtype_is_float(v->type.dtype))))
      return onnx_node_error(import, proto, index, "input %d needs a float type and a static shape",
                             i);
  }
  const ir_type *x = &rb->in[IN_X]->type, *w = &rb->in[IN_W]->type, *r = &rb->in[IN_R]->type;
  if (x->rank != 3 || w->rank != 3 || r->rank != 3)
    return onnx_node_error(import, proto, index, "needs X, W and R of rank 3");
  rb->sequence = x->dims[layout ? 1 : 0];
  rb->cell.batch = x->dims[layout ? 0 : 1];
  rb->input = x->dims[2];
  int64_t GH = rb->facts->gates * rb->cell.hidden;
  if (w->dims[0] != rb->directions || w->dims[1] != GH || w->dims[2] != rb->input ||
      r->dims[0] != rb->directions || r->dims[1] != GH || r->dims[2] != rb->cell.hidden)
    return onnx_node_error(import, proto, index,
                           "W must be [%lld, %lld, %lld] and R [%lld, %lld, %lld] for "
                           "hidden_size %lld",
                           (long long)rb->directions, (long long)GH, (long long)rb->input,
                           (long long)rb->directions, (long long)GH, (long long)rb->cell.hidden,
                           (long long)rb->cell.hidden);
  if (rb->sequence < 1 || rb->sequence > MAX_STEPS)
    return onnx_node_error(import, proto, index,
                           "unsupported: a sequence of %lld steps (dlcc unrolls 1 to %d)",
                           (long long)rb->sequence, MAX_STEPS);
  return 0;
}

int onnx_expand_recurrent(onnx_import *import, const Onnx__NodeProto *proto, int index,
                          ir_value **inputs, int num_inputs, const char **names, int num_outputs) {
  recurrent_build rb = {.cell = {.import = import}};
  for (size_t k = 0; k < sizeof FACTS / sizeof FACTS[0]; k++)
    if (strcmp(FACTS[k].op, onnx_text(proto->op_type)) == 0)
      rb.facts = &FACTS[k];
  if (!rb.facts || num_inputs < 3 || !inputs[0] || !inputs[1] || !inputs[2])
    return onnx_node_error(import, proto, index, "needs X, W and R");
  for (int i = 0; i < num_inputs && i < 8; i++)
    rb.in[i] = inputs[i];
  rb.cell.kind = rb.facts->kind;
  const char *node = onnx_node_display_name(import, proto, index);
  rb.cell.base = ir_arena_printf(import->graph->arena, "%s/step", node);
  const Onnx__AttributeProto *attr;
  int64_t layout = (attr = onnx_find_attr(proto, "layout")) ? attr->i : 0;
  rb.cell.clip = (attr = onnx_find_attr(proto, "clip")) ? attr->f : 0.0f;
  rb.cell.linear_before_reset = (attr = onnx_find_attr(proto, "linear_before_reset")) && attr->i;
  rb.cell.input_forget = (attr = onnx_find_attr(proto, "input_forget")) && attr->i;
  attr = onnx_find_attr(proto, "direction");
  char direction[32] = "forward";
  if (attr)
    snprintf(direction, sizeof direction, "%.*s", (int)attr->s.len, (const char *)attr->s.data);
  if (strcmp(direction, "forward") != 0 && strcmp(direction, "reverse") != 0 &&
      strcmp(direction, "bidirectional") != 0)
    return onnx_node_error(import, proto, index, "unsupported direction '%s'", direction);
  rb.directions = strcmp(direction, "bidirectional") == 0 ? 2 : 1;
  attr = onnx_find_attr(proto, "hidden_size");
  const ir_type *w = &inputs[IN_W]->type;
  rb.cell.hidden = attr ? attr->i : w->rank == 3 ? w->dims[1] / rb.facts->gates : 0;
  if (!rb.cell.base || rb.cell.hidden <= 0 || layout < 0 || layout > 1 ||
      check_shapes(&rb, proto, index, layout) != 0 || read_activations(&rb, proto, index) != 0)
    return rb.cell.hidden <= 0 || layout < 0 || layout > 1
               ? onnx_node_error(import, proto, index, "needs hidden_size > 0 and layout 0 or 1")
               : -1;
  ir_dtype dtype = inputs[IN_X]->type.dtype;
  for (int i = 0; i < 8; i++)
    if (rb.in[i] && i != IN_LENS &&
        !(rb.in[i] = onnx_build_cast(import, rb.cell.base, rb.in[i], IR_DTYPE_F32, NULL)))
      return -1;
  /* Time-major X and direction-major states. */
  const int64_t swap01[3] = {1, 0, 2};
  ir_value *x = rb.in[IN_X];
  if (layout) {
    x = transpose(import, rb.cell.base, x, swap01, 3, NULL);
    for (int i = IN_H0; i <= IN_C0; i++)
      if (rb.in[i] && !(rb.in[i] = transpose(import, rb.cell.base, rb.in[i], swap01, 3, NULL)))
        return -1;
  }
  int64_t rows[2] = {rb.sequence * rb.cell.batch, rb.input};
  x = onnx_build_reshape(import, rb.cell.base, x, rows, 2, NULL);
  ir_value *valid[MAX_STEPS];
  if (!x || step_masks(&rb, valid) != 0)
    return -1;
  bool want_y = proto->n_output > 0 && *onnx_text(proto->output[0]);
  ir_value *y[2] = {0}, *h[2] = {0}, *c[2] = {0};
  for (int64_t d = 0; d < rb.directions; d++) {
    bool reverse = d == 1 || strcmp(direction, "reverse") == 0;
    if (run_direction(&rb, x, d, reverse, valid, want_y ? &y[d] : NULL, &h[d], &c[d]) != 0)
      return -1;
  }
  const int64_t y_perm[4] = {2, 0, 1, 3};
  ir_value *outputs[3] = {want_y ? concat(import, rb.cell.base, y, (int)rb.directions, 1) : NULL,
                          concat(import, rb.cell.base, h, (int)rb.directions, 0),
                          c[0] ? concat(import, rb.cell.base, c, (int)rb.directions, 0) : NULL};
  for (int k = 0; k < num_outputs && k < 3; k++)
    if (outputs[k] && name_output(&rb, outputs[k], layout ? (k == 0 ? y_perm : swap01) : NULL,
                                  k == 0 ? 4 : 3, dtype, names[k]) != 0)
      return -1;
  return 0;
}
