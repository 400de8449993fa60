/* Pass fuse: decides the kernel groups and outlines each into a dl.group, so that a chain of
 * a GEMM/Conv/reduction and the elementwise ops around it runs as one kernel.
 *
 * 1. Rooted groups, in body order: a root (an op whose kernel has prologue/epilogue hooks:
 *    MatMul, Gemm, Conv, Reduce*, global pools, Attention) takes as prologue the element maps
 *    that only it reads (for a GEMM/Conv/Attention root only index maps and casts, which cost
 *    nothing per load, unless each element of that operand feeds at most
 *    FUSE_PROLOGUE_MAX_REUSE multiply-adds: arithmetic is recomputed once per output tile), and as epilogue every following
 *    element map of its output's dims (any element type: the store converts) that reads a
 *    group value, until a node outside the group reads one (bias, BatchNormalization,
 *    activations, a residual Add, a Cast); it continues through bijective index maps
 *    (IR_OP_FLAG_BIJECTIVE) into their frames, see consumer_frame. Then the element maps that
 *    only epilogue members read join too (each element computed once per output element).
 * 2. Pointwise groups: an elementwise node not yet in a group starts one that takes the
 *    following element maps of its shape in the same way, and the element maps before it
 *    that only the group reads (evaluated once per element of the group: a broadcast
 *    operand's producer is recomputed, which costs less than a launch and a round trip).
 * A value read outside its group stays materialized (the group yields it): it is never
 * recomputed in two kernels, so no work is done twice and fusion never adds memory traffic.
 * Groups of one node are left as they are (the same kernel). A group stops growing at
 * FUSE_MAX_MEMBERS nodes: the kernel of a longer chain gains nothing more from fusion, while
 * its size (the evaluator's recursion, LLVM's time) would grow with the chain; and it takes
 * no node that would make its kernel read and write more than IR_GROUP_MAX_VALUES values
 * (CUDA's kernel parameters), which lowering would refuse. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/array.h"
#include "ir/cost.h"
#include "passes/outline.h"
#include "passes/pass.h"
#include "passes/rewrite.h"

enum { FUSE_MAX_MEMBERS = 64, FUSE_PROLOGUE_MAX_REUSE = 512 };

typedef struct fusion {
  ir_graph *graph;
  int *uses;       /* by value id: uses before any outlining */
  int *group_of;   /* by node id: group number, 0 when in none */
  const ir_value **frames; /* by value id: frame_of's answer for epilogue values */
  int node_count;  /* nodes before the pass: later ids are dl.groups it made */
  int group_count;
  ir_node **members; /* of the group being grown, in body order */
  int member_count;
  size_t member_capacity;
  int *seen; /* by value id: the `visit` that last counted it (kernel_values) */
  int visit;
  int value_count; /* values before the pass: ids of the values members read */
} fusion;

static bool data_input(const ir_node *node, int input) {
  return node->inputs[input] && !ir_op_input_decides_shape(node->op, input);
}

static bool yielded_by_graph(const ir_graph *graph, const ir_value *value) {
  return dl_region_yields(&graph->body, value);
}

/* The group a node is in: 0 for none, -1 for a dl.group the pass made. */
static int group_number(const fusion *f, const ir_node *node) {
  return node->id < f->node_count ? f->group_of[node->id] : -1;
}

static bool grouped(const fusion *f, const ir_node *node) { return group_number(f, node) != 0; }

static bool is_member(const fusion *f, const ir_node *node) {
  return node && group_number(f, node) == f->group_count;
}

static bool full(const fusion *f) { return f->member_count >= FUSE_MAX_MEMBERS; }

/* At most the values the group's kernel would read and write: the distinct values its
 * members read from outside it, and every member output (each may be yielded). */
static int kernel_values(fusion *f) {
  int count = 0;
  f->visit++;
  for (int m = 0; m < f->member_count; m++) {
    const ir_node *node = f->members[m];
    count += node->num_outputs;
    for (int k = 0; k < node->num_inputs; k++) {
      const ir_value *value = node->inputs[k];
      if (!data_input(node, k) || is_member(f, value->producer))
        continue;
      if (value->id < f->value_count && f->seen[value->id] == f->visit)
        continue;
      if (value->id < f->value_count)
        f->seen[value->id] = f->visit;
      count++;
    }
  }
  return count;
}

static int add_member(fusion *f, ir_node *node) {
  f->group_of[node->id] = f->group_count;
  return IR_ARRAY_APPEND(NULL, f->members, f->member_count, f->member_capacity, node);
}

static void drop_last_member(fusion *f) { f->group_of[f->members[--f->member_count]->id] = 0; }

/* Adds `node` if the group's kernel can still take the values it then reads and writes
 * (IR_GROUP_MAX_VALUES kernel parameters); *out_added says whether it did. */
static int try_add_member(fusion *f, ir_node *node, bool *out_added) {
  *out_added = false;
  if (add_member(f, node) != 0)
    return -1;
  *out_added = kernel_values(f) <= IR_GROUP_MAX_VALUES;
  if (!*out_added)
    drop_last_member(f);
  return 0;
}

/* A producer that only `consumer` reads, in the body, not in a group, an element map. */
static ir_node *private_producer(const fusion *f, const ir_value *value) {
  ir_node *producer = value ? value->producer : NULL;
  if (!producer || producer->parent != &f->graph->body || grouped(f, producer) ||
      !ir_op_is_element_map(producer->op) || producer->num_outputs != 1 ||
      f->uses[value->id] != 1 || yielded_by_graph(f->graph, value))
    return NULL;
  return producer;
}

/* Whether a prologue of `producer` may feed input `input` of `consumer`: a contraction
 * recomputes its operands' prologues once per output tile that loads them, so there only
 * index maps and casts (free per load) qualify, or any element map when each element feeds
 * few multiply-adds (a 1x1 Conv with few output channels after an SE block's channel Mul:
 * about reuse / 64 recomputations, cheaper than the launch and the round trip they save). */
static bool may_precede(const ir_node *consumer, int input, const ir_node *producer,
                        bool index_maps_only) {
  if (ir_op_is_index_map(producer->op) || producer->op == IR_OP_CAST)
    return true;
  if (ir_op_category_of(consumer->op) == IR_OP_CATEGORY_CONTRACTION) {
    int64_t reuse = ir_contraction_input_reuse(consumer, input);
    return reuse > 0 && reuse <= FUSE_PROLOGUE_MAX_REUSE;
  }
  return !index_maps_only;
}

/* Prologue: the element maps feeding `node` that nothing else reads, recursively; under a
 * contraction only those may_precede allows (`index_maps_only` then holds for the rest of
 * the chain, whose elements are recomputed as often). */
static int absorb_producers(fusion *f, ir_node *node, bool index_maps_only) {
  for (int k = 0; k < node->num_inputs; k++) {
    if (!data_input(node, k))
      continue;
    ir_node *producer = private_producer(f, node->inputs[k]);
    if (!producer || full(f) || !may_precede(node, k, producer, index_maps_only))
      continue;
    bool added;
    if (try_add_member(f, producer, &added) != 0 ||
        (added && absorb_producers(f, producer, index_maps_only) != 0))
      return -1;
  }
  return 0;
}

/* Uses of member values that nodes after `node` (or the graph's outputs) still make. */
static int pending_uses(const fusion *f) {
  int pending = 0;
  for (int m = 0; m < f->member_count; m++)
    for (int j = 0; j < f->members[m]->num_outputs; j++)
      pending += f->uses[f->members[m]->outputs[j]->id];
  for (int m = 0; m < f->member_count; m++)
    for (int k = 0; k < f->members[m]->num_inputs; k++)
      if (f->members[m]->inputs[k] && is_member(f, f->members[m]->inputs[k]->producer))
        pending--;
  return pending;
}

static bool reads_member(const fusion *f, const ir_node *node) {
  for (int k = 0; k < node->num_inputs; k++)
    if (node->inputs[k] && is_member(f, node->inputs[k]->producer))
      return true;
  return false;
}

/* The frame of a group value derived from the root: the value whose element order it has
 * (the root's output, or the output of the last bijective index map on its way from the
 * root); NULL for a value outside the epilogue. */
static const ir_value *frame_of(const fusion *f, const ir_value *value) {
  return value && is_member(f, value->producer) ? f->frames[value->id] : NULL;
}

/* The frame `node` computes in, or NULL if it may not join the epilogue: an element map whose
 * group inputs are all in one frame and whose output has that frame's dims; or, when
 * `through_views`, a bijective index map (each element of its group input stored once, at
 * the mapped index) of a group value, which starts a frame of its own. */
static const ir_value *consumer_frame(const fusion *f, const ir_node *node, bool through_views) {
  if (grouped(f, node) || !ir_op_is_element_map(node->op) || node->num_outputs != 1)
    return NULL;
  const ir_value *frame = NULL;
  for (int k = 0; k < node->num_inputs; k++) {
    const ir_value *input_frame = data_input(node, k) ? frame_of(f, node->inputs[k]) : NULL;
    if (!input_frame)
      continue;
    if (frame && input_frame != frame)
      return NULL; /* values of two element orders: no one index to store them at */
    frame = input_frame;
  }
  if (!frame)
    return NULL;
  const ir_type *shape = &frame->type;
  /* After a root, an index map of the same shape may still move elements (a square
   * Transpose): only the bijective ones join, each in a frame of its own. */
  bool moves = through_views && ir_op_category_of(node->op) != IR_OP_CATEGORY_ELEMENTWISE;
  if (!moves && ir_type_same_dims(&node->outputs[0]->type, shape))
    return frame; /* of any element type: the store converts (a Cast to a graph output's f32) */
  int64_t in = 0, out = 0;
  if (through_views && ir_op_has_flag(node->op, IR_OP_FLAG_BIJECTIVE) &&
      ir_type_element_count(shape, &in) && ir_type_element_count(&node->outputs[0]->type, &out) &&
      in == out && node->outputs[0]->type.dtype == shape->dtype)
    return node->outputs[0];
  return NULL;
}

/* Whether a node outside the group (or the graph's outputs) reads `value`. */
static bool read_outside(const fusion *f, const ir_value *value) {
  int inside = 0;
  for (int m = 0; m < f->member_count; m++)
    for (int k = 0; k < f->members[m]->num_inputs; k++)
      inside += f->members[m]->inputs[k] == value;
  return f->uses[value->id] > inside || yielded_by_graph(f->graph, value);
}

/* Epilogue: following element maps that read group values (see consumer_frame), until a node
 * outside the group reads one or no use of a group value is left. A bijective index map
 * whose output is read outside the group then leaves it with everything after it: that
 * output would be stored in a second element order, and as a view it costs nothing. */
static int absorb_consumers(fusion *f, ir_node *start, bool through_views) {
  int first = f->member_count;
  f->frames[start->outputs[0]->id] = start->outputs[0];
  int pending = pending_uses(f);
  for (ir_node *node = start->next; node && pending > 0; node = node->next) {
    if (!reads_member(f, node))
      continue;
    const ir_value *frame = consumer_frame(f, node, through_views);
    if (!frame || full(f))
      break; /* an outside reader (or a full group): the group must end before it */
    bool added;
    if (try_add_member(f, node, &added) != 0)
      return -1;
    if (!added)
      break; /* the kernel could not take the values it reads */
    f->frames[node->outputs[0]->id] = frame;
    pending = pending_uses(f);
  }
  for (int m = first; m < f->member_count; m++) {
    const ir_node *node = f->members[m];
    if (f->frames[node->outputs[0]->id] != node->outputs[0] || !read_outside(f, node->outputs[0]))
      continue;
    for (int n = m; n < f->member_count; n++)
      f->group_of[f->members[n]->id] = 0;
    f->member_count = m;
  }
  return 0;
}

/* Members into body order (groups are small: insertion sort). */
static void sort_by_position(ir_node **members, int count, const int *positions) {
  for (int i = 1; i < count; i++) {
    ir_node *node = members[i];
    int j = i;
    for (; j > 0 && positions[members[j - 1]->id] > positions[node->id]; j--)
      members[j] = members[j - 1];
    members[j] = node;
  }
}

/* "seed+Op+Op": the seed's name and the ops it was fused with, for profiles and dumps. */
static const char *group_name(fusion *f, const ir_node *seed, int count) {
  char name[96];
  int length = snprintf(name, sizeof name, "%s", seed->name ? seed->name : ir_op_name(seed->op));
  for (int m = 0; m < count && length < (int)sizeof name; m++)
    if (f->members[m] != seed)
      length += snprintf(name + length, sizeof name - (size_t)length, "+%s",
                         ir_op_name(f->members[m]->op));
  return ir_arena_strdup(f->graph->arena, name);
}

/* Outlines the grown group if it has more than one node. */
static int close_group(fusion *f, const int *positions, const ir_node *named, dl_diag *diag) {
  int count = f->member_count;
  f->member_count = 0;
  if (count < 2) {
    if (count == 1)
      f->group_of[f->members[0]->id] = 0;
    return 0;
  }
  sort_by_position(f->members, count, positions);
  const char *name = group_name(f, named, count);
  if (!name)
    return dl_error(diag, "fuse: out of memory");
  return dl_outline_group(f->graph, f->members, count, name, f->uses, diag) ? 0 : -1;
}

static int grow_group(fusion *f, ir_node *seed, const int *positions, dl_diag *diag) {
  f->group_count++;
  bool rooted = ir_node_can_root_group(seed);
  /* A reduction reads each operand element once; other roots (GEMMs, Attention) many times. */
  bool index_maps_only = rooted && ir_op_category_of(seed->op) != IR_OP_CATEGORY_REDUCTION;
  if (add_member(f, seed) != 0 || absorb_producers(f, seed, index_maps_only) != 0)
    return dl_error(diag, "fuse: out of memory");
  int first_consumer = f->member_count;
  if (absorb_consumers(f, seed, rooted) != 0)
    return dl_error(diag, "fuse: out of memory");
  /* Producers of every member after the seed (of a rooted group: of its epilogue), once the
   * group has grown: each of their elements is computed once per element of the group. */
  for (int m = rooted ? first_consumer : 1; m < f->member_count; m++)
    if (absorb_producers(f, f->members[m], false) != 0)
      return dl_error(diag, "fuse: out of memory");
  return close_group(f, positions, seed, diag);
}

int dl_pass_fuse(ir_graph *graph, dl_diag *diag) {
  int node_count = graph->num_nodes;
  fusion f = {.graph = graph, .node_count = node_count};
  f.uses = dl_count_uses(graph);
  f.group_of = calloc((size_t)node_count + 1, sizeof(int));
  f.frames = calloc((size_t)graph->num_values + 1, sizeof(*f.frames));
  f.seen = calloc((size_t)graph->num_values + 1, sizeof(int));
  f.value_count = graph->num_values;
  int *positions = calloc((size_t)node_count + 1, sizeof(int));
  ir_node **order = calloc((size_t)node_count + 1, sizeof(ir_node *));
  int status = f.uses && f.group_of && f.frames && f.seen && positions && order
                   ? 0
                   : dl_error(diag, "fuse: out of memory");
  int count = 0;
  for (ir_node *node = graph->body.first; status == 0 && node; node = node->next) {
    positions[node->id] = count;
    order[count++] = node;
  }
  /* Rooted groups first, so that pointwise groups do not take a root's epilogue. The body
   * list changes as groups are outlined: walk the order recorded before. */
  for (int i = 0; status == 0 && i < count; i++)
    if (!order[i]->body && ir_node_can_root_group(order[i]) && !grouped(&f, order[i]))
      status = grow_group(&f, order[i], positions, diag);
  for (int i = 0; status == 0 && i < count; i++)
    if (!order[i]->body && order[i]->parent == &graph->body && !grouped(&f, order[i]) &&
        ir_op_category_of(order[i]->op) == IR_OP_CATEGORY_ELEMENTWISE &&
        order[i]->num_outputs == 1)
      status = grow_group(&f, order[i], positions, diag);
  free(f.uses);
  free(f.group_of);
  free(f.frames);
  free(f.seen);
  free(f.members);
  free(positions);
  free(order);
  return status;
}
