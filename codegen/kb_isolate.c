/* Runs LLVM's backend in forked children (several at once for the host JIT's parts, see
 * kb_parallel_emit.c). Some backend errors (an intrinsic the target cannot select, say) go
 * through report_fatal_error, which aborts the whole process no matter what handler is
 * installed; in a child they become a dl_diag error carrying LLVM's message. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codegen/kb_internal.h"

enum { EXIT_DIAGNOSTICS = 3 };

typedef struct growing_buffer {
  char *data;
  size_t size, capacity;
} growing_buffer;

static int append(growing_buffer *buffer, const char *data, size_t size) {
  if (buffer->size + size + 1 > buffer->capacity) {
    size_t capacity = buffer->capacity ? buffer->capacity : 65536;
    while (buffer->size + size + 1 > capacity)
      capacity *= 2;
    char *grown = realloc(buffer->data, capacity);
    if (!grown)
      return -1;
    buffer->data = grown;
    buffer->capacity = capacity;
  }
  memcpy(buffer->data + buffer->size, data, size);
  buffer->size += size;
  buffer->data[buffer->size] = '\0';
  return 0;
}

static void write_all(int fd, const char *data, size_t size) {
  while (size > 0) {
    ssize_t written = write(fd, data, size);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return;
    data += written;
    size -= (size_t)written;
  }
}

/* Child: output bytes to `data_fd`; new dl_diag messages NUL-separated to stderr. */
static void run_child(kernel_builder *kb, kb_isolated_work work, void *context, int data_fd) {
  int null_fd = open("/dev/null", O_WRONLY);
  if (null_fd >= 0)
    dup2(null_fd, 1); /* the parent's unflushed stdout must not be written twice */
  int first_new = kb->diag->count;
  int errors_before = kb->error_count;
  char *out = NULL;
  size_t size = 0;
  int status = work(kb, context, &out, &size);
  if (status != 0 || kb->error_count != errors_before) {
    for (int i = first_new; i < kb->diag->count; i++) {
      const char *message = dl_diag_message(kb->diag, i);
      write_all(2, message, strlen(message) + 1);
    }
    _exit(EXIT_DIAGNOSTICS);
  }
  write_all(data_fd, out, size);
  _exit(0);
}

/* One forked child and what the parent has read from it. */
typedef struct isolated_child {
  pid_t pid;
  int data_fd, error_fd; /* the parent's read ends; -1 once closed */
  growing_buffer data, errors;
} isolated_child;

/* Parent: drains every child's pipes (any may fill up first) until all are closed. */
static int drain(isolated_child *children, int count) {
  struct pollfd *fds = calloc((size_t)count * 2, sizeof *fds);
  if (!fds)
    return -1;
  int open_count = 0;
  for (int i = 0; i < count; i++) {
    fds[2 * i] = (struct pollfd){.fd = children[i].data_fd, .events = POLLIN};
    fds[2 * i + 1] = (struct pollfd){.fd = children[i].error_fd, .events = POLLIN};
    open_count += (children[i].data_fd >= 0) + (children[i].error_fd >= 0);
  }
  char chunk[65536];
  int status = 0;
  while (status == 0 && open_count > 0) {
    if (poll(fds, (nfds_t)count * 2, -1) < 0) {
      if (errno != EINTR)
        status = -1;
      continue;
    }
    for (int i = 0; status == 0 && i < count * 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR)
        continue;
      isolated_child *child = &children[i / 2];
      if (got <= 0) {
        fds[i].fd = -1;
        open_count--;
      } else if (append(i % 2 ? &child->errors : &child->data, chunk, (size_t)got) != 0) {
        status = -1;
      }
    }
  }
  free(fds);
  return status;
}

static int report_child(kernel_builder *kb, int status, growing_buffer *errors) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_DIAGNOSTICS) {
    for (size_t at = 0; errors->data && at < errors->size; at += strlen(errors->data + at) + 1) {
      kb->failed = 1;
      kb->error_count++;
      dl_error(kb->diag, "%s", errors->data + at);
    }
    return kb->failed ? -1 : kb_fail(kb, "LLVM code generation failed without a message");
  }
  const char *text = errors->data ? errors->data : "";
  size_t length = strlen(text);
  while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == ' '))
    length--;
  if (WIFSIGNALED(status))
    return kb_fail(kb, "LLVM code generation crashed (signal %d): %.*s", WTERMSIG(status),
                   (int)length, text);
  return kb_fail(kb, "LLVM code generation failed (exit %d): %.*s",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, (int)length, text);
}

static void close_fd(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* Forks children[index]; the child never returns. */
static int start_child(kernel_builder *kb, kb_isolated_work work, void *context,
                       isolated_child *children, int index) {
  int data_pipe[2], error_pipe[2];
  if (pipe(data_pipe) != 0)
    return kb_fail(kb, "cannot create a pipe for code generation: %s", strerror(errno));
  if (pipe(error_pipe) != 0) {
    close(data_pipe[0]);
    close(data_pipe[1]);
    return kb_fail(kb, "cannot create a pipe for code generation: %s", strerror(errno));
  }
  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < index; i++) { /* earlier siblings' pipes are not this child's */
      close_fd(&children[i].data_fd);
      close_fd(&children[i].error_fd);
    }
    close(data_pipe[0]);
    close(error_pipe[0]);
    dup2(error_pipe[1], 2); /* LLVM's fatal message, and our diagnostics, go to the parent */
    run_child(kb, work, context, data_pipe[1]);
  }
  close(data_pipe[1]);
  close(error_pipe[1]);
  if (pid < 0) {
    close(data_pipe[0]);
    close(error_pipe[0]);
    return kb_fail(kb, "cannot fork for code generation: %s", strerror(errno));
  }
  children[index] =
      (isolated_child){.pid = pid, .data_fd = data_pipe[0], .error_fd = error_pipe[0]};
  return 0;
}

/* Waits for a drained child: 0 if it succeeded, else -1 with its failure reported. */
static int finish_child(kernel_builder *kb, isolated_child *child, int drained) {
  int status = 0, waited;
  while ((waited = waitpid(child->pid, &status, 0)) < 0 && errno == EINTR) {
  }
  if (waited < 0) /* e.g. SIGCHLD ignored by the application: the outcome is unknown */
    return kb_fail(kb, "cannot wait for the code generation process: %s", strerror(errno));
  if (drained != 0)
    return kb_fail(kb, "out of memory reading generated code");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return append(&child->data, "", 0) == 0 ? 0
                                            : kb_fail(kb, "out of memory reading generated code");
  return report_child(kb, status, &child->errors);
}

int kb_codegen_in_process(void) {
  const char *in_process = getenv("DLCC_CODEGEN_IN_PROCESS");
  return in_process && strcmp(in_process, "1") == 0;
}

int kb_run_isolated_each(kernel_builder *kb, kb_isolated_work work, void **contexts, int count,
                         char **outs, size_t *out_sizes) {
  for (int i = 0; i < count; i++)
    outs[i] = NULL;
  if (kb_codegen_in_process()) { /* for debuggers: no fork */
    for (int i = 0; i < count; i++)
      if (work(kb, contexts[i], &outs[i], &out_sizes[i]) != 0)
        return kb_free_outputs(outs, count), -1;
    return 0;
  }
  isolated_child *children = calloc((size_t)count, sizeof *children);
  if (!children)
    return kb_fail(kb, "out of memory starting code generation");
  int started = 0, status = 0;
  while (started < count && status == 0) {
    status = start_child(kb, work, contexts[started], children, started);
    started += status == 0;
  }
  int drained = drain(children, started);
  for (int i = 0; i < started; i++) { /* every child is waited for, even after a failure */
    close_fd(&children[i].data_fd);
    close_fd(&children[i].error_fd);
    if (finish_child(kb, &children[i], drained) != 0)
      status = -1;
    free(children[i].errors.data);
    outs[i] = children[i].data.data;
    out_sizes[i] = children[i].data.size;
  }
  free(children);
  if (status != 0)
    kb_free_outputs(outs, count);
  return status;
}

int kb_run_isolated(kernel_builder *kb, kb_isolated_work work, void *context, char **out,
                    size_t *out_size) {
  size_t size = 0;
  int status = kb_run_isolated_each(kb, work, &context, 1, out, &size);
  if (out_size)
    *out_size = size;
  return status;
}

void kb_free_outputs(char **outs, int count) {
  for (int i = 0; i < count; i++) {
    free(outs[i]);
    outs[i] = NULL;
  }
}
