/* The graph IR: values, nodes with typed attributes, nested regions, constants.
 * All memory belongs to the graph's arena and is freed by ir_graph_destroy. */
#ifndef DLCC_IR_GRAPH_H
#define DLCC_IR_GRAPH_H

#include "ir/arena.h"
#include "ir/input_file.h"
#include "ir/op.h"
#include "ir/type.h"

typedef struct ir_graph ir_graph;
typedef struct ir_node ir_node;
typedef struct ir_value ir_value;
typedef struct ir_region ir_region;

typedef enum ir_value_kind {
  IR_VALUE_PARAM,    /* graph input, or parameter of a region */
  IR_VALUE_RESULT,   /* output of a node */
  IR_VALUE_CONSTANT, /* data known at compile time (weights, folded shapes) */
  /* Mutable state (trainable weights, optimizer moments, step counter, running statistics):
   * lives on the device across runs. `data` holds its initial value; a step reads the value
   * it had when the step began, and the graph's state update (ir/state.h) gives the value it
   * has after the step. Never folded: it is not known at compile time. */
  IR_VALUE_STATE,
} ir_value_kind;

struct ir_value {
  const char *name; /* unique within the graph */
  ir_type type;
  ir_value_kind kind;
  int id;             /* dense, in creation order */
  ir_node *producer;  /* IR_VALUE_RESULT: the node; else NULL */
  int producer_index; /* which output of the producer */
  ir_region *region;  /* IR_VALUE_PARAM: the region it belongs to */
  /* IR_VALUE_CONSTANT (and IR_VALUE_STATE's initial value): little-endian element data, ir_type_byte_size bytes.
   * Not copied on import: points into the arena or adopted memory. NULL when
   * the constant was elided from a text dump (such a graph cannot be run). */
  const void *data;
  /* Bytes into the activation arena, recorded by plan-memory (docs/passes.md) when
   * `has_arena_offset`: graph inputs and top-level node outputs, views at their root's. */
  bool has_arena_offset;
  uint64_t arena_offset;
};

typedef enum ir_attr_kind {
  IR_ATTR_INT,
  IR_ATTR_FLOAT,
  IR_ATTR_STRING,
  IR_ATTR_INTS,
  IR_ATTR_FLOATS,
  IR_ATTR_STRINGS,
  IR_ATTR_DTYPE,
} ir_attr_kind;

typedef struct ir_attr {
  const char *name;
  ir_attr_kind kind;
  int count; /* element count of the list kinds */
  union {
    int64_t i;
    float f;
    const char *s;
    const int64_t *ints;
    const float *floats;
    const char *const *strings;
    ir_dtype dtype;
  } as;
} ir_attr;

struct ir_region {
  ir_node *first, *last; /* nodes in execution order */
  ir_value **params;     /* values defined on entry (graph inputs for the body) */
  int num_params;
  ir_value **results; /* values yielded (graph outputs for the body) */
  int num_results;
  ir_node *owner; /* node whose body this is; NULL for the graph body */
  /* Room in params/results, grown by ir_region_add_param/result. Code that replaces an
   * array sets these too (or leaves them 0: the array is then taken as full). */
  size_t params_capacity, results_capacity;
};

/* The most values a dl.group's kernel reads and writes together: CUDA's 4 KiB of kernel
 * parameters hold 512 pointers, one kept for a root's workspace. The fuse pass grows groups
 * within it; lowering refuses a group beyond it. */
enum { IR_GROUP_MAX_VALUES = 511 };

struct ir_node {
  ir_op op;
  const char *name;
  int id;
  ir_value **inputs; /* an entry is NULL where an optional input is absent */
  int num_inputs;
  ir_value **outputs;
  int num_outputs;
  ir_attr *attrs; /* sorted by nothing: in the order set */
  int num_attrs;
  ir_region *body;   /* nested region (fused groups), NULL otherwise */
  ir_region *parent; /* region this node lives in */
  ir_node *prev, *next;
};

/* A graph input whose value was fixed at compile time (`dlcc compile --bind`, or `dlcc run`
 * binding an input that decides shapes from the data it was given): nodes read `value`, a
 * constant, while `input` stays a graph input, and the compiled model checks that every run
 * gives it exactly that value. */
typedef struct ir_bound_input {
  ir_value *input; /* a graph input (a parameter of the graph body) */
  ir_value *value; /* the constant its readers use, of the same type */
} ir_bound_input;

struct ir_graph {
  ir_arena *arena;
  const char *name;
  ir_region body;
  ir_value **constants; /* every constant value, in creation order */
  int num_constants;
  const char **symbols; /* names of symbolic dimensions */
  int num_symbols;
  int64_t source_nodes; /* nodes of the model file it was imported from; -1: not imported */
  ir_bound_input *bound_inputs; /* in the order bound */
  int num_bound_inputs;
  ir_value **states; /* every IR_VALUE_STATE, in creation order (ir/state.h) */
  int num_states;
  struct ir_state_update *state_updates; /* in the order set */
  int num_state_updates;
  int num_values; /* ids handed out */
  int num_nodes;
  dl_file_set source_files; /* files the graph was read from; outputs never replace them */
  /* private */
  size_t constants_capacity, symbols_capacity, bound_inputs_capacity, states_capacity,
      state_updates_capacity;
  struct ir_name_table *names;
};

ir_graph *ir_graph_create(const char *name);
void ir_graph_destroy(ir_graph *graph);

/* Values. Names must be unique; NULL name → a fresh "vN" name. Return NULL if the
 * name is taken or memory ran out. */
ir_value *ir_graph_add_input(ir_graph *graph, const char *name, ir_type type);
ir_value *ir_graph_add_constant(ir_graph *graph, const char *name, ir_type type,
                                const void *data /* borrowed; may be NULL */);
/* Copies data into the arena (for small folded constants). */
ir_value *ir_graph_add_constant_copy(ir_graph *graph, const char *name, ir_type type,
                                     const void *data);
int ir_graph_add_output(ir_graph *graph, ir_value *value);
ir_value *ir_graph_find_value(const ir_graph *graph, const char *name);
/* A name not used yet, built from `base` ("conv1" → "conv1", "conv1.1", ...). */
const char *ir_graph_unique_name(ir_graph *graph, const char *base);
/* Index of a dimension symbol, creating it if new; the dim is IR_DIM_SYMBOL(index). */
int ir_graph_symbol(ir_graph *graph, const char *name);

/* Turns `value` (a node output) into a constant in place, so every reference and its
 * name stay valid: kind becomes IR_VALUE_CONSTANT, producer NULL, data `data` (borrowed,
 * usually arena memory), and it joins graph->constants. The caller removes the node. */
int ir_value_make_constant(ir_graph *graph, ir_value *value, const void *data);

/* Binds graph input `input` to constant `value` (same type): every node that reads the input
 * reads the constant from now on, and the binding is recorded (ir_bound_input). -1 if
 * `input` is not a graph input or already bound, the types differ, or memory ran out. */
int ir_graph_bind_input(ir_graph *graph, ir_value *input, ir_value *value);
/* The constant bound to graph input `input`, or NULL. */
const ir_value *ir_graph_bound_value(const ir_graph *graph, const ir_value *input);

/* Nodes. Outputs are created with the given names (NULL entries → fresh names) and
 * an invalid type; shape inference (ir_infer_node) fills the types. The node is
 * appended to `region` (NULL: the graph body). */
ir_node *ir_graph_add_node(ir_graph *graph, ir_region *region, ir_op op, const char *name,
                           ir_value *const *inputs, int num_inputs,
                           const char *const *output_names, int num_outputs);
/* Sets input `index` of `node` to `value`, growing the inputs (absent ones NULL) when `index`
 * is past them. 0, or -1 when memory ran out. */
int ir_node_set_input(ir_graph *graph, ir_node *node, int index, ir_value *value);
/* Insert/remove without freeing (arena memory). */
void ir_region_insert_before(ir_region *region, ir_node *before, ir_node *node);
void ir_region_remove(ir_region *region, ir_node *node);
ir_region *ir_node_create_body(ir_graph *graph, ir_node *node);
ir_value *ir_region_add_param(ir_graph *graph, ir_region *region, const char *name,
                              ir_type type);
int ir_region_add_result(ir_graph *graph, ir_region *region, ir_value *value);

/* Attributes: setting an existing name replaces it. */
int ir_node_set_int(ir_graph *graph, ir_node *node, const char *name, int64_t value);
int ir_node_set_float(ir_graph *graph, ir_node *node, const char *name, float value);
int ir_node_set_string(ir_graph *graph, ir_node *node, const char *name, const char *value);
int ir_node_set_ints(ir_graph *graph, ir_node *node, const char *name, const int64_t *values,
                     int count);
int ir_node_set_floats(ir_graph *graph, ir_node *node, const char *name, const float *values,
                       int count);
int ir_node_set_strings(ir_graph *graph, ir_node *node, const char *name,
                        const char *const *values, int count);
int ir_node_set_dtype(ir_graph *graph, ir_node *node, const char *name, ir_dtype value);
const ir_attr *ir_node_attr(const ir_node *node, const char *name);
const char *ir_attr_kind_name(ir_attr_kind kind);

/* Every node of the graph in order, regions included (pre-order). */
ir_node *ir_graph_next_node(const ir_graph *graph, ir_node *node /* NULL: first */);
/* Number of uses of `value` as a node input, region result or state update, anywhere. */
int ir_value_use_count(const ir_graph *graph, const ir_value *value);

#endif
