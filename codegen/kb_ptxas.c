/* Runs the CUDA toolkit's ptxas on emitted PTX: a cubin for bundles (--cubin) and the per-kernel
 * registers / spills / shared memory of `ptxas -v` for --stats and tests. */
#include "codegen/kb_ptxas.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

const char *kb_ptxas_path(const char *explicit_path) {
  if (explicit_path && *explicit_path)
    return explicit_path;
  const char *from_environment = getenv("DLCC_PTXAS");
  if (from_environment && *from_environment)
    return from_environment;
  if (access("/usr/local/cuda/bin/ptxas", X_OK) == 0)
    return "/usr/local/cuda/bin/ptxas";
  return "ptxas"; /* searched in PATH */
}

/* directory/name into `out`; -1 if it does not fit. */
static int join_path(char *out, size_t size, const char *directory, const char *name) {
  int length = snprintf(out, size, "%s/%s", directory, name);
  return length < 0 || (size_t)length >= size ? -1 : 0;
}

static int write_file(const char *path, const char *data, size_t size) {
  FILE *file = fopen(path, "wb");
  if (!file)
    return -1;
  size_t written = fwrite(data, 1, size, file);
  return fclose(file) == 0 && written == size ? 0 : -1;
}

static char *read_file(const char *path, size_t *out_size) {
  FILE *file = fopen(path, "rb");
  if (!file)
    return NULL;
  char *data = NULL;
  size_t size = 0, capacity = 0;
  for (;;) {
    if (size + 4096 + 1 > capacity) {
      capacity = capacity ? capacity * 2 : 65536;
      char *grown = realloc(data, capacity);
      if (!grown) {
        free(data);
        fclose(file);
        return NULL;
      }
      data = grown;
    }
    size_t got = fread(data + size, 1, 4096, file);
    size += got;
    if (got < 4096)
      break;
  }
  fclose(file);
  data[size] = '\0';
  if (out_size)
    *out_size = size;
  return data;
}

/* One kernel per "Compiling entry function" line; the next lines fill it in. */
static int parse_log(const char *log, kb_ptxas_result *out) {
  int capacity = 0;
  kb_ptxas_kernel *current = NULL;
  for (const char *line = log; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t length = end ? (size_t)(end - line) : strlen(line);
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)(length < sizeof text ? length : sizeof text - 1),
             line);
    const char *entry = strstr(text, "Compiling entry function '");
    if (entry) {
      if (out->kernel_count == capacity) {
        capacity = capacity ? capacity * 2 : 16;
        kb_ptxas_kernel *grown = realloc(out->kernels, (size_t)capacity * sizeof *grown);
        if (!grown)
          return -1;
        out->kernels = grown;
      }
      current = &out->kernels[out->kernel_count++];
      memset(current, 0, sizeof *current);
      sscanf(entry, "Compiling entry function '%127[^']'", current->name);
    } else if (current) {
      const char *used = strstr(text, "Used ");
      if (strstr(text, "bytes stack frame"))
        sscanf(text, " %d bytes stack frame, %d bytes spill stores, %d bytes spill loads",
               &current->stack_bytes, &current->spill_store_bytes, &current->spill_load_bytes);
      if (used) {
        sscanf(used, "Used %d registers", &current->registers);
        const char *smem = strstr(used, " bytes smem");
        if (smem) {
          const char *number = smem;
          while (number > used && number[-1] >= '0' && number[-1] <= '9')
            number--;
          current->shared_bytes = atoi(number);
        }
      }
    }
    line = end ? end + 1 : NULL;
  }
  return 0;
}

static int run_ptxas(const char *ptxas, const char *sm, const char *directory, int *out_status) {
  char ptx_path[4096], cubin_path[4096], log_path[4096], arch[64];
  join_path(ptx_path, sizeof ptx_path, directory, "kernels.ptx");
  join_path(cubin_path, sizeof cubin_path, directory, "kernels.cubin");
  join_path(log_path, sizeof log_path, directory, "ptxas.log");
  snprintf(arch, sizeof arch, "-arch=%s", sm);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  char *argv[] = {(char *)ptxas, arch, "-v", "-o", cubin_path, ptx_path, NULL};
  pid_t pid = 0;
  int error = posix_spawnp(&pid, ptxas, &actions, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0)
    return error;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return errno;
  *out_status = status;
  return 0;
}

static void remove_directory(const char *directory) {
  const char *names[] = {"kernels.ptx", "kernels.cubin", "ptxas.log"};
  char path[4096];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (join_path(path, sizeof path, directory, names[i]) == 0)
      unlink(path);
  }
  rmdir(directory);
}

int kb_ptxas_run(const char *ptxas, const char *ptx, size_t ptx_size, const char *sm,
                 kb_ptxas_result *out, dl_diag *diag) {
  memset(out, 0, sizeof *out);
  ptxas = kb_ptxas_path(ptxas);
  const char *temporary = getenv("TMPDIR");
  char directory[1024], path[4096];
  if (!temporary || !*temporary || strlen(temporary) > 900)
    temporary = "/tmp";
  snprintf(directory, sizeof directory, "%s/dlcc-ptxas-XXXXXX", temporary);
  if (!mkdtemp(directory))
    return dl_error(diag, "ptxas: cannot create a temporary directory under %s: %s", temporary,
                    strerror(errno));
  join_path(path, sizeof path, directory, "kernels.ptx");
  int status = 0;
  int error = write_file(path, ptx, ptx_size) != 0 ? errno : 0;
  if (error == 0)
    error = run_ptxas(ptxas, sm, directory, &status);
  if (error != 0) {
    remove_directory(directory);
    return dl_error(diag, "ptxas: cannot run '%s': %s (install the CUDA toolkit or set DLCC_PTXAS)",
                    ptxas, strerror(error));
  }
  join_path(path, sizeof path, directory, "ptxas.log");
  out->log = read_file(path, NULL);
  int failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  if (failed) {
    dl_error(diag, "ptxas -arch=%s failed (exit %d): %s", sm,
             WIFEXITED(status) ? WEXITSTATUS(status) : -1, out->log ? out->log : "(no output)");
  } else {
    join_path(path, sizeof path, directory, "kernels.cubin");
    out->cubin = read_file(path, &out->cubin_size);
    if (!out->cubin || (out->log && parse_log(out->log, out) != 0)) {
      failed = 1;
      dl_error(diag, "ptxas: cannot read its output in %s", directory);
    }
  }
  remove_directory(directory);
  if (failed) {
    kb_ptxas_result_deinit(out);
    return -1;
  }
  return 0;
}

const kb_ptxas_kernel *kb_ptxas_find(const kb_ptxas_result *result, const char *name) {
  for (int i = 0; i < result->kernel_count; i++)
    if (strcmp(result->kernels[i].name, name) == 0)
      return &result->kernels[i];
  return NULL;
}

void kb_ptxas_result_deinit(kb_ptxas_result *result) {
  free(result->kernels);
  free(result->cubin);
  free(result->log);
  memset(result, 0, sizeof *result);
}
