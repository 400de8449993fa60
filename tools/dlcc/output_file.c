/* Writing output files whole or not at all (see output_file.h). */
#include "tools/dlcc/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/dlcc/cli.h"

int cli_output_check(const char *path, const char *what, const dl_file_set *inputs, dl_diag *diag) {
  dl_file_id id;
  if (!inputs || !dl_file_id_of(path, &id) || !dl_file_set_contains(inputs, id))
    return 0;
  return dl_error(diag, "%s: refused to write %s over a file the model was read from", path, what);
}

/* "dir/.name.XXXXXX": in the same folder, so rename() replaces the file in one step. */
static char *temp_name_for(const char *path) {
  const char *slash = strrchr(path, '/');
  size_t folder_length = slash ? (size_t)(slash - path) + 1 : 0;
  const char *name = path + folder_length;
  size_t length = folder_length + 1 + strlen(name) + sizeof(".XXXXXX");
  char *temp = malloc(length);
  if (temp)
    snprintf(temp, length, "%.*s.%s.XXXXXX", (int)folder_length, path, name);
  return temp;
}

/* Where the bytes of `path` go: through a symbolic link to the file it names, and straight
 * into anything that is not a regular file (a device such as /dev/null, a pipe), which a
 * rename would replace rather than write to (*out_direct). */
static int resolve_target(cli_output *out, const char *path, bool *out_direct, dl_diag *diag) {
  struct stat info;
  *out_direct = false;
  if (lstat(path, &info) == 0 && S_ISLNK(info.st_mode)) {
    out->path = realpath(path, NULL);
    *out_direct = !out->path; /* a dangling link or /proc's pipe links: write through it */
  }
  if (!out->path)
    out->path = strdup(path);
  if (!out->path)
    return dl_error(diag, "out of memory");
  if (stat(out->path, &info) == 0 && S_ISDIR(info.st_mode))
    return dl_error(diag, "%s: cannot write: it is a folder", path);
  if (stat(out->path, &info) == 0 && !S_ISREG(info.st_mode))
    *out_direct = true;
  return 0;
}

int cli_output_open(cli_output *out, const char *path, dl_diag *diag) {
  *out = (cli_output){0};
  bool direct;
  if (resolve_target(out, path, &direct, diag) != 0) {
    cli_output_discard(out);
    return -1;
  }
  if (direct) {
    /* O_NONBLOCK: a FIFO with no reader is an error (ENXIO), not a wait. */
    int fd = open(out->path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                  0666);
    if (fd >= 0)
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    out->stream = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!out->stream) {
      dl_error(diag, "%s: cannot write: %s", path,
               fd < 0 && errno == ENXIO ? "a FIFO with no reader" : strerror(errno));
      if (fd >= 0)
        close(fd);
      cli_output_discard(out);
      return -1;
    }
    return 0;
  }
  out->temp_path = temp_name_for(out->path);
  int fd = out->temp_path ? mkstemp(out->temp_path) : -1;
  if (fd < 0) {
    int saved = out->temp_path ? errno : ENOMEM;
    free(out->temp_path);
    out->temp_path = NULL;
    cli_output_discard(out);
    return dl_error(diag, "%s: cannot write: %s", path, strerror(saved));
  }
  /* mkstemp makes the file private; give it the mode a plain create would. */
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  out->stream = fdopen(fd, "wb");
  if (!out->stream) {
    close(fd);
    cli_output_discard(out);
    return dl_error(diag, "%s: cannot write: out of memory", path);
  }
  return 0;
}

int cli_output_commit(cli_output *out, dl_diag *diag) {
  int status = 0;
  if (out->stream) {
    bool failed = fflush(out->stream) != 0 || ferror(out->stream);
    failed |= fclose(out->stream) != 0;
    out->stream = NULL;
    if (failed)
      status = dl_error(diag, "%s: write failed (disk full?)", out->path);
  }
  if (status == 0 && out->temp_path && rename(out->temp_path, out->path) != 0)
    status = dl_error(diag, "%s: cannot write: %s", out->path, strerror(errno));
  if (status != 0) {
    cli_output_discard(out);
    return -1;
  }
  free(out->temp_path);
  free(out->path);
  *out = (cli_output){0};
  return 0;
}

void cli_output_discard(cli_output *out) {
  if (out->stream)
    fclose(out->stream);
  if (out->temp_path)
    unlink(out->temp_path);
  free(out->temp_path);
  free(out->path);
  *out = (cli_output){0};
}

int cli_write_output(const char *path, const dl_file_set *inputs, cli_write_fn write,
                     void *context, dl_diag *diag) {
  if (!path || strcmp(path, "-") == 0) {
    int exit_code = write(stdout, NULL, context, diag);
    if (exit_code == CLI_EXIT_OK && (fflush(stdout) != 0 || ferror(stdout)))
      return cli_fail(CLI_EXIT_ENVIRONMENT, diag, "cannot write to standard output");
    return exit_code == CLI_EXIT_OK ? exit_code
                                    : cli_fail(exit_code, diag, "cannot write standard output");
  }
  if (cli_output_check(path, "an output", inputs, diag) != 0)
    return cli_fail(CLI_EXIT_BAD_INPUT, diag, "cannot write '%s'", path);
  cli_output output;
  if (cli_output_open(&output, path, diag) != 0)
    return cli_fail(CLI_EXIT_ENVIRONMENT, diag, "cannot write '%s'", path);
  int exit_code = write(output.stream, path, context, diag);
  if (exit_code != CLI_EXIT_OK)
    cli_output_discard(&output);
  else if (cli_output_commit(&output, diag) != 0)
    exit_code = CLI_EXIT_ENVIRONMENT;
  return exit_code == CLI_EXIT_OK ? exit_code : cli_fail(exit_code, diag, "cannot write '%s'", path);
}
