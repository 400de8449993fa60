/* The end-of-run copies of state updates (state_copies.h). */
#include "codegen/program/state_copies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/memory_plan.h"
#include "ir/state.h"

/* One allocation per copy: the node, its input and output arrays, the state's stand-in. */
typedef struct copy_storage {
  ir_value *input;
  ir_value *output;
  ir_value stand_in;
  char name[96];
} copy_storage;

int dl_state_copies_build(const ir_graph *graph, dl_state_copies *out, dl_diag *diag) {
  *out = (dl_state_copies){0};
  int updates = graph->num_state_updates;
  for (int i = 0; i < updates; i++) {
    const ir_state_update *update = &graph->state_updates[i];
    const ir_value *root = ir_buffer_root(update->value);
    if (root->kind == IR_VALUE_STATE)
      return dl_error(diag,
                      "the update of state '%s' is state '%s' itself (or a view of it): run "
                      "materialize-outputs before compiling, so the end-of-run copies never "
                      "read a state another one already overwrote",
                      update->state->name, root->name);
  }
  if (updates == 0)
    return 0;
  /* One block for every update (those written in place leave theirs unused): the nodes
   * first, then the storage each points into, then the in-place flags. */
  char *block = calloc((size_t)updates, sizeof(ir_node) + sizeof(copy_storage) + sizeof(bool));
  if (!block)
    return dl_error(diag, "out of memory");
  out->nodes = (ir_node *)block;
  copy_storage *storage = (copy_storage *)(block + (size_t)updates * sizeof(ir_node));
  out->in_place = (bool *)(storage + updates);
  for (int i = 0; i < updates; i++) {
    const ir_state_update *update = &graph->state_updates[i];
    out->in_place[i] = ir_state_update_in_place(graph, update->state, update->value);
    if (out->in_place[i])
      continue; /* its producer writes the state itself */
    int k = out->count++;
    copy_storage *at = &storage[k];
    ir_node *node = &out->nodes[k];
    at->stand_in = *update->state;
    at->stand_in.kind = IR_VALUE_RESULT;
    at->stand_in.producer = node;
    at->stand_in.producer_index = 0;
    at->stand_in.data = NULL;
    at->input = update->value;
    at->output = &at->stand_in;
    snprintf(at->name, sizeof(at->name), "update_%s", update->state->name);
    *node = (ir_node){.op = IR_OP_COPY,
                      .name = at->name,
                      .id = graph->num_nodes + k,
                      .inputs = &at->input,
                      .num_inputs = 1,
                      .outputs = &at->output,
                      .num_outputs = 1,
                      .parent = (ir_region *)&graph->body};
  }
  return 0;
}

void dl_state_copies_deinit(dl_state_copies *copies) {
  free(copies->nodes);
  *copies = (dl_state_copies){0};
}
