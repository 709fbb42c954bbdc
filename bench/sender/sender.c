// SPDX-License-Identifier: AGPL-3.0-only
//
// sender replays datagrams to a UDP collector, for the receive benchmark
// (bench/receive.bench.ts builds it with `cc -O2`).
//
//   sender -f DATA [-t TEMPLATES] -p PORT [-a 127.0.0.1] [-s SOCKETS]
//          [-r DATAGRAMS_PER_S] [-d SECONDS] [-b BATCH] [-w WAIT_MS] [-x EXPORTERS]
//
// DATA and TEMPLATES hold datagrams, each as a little-endian u32 length
// followed by its bytes. The templates go out first from every source
// socket (each collector worker keeps its own templates, and the kernel
// picks the worker from the source port), then again every second as
// exporters do. After WAIT_MS, DATA is replayed in a loop with sendmmsg,
// BATCH datagrams per call, the sockets taking turns, for SECONDS, paced at
// DATAGRAMS_PER_S (0: as fast as possible). Several source sockets are
// needed for SO_REUSEPORT to spread datagrams across the workers: one
// source 4-tuple always lands on the same one. With -x EXPORTERS, the
// sockets are bound to EXPORTERS source addresses in turn, 127.0.0.1 to
// 127.0.0.EXPORTERS (loopback only), so that the collector sees that many
// exporters; without it every datagram comes from the kernel's choice.
//
// On exit it prints one line: `sent=N bytes=B elapsed=S cpu=C errors=E`
// (C is the sender's own CPU time in seconds, user + system).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SOCKETS 1024
#define MAX_BATCH 1024

struct datagrams {
  size_t count;
  struct iovec *iov;
};

static void die(const char *what) {
  perror(what);
  exit(1);
}

// load reads a file of length-prefixed datagrams into memory.
static struct datagrams load(const char *path) {
  struct datagrams d = {0, NULL};
  FILE *f = fopen(path, "rb");
  if (f == NULL) die(path);
  size_t cap = 0;
  for (;;) {
    unsigned char h[4];
    size_t n = fread(h, 1, 4, f);
    if (n == 0) break;
    if (n != 4) {
      fprintf(stderr, "%s: truncated length\n", path);
      exit(1);
    }
    uint32_t len = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if (len == 0 || len > 65507) {
      fprintf(stderr, "%s: datagram %zu: bad length %u\n", path, d.count, len);
      exit(1);
    }
    void *buf = malloc(len);
    if (buf == NULL) die("malloc");
    if (fread(buf, 1, len, f) != len) {
      fprintf(stderr, "%s: datagram %zu: truncated\n", path, d.count);
      exit(1);
    }
    if (d.count == cap) {
      cap = cap == 0 ? 1024 : cap * 2;
      d.iov = realloc(d.iov, cap * sizeof(struct iovec));
      if (d.iov == NULL) die("realloc");
    }
    d.iov[d.count].iov_base = buf;
    d.iov[d.count].iov_len = len;
    d.count++;
  }
  fclose(f);
  return d;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t) {
  struct timespec ts;
  ts.tv_sec = (time_t)t;
  ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

// send_all sends `d` once from every socket, one datagram at a time.
static void send_all(const int *socks, int nsocks, const struct datagrams *d) {
  for (int s = 0; s < nsocks; s++) {
    for (size_t i = 0; i < d->count; i++) {
      if (send(socks[s], d->iov[i].iov_base, d->iov[i].iov_len, 0) < 0) die("send templates");
    }
  }
}

static void usage(void) {
  fprintf(stderr,
          "usage: sender -f DATA [-t TEMPLATES] -p PORT [-a ADDR] [-s SOCKETS] [-r RATE] [-d SECONDS] [-b BATCH] "
          "[-w WAIT_MS] [-x EXPORTERS]\n");
  exit(64);
}

int main(int argc, char **argv) {
  const char *data_path = NULL, *templates_path = NULL, *addr = "127.0.0.1";
  int port = 0, nsocks = 32, batch = 64, wait_ms = 300, exporters = 0;
  double rate = 0, duration = 10;
  int opt;
  while ((opt = getopt(argc, argv, "f:t:p:a:s:r:d:b:w:x:")) != -1) {
    switch (opt) {
      case 'f': data_path = optarg; break;
      case 't': templates_path = optarg; break;
      case 'p': port = atoi(optarg); break;
      case 'a': addr = optarg; break;
      case 's': nsocks = atoi(optarg); break;
      case 'r': rate = atof(optarg); break;
      case 'd': duration = atof(optarg); break;
      case 'b': batch = atoi(optarg); break;
      case 'w': wait_ms = atoi(optarg); break;
      case 'x': exporters = atoi(optarg); break;
      default: usage();
    }
  }
  if (data_path == NULL || port <= 0 || port > 65535 || nsocks < 1 || nsocks > MAX_SOCKETS || batch < 1 ||
      batch > MAX_BATCH || rate < 0 || duration <= 0 || wait_ms < 0 || exporters < 0 || exporters > 254) {
    usage();
  }
  struct datagrams data = load(data_path);
  struct datagrams templates = {0, NULL};
  if (templates_path != NULL) templates = load(templates_path);
  if (data.count == 0) {
    fprintf(stderr, "%s: no datagram\n", data_path);
    return 1;
  }

  struct sockaddr_in to;
  memset(&to, 0, sizeof(to));
  to.sin_family = AF_INET;
  to.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr, &to.sin_addr) != 1) usage();
  static int socks[MAX_SOCKETS];
  for (int s = 0; s < nsocks; s++) {
    socks[s] = socket(AF_INET, SOCK_DGRAM, 0);
    if (socks[s] < 0) die("socket");
    if (exporters > 0) {
      struct sockaddr_in from;
      memset(&from, 0, sizeof(from));
      from.sin_family = AF_INET;
      from.sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(s % exporters));
      if (bind(socks[s], (struct sockaddr *)&from, sizeof(from)) < 0) die("bind");
    }
    // Connected sockets: sendmmsg needs no address per message and the
    // kernel skips the route lookup for each one.
    if (connect(socks[s], (struct sockaddr *)&to, sizeof(to)) < 0) die("connect");
  }

  send_all(socks, nsocks, &templates);
  sleep_until(now() + wait_ms / 1000.0);

  static struct mmsghdr msgs[MAX_BATCH];
  memset(msgs, 0, sizeof(msgs));
  unsigned long long sent = 0, bytes = 0, errors = 0;
  size_t next = 0;
  int sock = 0;
  const double start = now();
  const double end = start + duration;
  double next_templates = start + 1;
  double t = start;
  while (t < end) {
    if (rate > 0) {
      // Pace by batch: wait until the batch about to go out is due.
      double due = start + (double)sent / rate;
      if (due > t) {
        sleep_until(due < end ? due : end);
        t = now();
        if (t >= end) break;
      }
    }
    if (templates.count > 0 && t >= next_templates) {
      send_all(socks, nsocks, &templates);
      next_templates += 1;
    }
    for (int i = 0; i < batch; i++) {
      msgs[i].msg_hdr.msg_iov = &data.iov[next];
      msgs[i].msg_hdr.msg_iovlen = 1;
      if (++next == data.count) next = 0;
    }
    int n = sendmmsg(socks[sock], msgs, (unsigned)batch, 0);
    if (n < 0) {
      // ENOBUFS/EAGAIN under pressure: count and go on.
      errors++;
    } else {
      for (int i = 0; i < n; i++) bytes += msgs[i].msg_len;
      sent += (unsigned long long)n;
      if (n < batch) errors++;
    }
    if (++sock == nsocks) sock = 0;
    t = now();
  }
  double elapsed = now() - start;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
               (double)ru.ru_stime.tv_usec / 1e6;
  printf("sent=%llu bytes=%llu elapsed=%.3f cpu=%.3f errors=%llu\n", sent, bytes, elapsed, cpu, errors);
  return 0;
}
