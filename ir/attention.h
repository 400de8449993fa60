/* Attention's shapes and attributes as inference and codegen both read them. */
#ifndef DLCC_IR_ATTENTION_H
#define DLCC_IR_ATTENTION_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/graph.h"

typedef struct ir_attention_shape {
  bool three_d; /* Q, K, V and Y as [batch, sequence, heads * head size] */
  int64_t batch, q_heads, kv_heads, q_sequence, kv_sequence, past_sequence, total_sequence;
  int64_t head_size, v_head_size;
  int64_t causal, qk_mode;
  float scale, softcap;
} ir_attention_shape;

/* Reads and checks an Attention node's inputs and attributes; errors name the node. */
int ir_attention_read(ir_graph *graph, const ir_node *node, ir_attention_shape *out, dl_diag *diag);

#endif
