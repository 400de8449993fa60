/* Opening and reading input files safely (see input_file.h). */
#include "ir/input_file.h"

#include "ir/array.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t mode) {
  if (S_ISDIR(mode))
    return "a folder";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode) || S_ISBLK(mode))
    return "a device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "not a regular file";
}

int dl_input_open(const char *path, uint64_t max_bytes, uint64_t *out_size, dl_file_id *out_id,
                  dl_diag *diag) {
  /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return dl_error(diag, "%s: cannot open: %s", path, strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int saved = errno;
    close(fd);
    return dl_error(diag, "%s: cannot read: %s", path, strerror(saved));
  }
  if (!S_ISREG(info.st_mode)) {
    close(fd);
    const char *kind = kind_of(info.st_mode);
    return dl_error(diag, "%s: cannot read %s (dlcc reads regular files only)", path,
                    strcmp(kind, "not a regular file") == 0 ? "it" : kind);
  }
  if ((uint64_t)info.st_size > max_bytes) {
    close(fd);
    return dl_error(diag,
                    "%s: the file holds %llu bytes, more than the limit of %llu "
                    "(--max-file-size raises it)",
                    path, (unsigned long long)info.st_size, (unsigned long long)max_bytes);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  *out_size = (uint64_t)info.st_size;
  if (out_id)
    *out_id = (dl_file_id){(uint64_t)info.st_dev, (uint64_t)info.st_ino};
  return fd;
}

void *dl_input_read(const char *path, uint64_t max_bytes, size_t *out_size, dl_file_id *out_id,
                    dl_diag *diag) {
  uint64_t size = 0;
  int fd = dl_input_open(path, max_bytes, &size, out_id, diag);
  if (fd < 0)
    return NULL;
  char *data = size < SIZE_MAX ? malloc((size_t)size + 1) : NULL;
  if (!data) {
    close(fd);
    dl_error(diag, "%s: out of memory reading %llu bytes", path, (unsigned long long)size);
    return NULL;
  }
  /* Read exactly the size fstat gave: a file that grows meanwhile is not followed. */
  size_t done = 0;
  while (done < size) {
    ssize_t got = read(fd, data + done, (size_t)size - done);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      int saved = errno;
      close(fd);
      free(data);
      dl_error(diag, "%s: cannot read: %s", path, got < 0 ? strerror(saved) : "the file shrank");
      return NULL;
    }
    done += (size_t)got;
  }
  close(fd);
  data[size] = '\0';
  *out_size = (size_t)size;
  return data;
}

bool dl_file_id_of(const char *path, dl_file_id *out_id) {
  struct stat info;
  if (stat(path, &info) != 0)
    return false;
  *out_id = (dl_file_id){(uint64_t)info.st_dev, (uint64_t)info.st_ino};
  return true;
}

int dl_file_set_add(dl_file_set *set, dl_file_id id) {
  if (dl_file_set_contains(set, id))
    return 0;
  return IR_ARRAY_APPEND(NULL, set->ids, set->count, set->capacity, id);
}

bool dl_file_set_contains(const dl_file_set *set, dl_file_id id) {
  for (int i = 0; i < set->count; i++)
    if (set->ids[i].device == id.device && set->ids[i].inode == id.inode)
      return true;
  return false;
}

void dl_file_set_deinit(dl_file_set *set) {
  free(set->ids);
  *set = (dl_file_set){0};
}
