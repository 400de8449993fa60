/* Runs LLVM's backend in a forked child. Some backend errors (an intrinsic the target cannot
 * select, say) go through report_fatal_error, which aborts the whole process no matter what
 * handler is installed; in a child they become a dl_diag error carrying LLVM's message. */
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

/* Parent: drains both pipes (either may fill up first) until the child closes them. */
static int drain(int data_fd, int error_fd, growing_buffer *data, growing_buffer *errors) {
  struct pollfd fds[2] = {{.fd = data_fd, .events = POLLIN}, {.fd = error_fd, .events = POLLIN}};
  growing_buffer *targets[2] = {data, errors};
  int open_count = 2;
  char chunk[65536];
  while (open_count > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t got = read(fds[i].fd, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        fds[i].fd = -1;
        open_count--;
      } else if (append(targets[i], chunk, (size_t)got) != 0) {
        return -1;
      }
    }
  }
  return 0;
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

int kb_run_isolated(kernel_builder *kb, kb_isolated_work work, void *context, char **out,
                    size_t *out_size) {
  const char *in_process = getenv("DLCC_CODEGEN_IN_PROCESS");
  if (in_process && strcmp(in_process, "1") == 0)
    return work(kb, context, out, out_size); /* for debuggers: no fork */
  int data_pipe[2], error_pipe[2];
  if (pipe(data_pipe) != 0)
    return kb_fail(kb, "cannot create a pipe for code generation: %s", strerror(errno));
  if (pipe(error_pipe) != 0) {
    close(data_pipe[0]);
    close(data_pipe[1]);
    return kb_fail(kb, "cannot create a pipe for code generation: %s", strerror(errno));
  }
  pid_t child = fork();
  if (child == 0) {
    close(data_pipe[0]);
    close(error_pipe[0]);
    dup2(error_pipe[1], 2); /* LLVM's fatal message, and our diagnostics, go to the parent */
    run_child(kb, work, context, data_pipe[1]);
  }
  close(data_pipe[1]);
  close(error_pipe[1]);
  if (child < 0) {
    close(data_pipe[0]);
    close(error_pipe[0]);
    return kb_fail(kb, "cannot fork for code generation: %s", strerror(errno));
  }
  growing_buffer data = {0}, errors = {0};
  int drained = drain(data_pipe[0], error_pipe[0], &data, &errors);
  close(data_pipe[0]);
  close(error_pipe[0]);
  int status = 0, waited;
  while ((waited = waitpid(child, &status, 0)) < 0 && errno == EINTR) {
  }
  int result;
  if (waited < 0) /* e.g. SIGCHLD ignored by the application: the outcome is unknown */
    result = kb_fail(kb, "cannot wait for the code generation process: %s", strerror(errno));
  else if (drained != 0)
    result = kb_fail(kb, "out of memory reading generated code");
  else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    result = 0;
  else
    result = report_child(kb, status, &errors);
  free(errors.data);
  if (result != 0) {
    free(data.data);
    return -1;
  }
  if (!data.data && append(&data, "", 0) != 0)
    return kb_fail(kb, "out of memory reading generated code");
  *out = data.data;
  if (out_size)
    *out_size = data.size;
  return 0;
}
