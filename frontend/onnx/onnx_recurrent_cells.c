/* One time step of the RNN, GRU and LSTM cells as ONNX defines them, built from IR nodes:
 * gate pre-activations are x_t W^T + h R^T + biases (x_t W^T + biases come precomputed for the
 * whole sequence), clipped to [-clip, clip] when `clip` is set, then passed through the
 * direction's activation functions. */
#include "onnx_recurrent.h"

#include <string.h>

ir_value *recurrent_slice(onnx_import *import, const char *base, ir_value *x, int64_t begin,
                          int64_t end, int64_t axis) {
  ir_value *inputs[4] = {x, onnx_ints_constant(import, base, &begin, 1),
                         onnx_ints_constant(import, base, &end, 1),
                         onnx_ints_constant(import, base, &axis, 1)};
  if (!x || !inputs[1] || !inputs[2] || !inputs[3])
    return NULL;
  return onnx_build_finish(import, onnx_build_start(import, IR_OP_SLICE, base, inputs, 4, NULL));
}

ir_value *recurrent_gemm(onnx_import *import, const char *base, ir_value *a, ir_value *b,
                         ir_value *c) {
  ir_value *inputs[3] = {a, b, c};
  ir_node *node = onnx_build_start(import, IR_OP_GEMM, base, inputs, c ? 3 : 2, NULL);
  if (node && ir_node_set_int(import->graph, node, "transB", 1) != 0) {
    onnx_error(import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(import, node);
}

static ir_value *scalar(const recurrent_cell *cell, double value) {
  return onnx_float_scalar_constant(cell->import, cell->base, IR_DTYPE_F32, value);
}

static ir_value *binary(const recurrent_cell *cell, ir_op op, ir_value *a, ir_value *b) {
  return a && b ? onnx_build(cell->import, op, cell->base, a, b, NULL) : NULL;
}

static ir_value *with_float_attrs(const recurrent_cell *cell, ir_op op, ir_value *x,
                                  const recurrent_activation *f, const char *alpha,
                                  const char *beta) {
  ir_node *node = x ? onnx_build_start(cell->import, op, cell->base, &x, 1, NULL) : NULL;
  if (!node)
    return NULL;
  if ((alpha && f->has_alpha && ir_node_set_float(cell->import->graph, node, alpha, f->alpha)) ||
      (beta && f->has_beta && ir_node_set_float(cell->import->graph, node, beta, f->beta))) {
    onnx_error(cell->import, "out of memory");
    return NULL;
  }
  return onnx_build_finish(cell->import, node);
}

/* The activation functions that are one IR op, with the names of their alpha and beta. */
static const struct {
  const char *name;
  ir_op op;
  const char *alpha, *beta;
} SIMPLE[] = {
    {"Relu", IR_OP_RELU, NULL, NULL},
    {"Tanh", IR_OP_TANH, NULL, NULL},
    {"Sigmoid", IR_OP_SIGMOID, NULL, NULL},
    {"Softsign", IR_OP_SOFTSIGN, NULL, NULL},
    {"Softplus", IR_OP_SOFTPLUS, NULL, NULL},
    {"LeakyRelu", IR_OP_LEAKY_RELU, "alpha", NULL},
    {"ThresholdedRelu", IR_OP_THRESHOLDED_RELU, "alpha", NULL},
    {"Elu", IR_OP_ELU, "alpha", NULL},
    {"HardSigmoid", IR_OP_HARD_SIGMOID, "alpha", "beta"},
};

bool recurrent_activation_known(const char *name) {
  for (size_t i = 0; i < sizeof SIMPLE / sizeof SIMPLE[0]; i++)
    if (strcmp(name, SIMPLE[i].name) == 0)
      return true;
  return strcmp(name, "Affine") == 0 || strcmp(name, "ScaledTanh") == 0;
}

/* f(x) for one of the activation functions RNN, GRU and LSTM accept (names as ONNX spells
 * them; alpha and beta default to the ops' own defaults). */
static ir_value *activate(const recurrent_cell *cell, const recurrent_activation *f, ir_value *x) {
  for (size_t i = 0; i < sizeof SIMPLE / sizeof SIMPLE[0]; i++)
    if (strcmp(f->name, SIMPLE[i].name) == 0)
      return with_float_attrs(cell, SIMPLE[i].op, x, f, SIMPLE[i].alpha, SIMPLE[i].beta);
  if (strcmp(f->name, "Affine") == 0) /* alpha x + beta */
    return binary(cell, IR_OP_ADD, binary(cell, IR_OP_MUL, x, scalar(cell, f->alpha)),
                  scalar(cell, f->beta));
  if (strcmp(f->name, "ScaledTanh") == 0) { /* alpha tanh(beta x) */
    ir_value *inner = binary(cell, IR_OP_MUL, x, scalar(cell, f->beta));
    ir_value *tanh =
        inner ? onnx_build(cell->import, IR_OP_TANH, cell->base, inner, NULL, NULL) : NULL;
    return binary(cell, IR_OP_MUL, tanh, scalar(cell, f->alpha));
  }
  onnx_error(cell->import, "'%s': unsupported activation '%s'", cell->base, f->name);
  return NULL;
}

/* Clips a gate's pre-activation when the node sets `clip`. */
static ir_value *clipped(const recurrent_cell *cell, ir_value *x) {
  if (!x || cell->clip <= 0)
    return x;
  ir_value *inputs[3] = {x, scalar(cell, -cell->clip), scalar(cell, cell->clip)};
  return onnx_build_finish(cell->import,
                           onnx_build_start(cell->import, IR_OP_CLIP, cell->base, inputs, 3, NULL));
}

static ir_value *gate(const recurrent_cell *cell, ir_value *pre, int index) {
  return recurrent_slice(cell->import, cell->base, pre, index * cell->hidden,
                         (index + 1) * cell->hidden, 1);
}

/* h R^T for R's gate rows. */
static ir_value *matmul(const recurrent_cell *cell, ir_value *h, ir_value *r) {
  return h && r ? recurrent_gemm(cell->import, cell->base, h, r, NULL) : NULL;
}

static ir_value *one_minus(const recurrent_cell *cell, ir_value *x) {
  return binary(cell, IR_OP_SUB, scalar(cell, 1.0), x);
}

int recurrent_step(const recurrent_cell *cell, const recurrent_direction *d, ir_value *xw,
                   ir_value **h, ir_value **c) {
  const recurrent_activation *f = &d->activations[0];
  if (cell->kind == RECURRENT_RNN) {
    ir_value *pre = clipped(cell, binary(cell, IR_OP_ADD, xw, matmul(cell, *h, d->recurrence)));
    return (*h = activate(cell, f, pre)) ? 0 : -1;
  }
  if (cell->kind == RECURRENT_GRU) {
    int64_t H = cell->hidden;
    /* z and r: x W^T + h R^T over the first 2H columns; h~ from the last H. */
    ir_value *r_zr = recurrent_slice(cell->import, cell->base, d->recurrence, 0, 2 * H, 0);
    ir_value *r_h = recurrent_slice(cell->import, cell->base, d->recurrence, 2 * H, 3 * H, 0);
    ir_value *zr =
        binary(cell, IR_OP_ADD, recurrent_slice(cell->import, cell->base, xw, 0, 2 * H, 1),
               matmul(cell, *h, r_zr));
    ir_value *z = activate(cell, f, clipped(cell, gate(cell, zr, 0)));
    ir_value *r = activate(cell, f, clipped(cell, gate(cell, zr, 1)));
    ir_value *recurrent_h;
    if (cell->linear_before_reset) /* r (h R_h^T + Rb_h) */
      recurrent_h = binary(cell, IR_OP_MUL, r,
                           binary(cell, IR_OP_ADD, matmul(cell, *h, r_h), d->hidden_bias));
    else /* (r h) R_h^T; Rb_h is in x_weighted */
      recurrent_h = matmul(cell, binary(cell, IR_OP_MUL, r, *h), r_h);
    ir_value *candidate =
        activate(cell, &d->activations[1],
                 clipped(cell, binary(cell, IR_OP_ADD, gate(cell, xw, 2), recurrent_h)));
    /* h' = (1 - z) h~ + z h */
    *h = binary(cell, IR_OP_ADD, binary(cell, IR_OP_MUL, one_minus(cell, z), candidate),
                binary(cell, IR_OP_MUL, z, *h));
    return *h ? 0 : -1;
  }
  /* LSTM, gates i, o, f, c. */
  ir_value *pre = binary(cell, IR_OP_ADD, xw, matmul(cell, *h, d->recurrence));
  ir_value *pre_i = gate(cell, pre, 0), *pre_o = gate(cell, pre, 1), *pre_f = gate(cell, pre, 2);
  if (d->peephole[0]) {
    pre_i = binary(cell, IR_OP_ADD, pre_i, binary(cell, IR_OP_MUL, d->peephole[0], *c));
    pre_f = binary(cell, IR_OP_ADD, pre_f, binary(cell, IR_OP_MUL, d->peephole[2], *c));
  }
  ir_value *i = activate(cell, f, clipped(cell, pre_i));
  ir_value *forget =
      cell->input_forget ? one_minus(cell, i) : activate(cell, f, clipped(cell, pre_f));
  ir_value *candidate = activate(cell, &d->activations[1], clipped(cell, gate(cell, pre, 3)));
  ir_value *c_new = binary(cell, IR_OP_ADD, binary(cell, IR_OP_MUL, forget, *c),
                           binary(cell, IR_OP_MUL, i, candidate));
  if (d->peephole[1])
    pre_o = binary(cell, IR_OP_ADD, pre_o, binary(cell, IR_OP_MUL, d->peephole[1], c_new));
  ir_value *o = activate(cell, f, clipped(cell, pre_o));
  ir_value *h_new =
      binary(cell, IR_OP_MUL, o, c_new ? activate(cell, &d->activations[2], c_new) : NULL);
  if (!h_new)
    return -1;
  *h = h_new, *c = c_new;
  return 0;
}
