/* RNN, GRU and LSTM unrolled at import (onnx_recurrent.c drives, onnx_recurrent_cells.c
 * builds one time step of each cell); shared between those two files only. */
#ifndef DLCC_FRONTEND_ONNX_RECURRENT_H
#define DLCC_FRONTEND_ONNX_RECURRENT_H

#include "onnx_internal.h"

enum { RECURRENT_MAX_ACTIVATIONS = 6 };

typedef enum recurrent_kind { RECURRENT_RNN, RECURRENT_GRU, RECURRENT_LSTM } recurrent_kind;

/* One activation function of the `activations` attribute with its alpha and beta. */
typedef struct recurrent_activation {
  char name[32];
  float alpha, beta;
  bool has_alpha, has_beta;
} recurrent_activation;

/* What one direction's steps read: all f32, time-major. */
typedef struct recurrent_direction {
  ir_value *x_weighted;  /* X W^T + biases, [sequence, batch, gates * hidden] */
  ir_value *recurrence;  /* R^T, [hidden, gates * hidden] */
  ir_value *hidden_bias; /* GRU with linear_before_reset: Rb of the h gate, [hidden]; else NULL */
  ir_value *peephole[3]; /* LSTM: P's i, o, f parts [hidden], NULL without P */
  const recurrent_activation *activations; /* this direction's (1, 2 or 3) */
} recurrent_direction;

typedef struct recurrent_cell {
  onnx_import *import;
  const char *base; /* name base of the nodes built */
  recurrent_kind kind;
  int64_t batch, hidden;
  float clip; /* 0: none */
  bool linear_before_reset, input_forget;
} recurrent_cell;

/* One step: from x_t W^T + biases ([batch, gates * hidden]) and the state (h, and c for LSTM;
 * [batch, hidden]) to the new state, written to *h (and *c). -1 after a message. */
int recurrent_step(const recurrent_cell *cell, const recurrent_direction *direction,
                   ir_value *x_weighted, ir_value **h, ir_value **c);

/* Whether `name` is an activation function recurrent_step can build. */
bool recurrent_activation_known(const char *name);
/* x[begin:end] along `axis`. */
ir_value *recurrent_slice(onnx_import *import, const char *base, ir_value *x, int64_t begin,
                          int64_t end, int64_t axis);
/* a b^T + c (c NULL: none) as a Gemm with transB, the form the weights come in. */
ir_value *recurrent_gemm(onnx_import *import, const char *base, ir_value *a, ir_value *b,
                         ir_value *c);

#endif
