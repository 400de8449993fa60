/* Host thread pool: workers take block indices from a shared atomic counter, so uneven
 * blocks balance themselves; the caller works as worker 0. */
#include "runtime/host_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

typedef struct host_worker {
  dlrt_host_pool *pool;
  pthread_t thread;
  void *shared_memory;
  size_t shared_capacity;
  void *scratch;
  size_t scratch_capacity;
} host_worker;

typedef struct host_job {
  dlrt_host_block_fn fn;
  void *const *params;
  uint32_t grid[3];
  uint32_t block[3];
  uint64_t block_count;
} host_job;

struct dlrt_host_pool {
  int thread_count;
  int started_threads; /* pthreads running (thread_count - 1 once created) */
  pthread_mutex_t mutex;
  pthread_cond_t work_ready;
  pthread_cond_t work_done;
  uint64_t generation; /* bumped for every job; workers wait for a new value */
  int busy_workers;    /* pthreads still working on the current job */
  int stopping;
  host_job job;
  _Atomic uint64_t next_block;
  host_worker *workers;
};

static void run_blocks(host_worker *worker) {
  dlrt_host_pool *pool = worker->pool;
  const host_job *job = &pool->job;
  dlrt_host_launch launch;
  memcpy(launch.grid, job->grid, sizeof launch.grid);
  memcpy(launch.block, job->block, sizeof launch.block);
  launch.shared_memory = worker->shared_memory;
  launch.scratch = worker->scratch;
  uint64_t plane = (uint64_t)job->grid[0] * job->grid[1];
  for (;;) {
    uint64_t index = atomic_fetch_add_explicit(&pool->next_block, 1, memory_order_relaxed);
    if (index >= job->block_count)
      return;
    launch.block_index[0] = (uint32_t)(index % job->grid[0]);
    launch.block_index[1] = (uint32_t)((index / job->grid[0]) % job->grid[1]);
    launch.block_index[2] = (uint32_t)(index / plane);
    job->fn(job->params, &launch);
  }
}

static void *worker_main(void *argument) {
  host_worker *worker = argument;
  dlrt_host_pool *pool = worker->pool;
  uint64_t seen = 0;
  pthread_mutex_lock(&pool->mutex);
  for (;;) {
    while (!pool->stopping && pool->generation == seen)
      pthread_cond_wait(&pool->work_ready, &pool->mutex);
    if (pool->stopping)
      break;
    seen = pool->generation;
    pthread_mutex_unlock(&pool->mutex);
    run_blocks(worker);
    pthread_mutex_lock(&pool->mutex);
    if (--pool->busy_workers == 0)
      pthread_cond_signal(&pool->work_done);
  }
  pthread_mutex_unlock(&pool->mutex);
  return NULL;
}

void dlrt_host_pool_destroy(dlrt_host_pool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->mutex);
  pool->stopping = 1;
  pthread_cond_broadcast(&pool->work_ready);
  pthread_mutex_unlock(&pool->mutex);
  for (int i = 1; i <= pool->started_threads; i++)
    pthread_join(pool->workers[i].thread, NULL);
  for (int i = 0; i < pool->thread_count; i++) {
    free(pool->workers[i].shared_memory);
    free(pool->workers[i].scratch);
  }
  pthread_cond_destroy(&pool->work_done);
  pthread_cond_destroy(&pool->work_ready);
  pthread_mutex_destroy(&pool->mutex);
  free(pool->workers);
  free(pool);
}

int dlrt_host_pool_create(int threads, dlrt_host_pool **out_pool) {
  *out_pool = NULL;
  if (threads < 1)
    threads = 1;
  dlrt_host_pool *pool = calloc(1, sizeof *pool);
  host_worker *workers = calloc((size_t)threads, sizeof *workers);
  if (!pool || !workers) {
    free(pool);
    free(workers);
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host device: out of memory for %d workers",
                      threads);
  }
  pool->thread_count = threads;
  pool->workers = workers;
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->work_ready, NULL);
  pthread_cond_init(&pool->work_done, NULL);
  for (int i = 0; i < threads; i++)
    workers[i].pool = pool;
  for (int i = 1; i < threads; i++) {
    int error = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    if (error) {
      dlrt_host_pool_destroy(pool);
      return dlrt_error(DLRT_STATUS_INTERNAL,
                        "host device: pthread_create failed for worker %d: %s", i, strerror(error));
    }
    pool->started_threads = i;
  }
  *out_pool = pool;
  return DLRT_STATUS_OK;
}

int dlrt_host_pool_thread_count(const dlrt_host_pool *pool) { return pool->thread_count; }

/* Grows one buffer to `size` bytes, 16-aligned as the host-kernel ABI promises. */
static int reserve(void **buffer, size_t *capacity, size_t size) {
  if (size <= *capacity)
    return 0;
  size_t rounded = (size + 15) & ~(size_t)15;
  void *grown = aligned_alloc(16, rounded);
  if (!grown)
    return -1;
  free(*buffer);
  *buffer = grown;
  *capacity = rounded;
  return 0;
}

int dlrt_host_pool_run(dlrt_host_pool *pool, dlrt_host_block_fn fn, void *const *params,
                       const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                       uint32_t scratch_bytes) {
  uint64_t block_count = (uint64_t)grid[0] * grid[1] * grid[2];
  if (block_count == 0)
    return DLRT_STATUS_OK;
  /* Workers are idle here, so the caller may resize their buffers. */
  for (int i = 0; i < pool->thread_count; i++) {
    host_worker *worker = &pool->workers[i];
    if (reserve(&worker->shared_memory, &worker->shared_capacity, shared_bytes) ||
        reserve(&worker->scratch, &worker->scratch_capacity, scratch_bytes))
      return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY,
                        "host device: out of memory for %u shared + %u scratch bytes per worker",
                        shared_bytes, scratch_bytes);
  }
  pool->job = (host_job){.fn = fn, .params = params, .block_count = block_count};
  memcpy(pool->job.grid, grid, sizeof pool->job.grid);
  memcpy(pool->job.block, block, sizeof pool->job.block);
  atomic_store(&pool->next_block, 0);
  int helpers = block_count > 1 ? pool->started_threads : 0;
  if (helpers) {
    pthread_mutex_lock(&pool->mutex);
    pool->busy_workers = helpers;
    pool->generation++;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->mutex);
  }
  run_blocks(&pool->workers[0]);
  if (helpers) {
    pthread_mutex_lock(&pool->mutex);
    while (pool->busy_workers > 0)
      pthread_cond_wait(&pool->work_done, &pool->mutex);
    pthread_mutex_unlock(&pool->mutex);
  }
  return DLRT_STATUS_OK;
}
