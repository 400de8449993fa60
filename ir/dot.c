/* Graphviz DOT output. Values are not drawn as nodes of their own: an edge goes from the
 * node (or graph input) that makes a tensor to each node that reads it, through groups. */
#include "ir/dot.h"

#include <inttypes.h>
#include <string.h>

#include "ir/infer.h"
#include "ir/state.h"

/* Writes `text` inside a DOT double-quoted string. */
static void write_escaped(FILE *out, const char *text) {
  for (const char *p = text ? text : ""; *p; p++) {
    if (*p == '"' || *p == '\\')
      fputc('\\', out);
    if (*p == '\n')
      fputs("\\n", out);
    else
      fputc(*p, out);
  }
}

/* Role names of constant inputs for the ops with weights, so labels read "W: f32[...]". */
static const char *input_role(ir_op op, int index) {
  static const char *const CONV[] = {"X", "W", "B"};
  static const char *const GEMM[] = {"A", "B", "C"};
  static const char *const BATCH_NORM[] = {"X", "scale", "B", "mean", "var"};
  static const char *const LAYER_NORM[] = {"X", "scale", "B"};
  switch (op) {
  case IR_OP_CONV:
  case IR_OP_CONV_TRANSPOSE:
    return index < 3 ? CONV[index] : NULL;
  case IR_OP_DEFORM_CONV:
    return index == 1 ? "W" : index == 3 ? "B" : NULL;
  case IR_OP_GEMM:
    return index < 3 ? GEMM[index] : NULL;
  case IR_OP_MATMUL:
    return index == 1 ? "W" : NULL;
  case IR_OP_BATCH_NORMALIZATION:
    return index < 5 ? BATCH_NORM[index] : NULL;
  case IR_OP_LAYER_NORMALIZATION:
    return index < 3 ? LAYER_NORM[index] : NULL;
  default:
    return NULL;
  }
}

/* The drawn node a value comes from: through group params to the group's input, and
 * through a group's outputs to what its body yields. NULL for constants. */
static const ir_value *drawn_source(const ir_value *value, const ir_node **out_node) {
  *out_node = NULL;
  for (int depth = 0; value && depth < 64; depth++) {
    if (value->kind == IR_VALUE_STATE) {
      return value; /* drawn once, as a cylinder */
    } else if (value->kind == IR_VALUE_PARAM) {
      const ir_region *region = value->region;
      if (!region || !region->owner)
        return value; /* a graph input */
      const ir_node *owner = region->owner;
      int index = 0;
      while (index < region->num_params && region->params[index] != value)
        index++;
      value = index < owner->num_inputs ? owner->inputs[index] : NULL;
    } else if (value->kind == IR_VALUE_RESULT && value->producer) {
      const ir_node *producer = value->producer;
      if (!producer->body) {
        *out_node = producer;
        return value;
      }
      const ir_region *body = producer->body;
      value =
          value->producer_index < body->num_results ? body->results[value->producer_index] : NULL;
    } else {
      return NULL; /* a constant, or a value without producer */
    }
  }
  return NULL;
}

static void write_source_id(FILE *out, const ir_value *value, const ir_node *node) {
  if (node)
    fprintf(out, "n%d", node->id);
  else
    fprintf(out, "v%d", value->id);
}

static void write_edge(FILE *out, const ir_graph *graph, const ir_value *value, const char *target,
                       int indent) {
  const ir_node *source_node;
  const ir_value *source = drawn_source(value, &source_node);
  if (!source)
    return;
  char type[160];
  fprintf(out, "%*s", indent, "");
  write_source_id(out, source, source_node);
  fprintf(out, " -> %s [label=\"", target);
  write_escaped(out, ir_format_type(graph, &value->type, type, sizeof(type)));
  fputs("\"];\n", out);
}

/* Shapes, axes and scalars are more telling by value (integer constants up to 8 elements,
 * float ones up to 4, so weight labels stay short). */
static bool shows_values(const ir_value *constant) {
  int64_t count = 0;
  return constant->data && ir_type_element_count(&constant->type, &count) &&
         count <= (ir_dtype_is_float(constant->type.dtype) ? 4 : 8);
}

static void write_values(FILE *out, const ir_value *constant) {
  ir_dtype dtype = constant->type.dtype;
  int64_t count = 0;
  ir_type_element_count(&constant->type, &count);
  fputs(" = [", out);
  for (int64_t i = 0; i < count; i++) {
    if (i)
      fputs(", ", out);
    if (ir_dtype_is_float(dtype))
      fprintf(out, "%g", ir_element_get_float(dtype, constant->data, i));
    else
      fprintf(out, "%" PRId64, ir_element_get_int(dtype, constant->data, i));
  }
  fputc(']', out);
}

static void write_role(FILE *out, const ir_node *node, int index) {
  const char *role = input_role(node->op, index);
  if (role)
    write_escaped(out, role);
  else
    fprintf(out, "in%d", index);
}

/* Index of the next constant input at or after `index`, or num_inputs. */
static int next_constant_input(const ir_node *node, int index) {
  while (index < node->num_inputs &&
         (!node->inputs[index] || node->inputs[index]->kind != IR_VALUE_CONSTANT))
    index++;
  return index;
}

/* Op, node name, then one line per constant input: "W: f32[64,3,7,7]". Consecutive constants
 * of one type share a line ("scale, B, mean, var: f32[64]" for BatchNormalization). */
static void write_node_label(FILE *out, const ir_graph *graph, const ir_node *node) {
  char type[160];
  write_escaped(out, ir_op_name(node->op));
  fputs("\\n", out);
  write_escaped(out, node->name);
  int i = next_constant_input(node, 0);
  while (i < node->num_inputs) {
    const ir_value *input = node->inputs[i];
    fputs("\\n", out);
    write_role(out, node, i);
    int next = next_constant_input(node, i + 1);
    while (!shows_values(input) && next < node->num_inputs && !shows_values(node->inputs[next]) &&
           ir_type_equal(&node->inputs[next]->type, &input->type)) {
      fputs(", ", out);
      write_role(out, node, next);
      next = next_constant_input(node, next + 1);
    }
    fputs(": ", out);
    write_escaped(out, ir_format_type(graph, &input->type, type, sizeof(type)));
    if (shows_values(input))
      write_values(out, input);
    i = next;
  }
}

static void write_region(FILE *out, const ir_graph *graph, const ir_region *region, int indent);

static void write_group(FILE *out, const ir_graph *graph, const ir_node *node, int indent) {
  fprintf(out, "%*ssubgraph cluster_%d {\n", indent, "", node->id);
  fprintf(out, "%*s  label=\"", indent, "");
  write_escaped(out, ir_op_name(node->op));
  fputc(' ', out);
  write_escaped(out, node->name);
  fprintf(out, "\"; style=\"rounded,dashed\"; color=gray40;\n");
  write_region(out, graph, node->body, indent + 2);
  fprintf(out, "%*s}\n", indent, "");
}

static void write_region(FILE *out, const ir_graph *graph, const ir_region *region, int indent) {
  for (const ir_node *node = region->first; node; node = node->next) {
    if (node->body) {
      write_group(out, graph, node, indent);
      continue;
    }
    fprintf(out, "%*sn%d [label=\"", indent, "", node->id);
    write_node_label(out, graph, node);
    fputs("\"];\n", out);
  }
}

/* Edges are written after every node is declared, outside clusters: Graphviz puts a node in
 * the first subgraph that mentions it, so an edge inside a cluster would pull its source in. */
static void write_node_edges(FILE *out, const ir_graph *graph) {
  char target[32];
  for (ir_node *node = ir_graph_next_node(graph, NULL); node;
       node = ir_graph_next_node(graph, node)) {
    if (node->body)
      continue;
    snprintf(target, sizeof(target), "n%d", node->id);
    for (int i = 0; i < node->num_inputs; i++)
      if (node->inputs[i])
        write_edge(out, graph, node->inputs[i], target, 2);
  }
}

static void write_inputs_and_outputs(FILE *out, const ir_graph *graph) {
  char type[160], target[32];
  for (int i = 0; i < graph->body.num_params; i++) {
    const ir_value *input = graph->body.params[i];
    fprintf(out, "  v%d [shape=invhouse, style=filled, fillcolor=\"#d5e8d4\", label=\"", input->id);
    write_escaped(out, input->name);
    fputs("\\n", out);
    write_escaped(out, ir_format_type(graph, &input->type, type, sizeof(type)));
    fputs("\"];\n", out);
  }
  for (int i = 0; i < graph->body.num_results; i++) {
    const ir_value *output = graph->body.results[i];
    fprintf(out, "  out%d [shape=house, style=filled, fillcolor=\"#dae8fc\", label=\"", i);
    write_escaped(out, output->name);
    fputs("\"];\n", out);
    snprintf(target, sizeof(target), "out%d", i);
    if (output->kind == IR_VALUE_CONSTANT) { /* nothing computes it: show the constant */
      fprintf(out, "  v%d [shape=note, label=\"", output->id);
      write_escaped(out, output->name);
      fputs("\\n", out);
      write_escaped(out, ir_format_type(graph, &output->type, type, sizeof(type)));
      fprintf(out, "\"];\n  v%d -> %s;\n", output->id, target);
    } else {
      write_edge(out, graph, output, target, 2);
    }
  }
}

/* States as cylinders that their readers' edges start from; a dashed edge from the update
 * value back to its state shows what the state holds after a run. */
static void write_states(FILE *out, const ir_graph *graph) {
  char type[160], target[32];
  for (int i = 0; i < graph->num_states; i++) {
    const ir_value *state = graph->states[i];
    fprintf(out, "  v%d [shape=cylinder, style=filled, fillcolor=\"#fff2cc\", label=\"state ",
            state->id);
    write_escaped(out, state->name);
    fputs("\\n", out);
    write_escaped(out, ir_format_type(graph, &state->type, type, sizeof(type)));
    fputs("\"];\n", out);
  }
  for (int i = 0; i < graph->num_state_updates; i++) {
    const ir_node *source_node;
    const ir_value *source = drawn_source(graph->state_updates[i].value, &source_node);
    if (!source)
      continue;
    snprintf(target, sizeof(target), "v%d", graph->state_updates[i].state->id);
    fputs("  ", out);
    write_source_id(out, source, source_node);
    fprintf(out, " -> %s [style=dashed, label=\"update\"];\n", target);
  }
}

int ir_dot_graph(const ir_graph *graph, FILE *out, dl_diag *diag) {
  fputs("digraph \"", out);
  write_escaped(out, graph->name);
  fputs(
      "\" {\n"
      "  rankdir=TB;\n"
      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"Helvetica\", "
      "fontsize=10];\n"
      "  edge [fontname=\"Helvetica\", fontsize=8];\n",
      out);
  write_inputs_and_outputs(out, graph);
  write_states(out, graph);
  write_region(out, graph, &graph->body, 2);
  write_node_edges(out, graph);
  fputs("}\n", out);
  if (ferror(out))
    return dl_error(diag, "cannot write the DOT graph (disk full or closed stream?)");
  return 0;
}
