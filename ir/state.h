/* Mutable state in the graph IR: values (IR_VALUE_STATE) that keep their contents on the
 * device from one run of the compiled program to the next, and the updates that give each
 * its value after a run. A training step reads the weights, moments and step counter as
 * states and updates them; inference graphs have none.
 *
 * Semantics: every read of a state in a run sees the value it had when the run began; after
 * the run, each updated state holds its update value (all updates at once, as if copied at
 * the end). A state without an update keeps its value. The update values are live to the end
 * of the run like graph outputs: passes keep them and their producers. */
#ifndef DLCC_IR_STATE_H
#define DLCC_IR_STATE_H

#include "ir/graph.h"

typedef struct ir_state_update {
  ir_value *state; /* an IR_VALUE_STATE of the graph */
  ir_value *value; /* its value after the run: same type, computed in the graph body */
} ir_state_update;

/* A new state of `type` whose initial value is `data` (borrowed like a constant's; NULL:
 * elided). NULL if the name is taken or memory ran out. */
ir_value *ir_graph_add_state(ir_graph *graph, const char *name, ir_type type, const void *data);
/* Turns constant `value` into a state in place (a trainable weight): its name, id, readers and
 * data (now its initial value) stay; it leaves graph->constants for graph->states. -1 if it is
 * not a constant of the graph or memory ran out. */
int ir_value_make_state(ir_graph *graph, ir_value *value);
/* Sets (or replaces) the value `state` has after a run. -1 if `state` is not a state of the
 * graph, the types differ, or memory ran out. */
int ir_graph_set_state_update(ir_graph *graph, ir_value *state, ir_value *value);
/* The value `state` takes after a run, or NULL when it keeps its value. */
ir_value *ir_graph_state_update(const ir_graph *graph, const ir_value *state);
/* Whether `value` is the update value of some state (it must stay computed). */
bool ir_value_is_state_update(const ir_graph *graph, const ir_value *value);

#endif
