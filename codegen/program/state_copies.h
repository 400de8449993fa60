/* The end-of-run copies of a graph's state updates (ir/state.h): one dl.copy node per update,
 * outside the graph, whose input is the update value and whose output stands for the state
 * (its id and type), so that the buffer plan binds it to the state's bytes in the weights.
 * They are lowered like any node (host twin and PTX) and launched after every other launch. */
#ifndef DLCC_CODEGEN_STATE_COPIES_H
#define DLCC_CODEGEN_STATE_COPIES_H

#include "ir/diag.h"
#include "ir/graph.h"
#include "ir/state.h"

typedef struct dl_state_copies {
  ir_node *nodes; /* count nodes (updates not written in place), ids past the graph's */
  int count;
  /* Per state update (graph->state_updates order): its producer writes the state's bytes
   * itself (ir_state_update_in_place: the buffer plan gives the value the state's location),
   * so it needs no copy. */
  bool *in_place;
} dl_state_copies;

/* Fails (naming the state) when an update value shows a state itself: materialize-outputs
 * copies such values into the arena first, so no end-of-run copy reads a state that another
 * already overwrote. */
int dl_state_copies_build(const ir_graph *graph, dl_state_copies *out, dl_diag *diag);
void dl_state_copies_deinit(dl_state_copies *copies);

#endif
