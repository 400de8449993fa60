/* LinearAttention's shapes and attributes as inference and codegen both read them. */
#ifndef DLCC_IR_LINEAR_ATTENTION_H
#define DLCC_IR_LINEAR_ATTENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/graph.h"

typedef struct ir_linear_attention_shape {
  int64_t batch, sequence, q_heads, kv_heads, key_size, value_size;
  bool gated, delta;   /* update_rule: gated, delta, gated_delta or linear */
  bool decay_per_head; /* decay [batch, sequence, kv heads], else [.., kv heads * key size] */
  bool beta_shared;    /* beta [batch, sequence, 1], else [.., kv heads] */
  float scale;
} ir_linear_attention_shape;

/* Reads and checks a LinearAttention node's inputs and attributes; errors name the node. */
int ir_linear_attention_read(ir_graph *graph, const ir_node *node, ir_linear_attention_shape *out,
                             dl_diag *diag);

#endif
