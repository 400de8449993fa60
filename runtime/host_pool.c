/* Host thread pool: workers take block indices from a shared atomic counter, so uneven
 * blocks balance themselves; the caller works as worker 0 and never waits for a worker that
 * did not show up (the machine may have fewer free cores than workers). */
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

/* Handing out a job is a seqlock: `generation` is odd while the caller rewrites `job` and
 * even when it is published. A worker announces itself in `active` and checks the generation
 * again before touching the job; the caller rewrites it only once `active` is zero. All
 * atomics are seq_cst so each side sees the other's announcement. Completion is counted in
 * blocks (`done_blocks`), not in workers. */
struct dlrt_host_pool {
  int thread_count;
  int started_threads; /* pthreads running (thread_count - 1 once created) */
  pthread_mutex_t mutex;
  pthread_cond_t work_ready; /* workers sleep here after spinning */
  pthread_cond_t work_done;  /* the caller sleeps here after spinning */
  _Atomic uint64_t generation;
  _Atomic int active;         /* workers inside a job */
  _Atomic int sleepers;       /* workers in (or entering) pthread_cond_wait */
  _Atomic int caller_waiting; /* the caller in (or entering) pthread_cond_wait */
  _Atomic int stopping;
  host_job job;
  _Atomic uint64_t next_block;
  _Atomic uint64_t done_blocks;
  host_worker *workers;
};

/* Polling before sleeping: longer than the gap between two launches of a schedule, short
 * enough not to burn a core once a run is over. */
#define SPIN_ITERATIONS 2000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* Runs blocks of the current job until none is left; returns how many this thread ran. */
static uint64_t run_blocks(host_worker *worker) {
  dlrt_host_pool *pool = worker->pool;
  const host_job *job = &pool->job;
  dlrt_host_launch launch = {.sanitizer = NULL}; /* checked twins run unchecked here */
  memcpy(launch.grid, job->grid, sizeof launch.grid);
  memcpy(launch.block, job->block, sizeof launch.block);
  launch.shared_memory = worker->shared_memory;
  launch.scratch = worker->scratch;
  uint64_t plane = (uint64_t)job->grid[0] * job->grid[1];
  uint64_t ran = 0;
  for (;; ran++) {
    uint64_t index = atomic_fetch_add_explicit(&pool->next_block, 1, memory_order_relaxed);
    if (index >= job->block_count)
      return ran;
    launch.block_index[0] = (uint32_t)(index % job->grid[0]);
    launch.block_index[1] = (uint32_t)((index / job->grid[0]) % job->grid[1]);
    launch.block_index[2] = (uint32_t)(index / plane);
    job->fn(job->params, &launch);
  }
}

/* Counts finished blocks; the thread finishing the last one wakes a sleeping caller. */
static void finish_blocks(dlrt_host_pool *pool, uint64_t ran) {
  if (!ran)
    return;
  uint64_t done = atomic_fetch_add(&pool->done_blocks, ran) + ran;
  if (done == pool->job.block_count && atomic_load(&pool->caller_waiting)) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_signal(&pool->work_done);
    pthread_mutex_unlock(&pool->mutex);
  }
}

static int job_ready(dlrt_host_pool *pool, uint64_t seen) {
  uint64_t generation = atomic_load(&pool->generation);
  return (generation != seen && generation % 2 == 0) || atomic_load(&pool->stopping);
}

static void wait_for_job(dlrt_host_pool *pool, uint64_t seen) {
  for (int i = 0; i < SPIN_ITERATIONS; i++) {
    if (job_ready(pool, seen))
      return;
    cpu_relax();
  }
  pthread_mutex_lock(&pool->mutex);
  atomic_fetch_add(&pool->sleepers, 1);
  while (!job_ready(pool, seen))
    pthread_cond_wait(&pool->work_ready, &pool->mutex);
  atomic_fetch_sub(&pool->sleepers, 1);
  pthread_mutex_unlock(&pool->mutex);
}

static void *worker_main(void *argument) {
  host_worker *worker = argument;
  dlrt_host_pool *pool = worker->pool;
  uint64_t seen = 0;
  for (;;) {
    wait_for_job(pool, seen);
    if (atomic_load(&pool->stopping))
      return NULL;
    uint64_t generation = atomic_load(&pool->generation);
    atomic_fetch_add(&pool->active, 1);
    /* Still the published job? Otherwise the caller is rewriting it: try again. */
    if (atomic_load(&pool->generation) == generation && generation % 2 == 0) {
      seen = generation;
      finish_blocks(pool, run_blocks(worker));
    }
    atomic_fetch_sub(&pool->active, 1);
  }
}

void dlrt_host_pool_destroy(dlrt_host_pool *pool) {
  if (!pool)
    return;
  pthread_mutex_lock(&pool->mutex);
  atomic_store(&pool->stopping, 1);
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

/* Writes the job while no worker is inside one (generation odd keeps new ones out). */
static int publish_job(dlrt_host_pool *pool, const host_job *job, uint32_t shared_bytes,
                       uint32_t scratch_bytes) {
  atomic_fetch_add(&pool->generation, 1); /* odd: rewriting */
  while (atomic_load(&pool->active) > 0)
    cpu_relax();
  int status = DLRT_STATUS_OK;
  for (int i = 0; i < pool->thread_count && !status; i++) {
    host_worker *worker = &pool->workers[i];
    if (reserve(&worker->shared_memory, &worker->shared_capacity, shared_bytes) ||
        reserve(&worker->scratch, &worker->scratch_capacity, scratch_bytes))
      status = dlrt_error(DLRT_STATUS_OUT_OF_MEMORY,
                          "host device: out of memory for %u shared + %u scratch bytes per "
                          "worker",
                          shared_bytes, scratch_bytes);
  }
  pool->job = *job;
  if (status)
    pool->job.block_count = 0; /* a late worker finds nothing to do */
  atomic_store(&pool->next_block, 0);
  atomic_store(&pool->done_blocks, 0);
  atomic_fetch_add(&pool->generation, 1); /* even: published */
  return status;
}

int dlrt_host_pool_run(dlrt_host_pool *pool, dlrt_host_block_fn fn, void *const *params,
                       const uint32_t grid[3], const uint32_t block[3], uint32_t shared_bytes,
                       uint32_t scratch_bytes) {
  host_job job = {.fn = fn, .params = params, .block_count = (uint64_t)grid[0] * grid[1] * grid[2]};
  if (job.block_count == 0)
    return DLRT_STATUS_OK;
  memcpy(job.grid, grid, sizeof job.grid);
  memcpy(job.block, block, sizeof job.block);
  int status = publish_job(pool, &job, shared_bytes, scratch_bytes);
  if (status)
    return status;
  if (job.block_count > 1 && atomic_load(&pool->sleepers) > 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->mutex);
  }
  finish_blocks(pool, run_blocks(&pool->workers[0]));
  /* Wait for blocks other workers took and are still running. */
  for (int i = 0; i < SPIN_ITERATIONS && atomic_load(&pool->done_blocks) < job.block_count; i++)
    cpu_relax();
  if (atomic_load(&pool->done_blocks) < job.block_count) {
    pthread_mutex_lock(&pool->mutex);
    atomic_store(&pool->caller_waiting, 1);
    while (atomic_load(&pool->done_blocks) < job.block_count)
      pthread_cond_wait(&pool->work_done, &pool->mutex);
    atomic_store(&pool->caller_waiting, 0);
    pthread_mutex_unlock(&pool->mutex);
  }
  return DLRT_STATUS_OK;
}
