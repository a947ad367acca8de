/*
 * faultfs: a fault-injecting shim for the real file system calls a process makes, loaded with LD_PRELOAD into
 * the shiftfeed server under test (test/support/faultfs.ts compiles it). It wraps the calls SQLite writes and
 * syncs with — write, pwrite, pwrite64, writev, pwritev, fsync, fdatasync — and, while armed, makes the k-th
 * matching call (and the `count` after it) fail with a real errno (ENOSPC, EIO, EROFS, ...) instead of reaching the
 * disk, exactly as a full disk, a failing device or a file system remounted read-only answers.
 *
 * Control: the file named by FAULTFS_CONTROL holds one line, re-read whenever it changes (counters restart then):
 *   off
 *   <ERRNO> <write|sync|any> <path-substring> <skip> <count>
 * e.g. "ENOSPC write shiftfeed.db 3 1": the 4th write to a file whose path contains "shiftfeed.db" fails, once;
 * a count of -1 fails every call from then on. FAULTFS_CONTROL.stats is rewritten after every matching call:
 *   <writes> <syncs> <failed>
 * so a test can count how many writes an operation makes (N) and then fail each k of N.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct timespec seen_mtime;
static off_t seen_size = -1;
static int armed, fail_errno, op_mask, skip, count;
static char match[512];
static long writes, syncs, failed, matched;

enum { OP_WRITE = 1, OP_SYNC = 2 };

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

static void resolve(void) {
  if (real_write) return;
  real_pwrite = dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
  real_writev = dlsym(RTLD_NEXT, "writev");
  real_pwritev = dlsym(RTLD_NEXT, "pwritev");
  real_fsync = dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
  real_write = dlsym(RTLD_NEXT, "write");
}

static int errno_named(const char *name) {
  static const struct { const char *name; int value; } known[] = {
      {"ENOSPC", ENOSPC}, {"EIO", EIO}, {"EROFS", EROFS}, {"EDQUOT", EDQUOT}, {"EFBIG", EFBIG}, {"EACCES", EACCES}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strcmp(known[i].name, name) == 0) return known[i].value;
  return EIO;
}

/* Re-reads the control file when it changed; called with the lock held. */
static void reload(const char *control) {
  struct stat st;
  if (stat(control, &st) != 0) {
    armed = 0;
    return;
  }
  if (st.st_mtim.tv_sec == seen_mtime.tv_sec && st.st_mtim.tv_nsec == seen_mtime.tv_nsec && st.st_size == seen_size)
    return;
  seen_mtime = st.st_mtim;
  seen_size = st.st_size;
  writes = syncs = failed = matched = 0;
  armed = 0;
  FILE *f = fopen(control, "r");
  if (!f) return;
  char name[32], ops[16];
  if (fscanf(f, "%31s %15s %511s %d %d", name, ops, match, &skip, &count) == 5) {
    fail_errno = errno_named(name);
    op_mask = strcmp(ops, "write") == 0 ? OP_WRITE : strcmp(ops, "sync") == 0 ? OP_SYNC : OP_WRITE | OP_SYNC;
    armed = 1;
  } /* else "off" (or anything unreadable): counts nothing, fails nothing */
  fclose(f);
}

static void report(const char *control) {
  char path[4096], line[96];
  snprintf(path, sizeof path, "%s.stats", control);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  int n = snprintf(line, sizeof line, "%ld %ld %ld\n", writes, syncs, failed);
  real_write(fd, line, (size_t)n);
  close(fd);
}

/* Whether this call on `fd` must fail (errno is set then). */
static int inject(int fd, int op) {
  const char *control = getenv("FAULTFS_CONTROL");
  if (!control) return 0;
  int saved = errno, fail = 0;
  pthread_mutex_lock(&lock);
  reload(control);
  if (armed && (op & op_mask)) {
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0) {
      target[n] = 0;
      if (strstr(target, match) && !strstr(target, ".stats")) {
        if (op == OP_WRITE) writes++;
        else syncs++;
        long k = matched++;
        if (k >= skip && (count < 0 || k < (long)skip + count)) {
          failed++;
          fail = 1;
        }
        report(control);
      }
    }
  }
  pthread_mutex_unlock(&lock);
  errno = fail ? fail_errno : saved;
  return fail;
}

ssize_t write(int fd, const void *buf, size_t n) {
  resolve();
  if (fd > 2 && inject(fd, OP_WRITE)) return -1;
  return real_write(fd, buf, n);
}
ssize_t pwrite(int fd, const void *buf, size_t n, off_t at) {
  resolve();
  if (inject(fd, OP_WRITE)) return -1;
  return real_pwrite(fd, buf, n, at);
}
ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t at) {
  resolve();
  if (inject(fd, OP_WRITE)) return -1;
  return real_pwrite64(fd, buf, n, at);
}
ssize_t writev(int fd, const struct iovec *iov, int n) {
  resolve();
  if (fd > 2 && inject(fd, OP_WRITE)) return -1;
  return real_writev(fd, iov, n);
}
ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t at) {
  resolve();
  if (inject(fd, OP_WRITE)) return -1;
  return real_pwritev(fd, iov, n, at);
}
int fsync(int fd) {
  resolve();
  if (inject(fd, OP_SYNC)) return -1;
  return real_fsync(fd);
}
int fdatasync(int fd) {
  resolve();
  if (inject(fd, OP_SYNC)) return -1;
  return real_fdatasync(fd);
}
