/* Checks a parsed graph by re-running each op's inference against the printed types, so a
 * hand-edited dump with a wrong type fails with the line of the node; then runs the IR
 * verifier for the structural rules. */
#include "frontend/text/text_verify.h"

#include <string.h>

#include "ir/infer.h"
#include "ir/verify.h"

typedef struct checker {
  text_parser *parser;
  ir_graph *graph;
  const text_location *node_locs;
  ir_type *printed; /* indexed by value id */
  int failures;
} checker;

static void snapshot_region(checker *c, const ir_region *region, bool restore) {
  for (ir_node *node = region->first; node; node = node->next) {
    for (int i = 0; i < node->num_outputs; i++) {
      ir_value *output = node->outputs[i];
      if (restore)
        output->type = c->printed[output->id];
      else
        c->printed[output->id] = output->type;
    }
    if (node->body)
      snapshot_region(c, node->body, restore);
  }
}

static void restore_node(checker *c, ir_node *node) {
  for (int i = 0; i < node->num_outputs; i++)
    node->outputs[i]->type = c->printed[node->outputs[i]->id];
  if (node->body)
    snapshot_region(c, node->body, true); /* dl.group re-infers its body */
}

static void report_mismatch(checker *c, const ir_node *node, int index, const ir_type *inferred) {
  char printed_text[160], inferred_text[160];
  const ir_value *output = node->outputs[index];
  ir_type_format(&c->printed[output->id], c->graph->symbols, printed_text, sizeof(printed_text));
  ir_type_format(inferred, c->graph->symbols, inferred_text, sizeof(inferred_text));
  text_error_at(c->parser, c->node_locs[node->id],
                "node '%s' (%s): output %%%s is written as %s but %s gives %s", node->name,
                ir_op_name(node->op), output->name, printed_text, ir_op_name(node->op),
                inferred_text);
}

static bool check_node(checker *c, ir_node *node) {
  dl_diag scratch;
  dl_diag_init(&scratch);
  bool ok = ir_infer_node(c->graph, node, &scratch) == 0;
  for (int i = 0; i < scratch.count; i++)
    text_error_at(c->parser, c->node_locs[node->id], "%s", dl_diag_message(&scratch, i));
  dl_diag_deinit(&scratch);
  for (int i = 0; ok && i < node->num_outputs; i++) {
    const ir_value *output = node->outputs[i];
    if (!ir_type_equal(&output->type, &c->printed[output->id])) {
      report_mismatch(c, node, i, &output->type);
      ok = false;
    }
  }
  restore_node(c, node);
  return ok;
}

/* Post-order: a group is checked only once its body is, so an error in the body is
 * reported once, at the line of the inner node. */
static bool check_region(checker *c, ir_region *region) {
  bool ok = true;
  for (ir_node *node = region->first; node; node = node->next) {
    bool body_ok = !node->body || check_region(c, node->body);
    if (!body_ok || !check_node(c, node)) {
      ok = false;
      c->failures++;
    }
  }
  return ok;
}

/* The verifier names nodes ("node 'NAME' (Op): ..."); point at the first node so named. */
static void report_verifier_message(checker *c, const char *message) {
  static const char PREFIX[] = "node '";
  if (strncmp(message, PREFIX, sizeof(PREFIX) - 1) == 0) {
    const char *name = message + sizeof(PREFIX) - 1;
    const char *end = strstr(name, "' (");
    for (ir_node *node = end ? ir_graph_next_node(c->graph, NULL) : NULL; node;
         node = ir_graph_next_node(c->graph, node))
      if (strlen(node->name) == (size_t)(end - name) &&
          strncmp(node->name, name, (size_t)(end - name)) == 0) {
        text_error_at(c->parser, c->node_locs[node->id], "%s", message);
        return;
      }
  }
  dl_error(c->parser->diag, "%s: %s", c->parser->display_name, message);
}

int text_verify_graph(text_parser *parser, ir_graph *graph, const text_location *node_locs) {
  checker c = {.parser = parser, .graph = graph, .node_locs = node_locs};
  c.printed = ir_arena_alloc_array(parser->arena, (size_t)graph->num_values + 1, sizeof(ir_type));
  if (!c.printed)
    return dl_error(parser->diag, "%s: out of memory", parser->display_name);
  snapshot_region(&c, &graph->body, false);
  check_region(&c, &graph->body);
  if (c.failures)
    return -1;
  /* Structural rules (scoping, producers, group bodies) the inference check does not see. */
  dl_diag scratch;
  dl_diag_init(&scratch);
  int status = ir_verify_graph(graph, &scratch);
  for (int i = 0; i < scratch.count; i++)
    report_verifier_message(&c, dl_diag_message(&scratch, i));
  dl_diag_deinit(&scratch);
  return status == 0 ? 0 : -1;
}
