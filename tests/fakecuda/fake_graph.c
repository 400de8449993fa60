/* Fake driver graphs: stream capture records kernel launches (parameter values copied, as the
 * driver copies them), instantiation copies the record, and a graph launch replays it through
 * the host twins, each kernel recorded like a direct launch. Only kernel launches can be
 * captured; copies and synchronization on a capturing stream are refused. */
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"

/* The fake built with FAKECUDA_WITHOUT_GRAPHS stands for a driver older than CUDA graphs:
 * the entry points exist but are not exported. */
#ifdef FAKECUDA_WITHOUT_GRAPHS
#define GRAPH_EXPORT
#else
#define GRAPH_EXPORT FAKE_EXPORT
#endif

typedef struct graph_node {
  struct CUfunc_st *function;
  unsigned grid[3], block[3], shared_bytes;
  void **params;         /* param_count pointers into `values` */
  unsigned char *values; /* each parameter's bytes, 8-aligned */
} graph_node;

typedef struct node_list {
  int count, capacity;
  graph_node *nodes;
} node_list;

struct CUgraph_st {
  node_list list;
};
struct CUgraphExec_st {
  node_list list;
};

static void free_nodes(node_list *list) {
  for (int i = 0; i < list->count; i++) {
    free(list->nodes[i].params);
    free(list->nodes[i].values);
  }
  free(list->nodes);
  *list = (node_list){0};
}

/* Appends a launch whose parameters are copied out of `params` (cuLaunchKernel's layout). */
static CUresult append(node_list *list, struct CUfunc_st *function, const unsigned grid[3],
                       const unsigned block[3], unsigned shared_bytes, void *const *params) {
  if (list->count == list->capacity) {
    int capacity = list->capacity ? list->capacity * 2 : 16;
    graph_node *grown = realloc(list->nodes, (size_t)capacity * sizeof *grown);
    if (!grown)
      return CUDA_ERROR_OUT_OF_MEMORY;
    list->nodes = grown;
    list->capacity = capacity;
  }
  graph_node node = {.function = function, .shared_bytes = shared_bytes};
  memcpy(node.grid, grid, sizeof node.grid);
  memcpy(node.block, block, sizeof node.block);
  size_t bytes = 0;
  for (uint32_t i = 0; i < function->param_count; i++)
    bytes += (function->param_sizes[i] + 7) / 8 * 8;
  node.params = calloc(function->param_count + 1, sizeof *node.params);
  node.values = calloc(bytes + 8, 1);
  if (!node.params || !node.values) {
    free(node.params);
    free(node.values);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  for (uint32_t i = 0, offset = 0; i < function->param_count; i++) {
    node.params[i] = node.values + offset;
    memcpy(node.params[i], params[i], function->param_sizes[i]);
    offset += (function->param_sizes[i] + 7) / 8 * 8;
  }
  list->nodes[list->count++] = node;
  return CUDA_SUCCESS;
}

static void free_graph(void *handle) {
  struct CUgraph_st *graph = handle;
  free_nodes(&graph->list);
  free(graph);
}

static void free_exec(void *handle) {
  struct CUgraphExec_st *exec = handle;
  free_nodes(&exec->list);
  free(exec);
}

void fake_graph_free(struct CUgraph_st *graph) {
  if (graph)
    free_graph(graph);
}

struct CUgraph_st *fake_stream_capture(CUstream stream) {
  return stream && fake_object_is_live(stream) ? stream->capture : NULL;
}

CUresult fake_graph_add_launch(struct CUgraph_st *graph, struct CUfunc_st *function,
                               const unsigned grid[3], const unsigned block[3],
                               unsigned shared_bytes, void **params) {
  return append(&graph->list, function, grid, block, shared_bytes, params);
}

static int live_stream(CUstream stream) { return stream && fake_object_is_live(stream); }

GRAPH_EXPORT CUresult cuStreamBeginCapture_v2(CUstream stream, CUstreamCaptureMode mode) {
  CUresult result = fake_enter_in_context("cuStreamBeginCapture_v2");
  if (result != CUDA_SUCCESS)
    return result;
  if (!live_stream(stream)) /* the legacy stream cannot be captured */
    return stream ? CUDA_ERROR_INVALID_HANDLE : CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
      mode != CU_STREAM_CAPTURE_MODE_RELAXED)
    return CUDA_ERROR_INVALID_VALUE;
  if (stream->capture)
    return CUDA_ERROR_ILLEGAL_STATE;
  if (!(stream->capture = calloc(1, sizeof *stream->capture)))
    return CUDA_ERROR_OUT_OF_MEMORY;
  return CUDA_SUCCESS;
}

/* Ends the capture even when failing (the capture is then lost), like the driver. */
GRAPH_EXPORT CUresult cuStreamEndCapture(CUstream stream, CUgraph *out_graph) {
  CUresult result = fake_enter("cuStreamEndCapture");
  if (!live_stream(stream) || !stream->capture)
    return CUDA_ERROR_ILLEGAL_STATE;
  struct CUgraph_st *graph = stream->capture;
  stream->capture = NULL;
  if (result != CUDA_SUCCESS || !out_graph) {
    free_graph(graph);
    return result != CUDA_SUCCESS ? result : CUDA_ERROR_INVALID_VALUE;
  }
  fake_object_add(graph, free_graph);
  *out_graph = graph;
  return CUDA_SUCCESS;
}

GRAPH_EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec *out_exec, CUgraph graph,
                                                  unsigned long long flags) {
  CUresult result = fake_enter("cuGraphInstantiateWithFlags");
  if (result != CUDA_SUCCESS)
    return result;
  if (!out_exec || !graph || !fake_object_is_live(graph) || flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  struct CUgraphExec_st *exec = calloc(1, sizeof *exec);
  if (!exec)
    return CUDA_ERROR_OUT_OF_MEMORY;
  for (int i = 0; i < graph->list.count && result == CUDA_SUCCESS; i++) {
    const graph_node *node = &graph->list.nodes[i];
    result = append(&exec->list, node->function, node->grid, node->block, node->shared_bytes,
                    node->params);
  }
  if (result != CUDA_SUCCESS) {
    free_exec(exec);
    return result;
  }
  fake_object_add(exec, free_exec);
  *out_exec = exec;
  return CUDA_SUCCESS;
}

GRAPH_EXPORT CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) {
  CUresult result = fake_enter_in_context("cuGraphLaunch");
  if (result != CUDA_SUCCESS)
    return result;
  if (!exec || !fake_object_is_live(exec) || (stream && !fake_object_is_live(stream)))
    return CUDA_ERROR_INVALID_HANDLE;
  if (fake_stream_capture(stream))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  for (int i = 0; i < exec->list.count && result == CUDA_SUCCESS; i++) {
    const graph_node *node = &exec->list.nodes[i];
    result =
        fake_launch_run(node->function, node->grid, node->block, node->shared_bytes, node->params);
  }
  return result;
}

GRAPH_EXPORT CUresult cuGraphExecDestroy(CUgraphExec exec) {
  return fake_object_destroy("cuGraphExecDestroy", exec, free_exec, CUDA_ERROR_INVALID_VALUE);
}

GRAPH_EXPORT CUresult cuGraphDestroy(CUgraph graph) {
  return fake_object_destroy("cuGraphDestroy", graph, free_graph, CUDA_ERROR_INVALID_VALUE);
}
