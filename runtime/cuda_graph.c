/* CUDA graphs on the cuda device: the model's static launch list is captured once, on a
 * private stream, into a graph that each run replays with one cuGraphLaunch. */
#include <stdio.h>

#include "runtime/cuda_device.h"

/* Keeps the first failure: a later cleanup call's error does not replace it. */
static int first_failure(cuda_device *cuda, int status, CUresult result, const char *call) {
  if (result == CUDA_SUCCESS || status != DLRT_STATUS_OK)
    return status;
  return dlrt_cuda_error(&cuda->driver, result, call, "(capturing the launches into a CUDA graph)");
}

/* Launches go to cuda->stream, so it is the capture stream while `enqueue` runs. A private
 * stream keeps other work the application puts on its own stream out of the graph. */
static int capture_in_context(cuda_device *cuda, int (*enqueue)(void *), void *context) {
  CUstream capture = NULL, run_stream = cuda->stream;
  CUgraph graph = NULL;
  int status = first_failure(cuda, DLRT_STATUS_OK,
                             cuda->driver.cuStreamCreate(&capture, CU_STREAM_NON_BLOCKING),
                             "cuStreamCreate");
  if (status)
    return status;
  status = first_failure(
      cuda, status,
      cuda->driver.cuStreamBeginCapture_v2(capture, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
      "cuStreamBeginCapture_v2");
  if (status == DLRT_STATUS_OK) {
    cuda->stream = capture;
    status = enqueue(context);
    cuda->stream = run_stream;
    /* Ended whatever happened, so the stream leaves capture mode before it is destroyed. */
    status = first_failure(cuda, status, cuda->driver.cuStreamEndCapture(capture, &graph),
                           "cuStreamEndCapture");
  }
  if (status == DLRT_STATUS_OK)
    status = first_failure(cuda, status,
                           cuda->driver.cuGraphInstantiateWithFlags(&cuda->graph, graph, 0),
                           "cuGraphInstantiateWithFlags");
  if (status)
    cuda->graph = NULL;
  if (graph) /* the instantiated graph does not need it */
    status = first_failure(cuda, status, cuda->driver.cuGraphDestroy(graph), "cuGraphDestroy");
  return first_failure(cuda, status, cuda->driver.cuStreamDestroy_v2(capture),
                       "cuStreamDestroy_v2");
}

int dlrt_cuda_graph_capture(dlrt_device *device, int (*enqueue)(void *context), void *context,
                            int *out_captured, char *reason, size_t reason_size) {
  cuda_device *cuda = (cuda_device *)device;
  *out_captured = 0;
  if (cuda->driver.missing_graph_symbol) {
    snprintf(reason, reason_size, "the CUDA driver has no %s", cuda->driver.missing_graph_symbol);
    return DLRT_STATUS_OK;
  }
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  status = dlrt_cuda_context_leave(cuda, capture_in_context(cuda, enqueue, context));
  *out_captured = status == DLRT_STATUS_OK && cuda->graph;
  return status;
}

static int launch_in_context(cuda_device *cuda) {
  CUDA_CHECK(cuda, cuGraphLaunch(cuda->graph, cuda->stream), "");
  return DLRT_STATUS_OK;
}

int dlrt_cuda_graph_launch(dlrt_device *device) {
  cuda_device *cuda = (cuda_device *)device;
  if (!cuda->graph)
    return dlrt_error(DLRT_STATUS_INTERNAL, "cuda device: no CUDA graph was captured");
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, launch_in_context(cuda));
}

void dlrt_cuda_graph_destroy(cuda_device *cuda) {
  if (!cuda->graph)
    return;
  CUresult result = cuda->driver.cuGraphExecDestroy(cuda->graph);
  if (result != CUDA_SUCCESS)
    dlrt_cuda_error(&cuda->driver, result, "cuGraphExecDestroy", "");
  cuda->graph = NULL;
}
