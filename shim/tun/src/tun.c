// tun.node: opens a Linux TUN device (IFF_TUN | IFF_NO_PI), on the host or inside another network
// namespace, and moves packets between it and Node.
// Reads happen on the event loop (uv_poll on the non-blocking fd), never on the libuv threadpool,
// where a blocking read would hold one of the four threads for the whole session.
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <uv.h>

#include "heap.h"

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "tun.node: N-API call failed: " #call); \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_int32(env, err, &code);
  napi_create_error(env, NULL, text, &error);
  napi_set_named_property(env, error, "errno", code);
  napi_throw(env, error);
  return NULL;
}

// Opens /dev/net/tun as device `name` ("" lets the kernel choose "tp%d") in the calling thread's
// network namespace, with the MTU set (mtu > 0). Returns the fd, or -1 with *what and *err set.
// The MTU's socket is created here too, since SIOCSIFMTU looks the device up in the socket's namespace.
static int open_tun(const char *name, int32_t mtu, bool blocking, char out_name[IFNAMSIZ], const char **what, int *err) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | (blocking ? 0 : O_NONBLOCK));
  if (fd < 0) {
    *what = "open /dev/net/tun";
    *err = errno;
    return -1;
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name[0] ? name : "tp%d");
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    *what = "ioctl TUNSETIFF";
    *err = errno;
    close(fd);
    return -1;
  }
  if (mtu > 0) {
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct ifreq mreq;
    memset(&mreq, 0, sizeof mreq);
    memcpy(mreq.ifr_name, ifr.ifr_name, IFNAMSIZ);
    mreq.ifr_mtu = mtu;
    if (sock < 0 || ioctl(sock, SIOCSIFMTU, &mreq) < 0) {
      *what = "ioctl SIOCSIFMTU";
      *err = errno;
      if (sock >= 0) close(sock);
      close(fd);
      return -1;
    }
    close(sock);
  }
  memcpy(out_name, ifr.ifr_name, IFNAMSIZ);
  return fd;
}

// The interface name argument (at most 15 bytes); false (with a RangeError thrown) when too long.
static bool get_ifname(napi_env env, napi_value value, const char *fn, char name[IFNAMSIZ]) {
  size_t len = 0;
  memset(name, 0, IFNAMSIZ);
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "tun.node: the interface name must be a string");
    return false;
  }
  if (len >= IFNAMSIZ) {
    char msg[128];
    snprintf(msg, sizeof msg, "tun.node %s: interface names have at most 15 characters", fn);
    napi_throw_range_error(env, NULL, msg);
    return false;
  }
  napi_get_value_string_utf8(env, value, name, IFNAMSIZ, &len);
  return true;
}

static napi_value opened(napi_env env, int fd, const char *name) {
  napi_value result, jfd, jname;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, fd, &jfd));
  CHECK(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &jname));
  CHECK(napi_set_named_property(env, result, "fd", jfd));
  CHECK(napi_set_named_property(env, result, "name", jname));
  return result;
}

// open(name: string, mtu: number, blocking?: boolean) -> { fd, name }; name "" lets the kernel
// choose ("tp%d"). A blocking fd is only for reads on the threadpool (measured, slower).
static napi_value tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ];
  if (!get_ifname(env, argv[0], "open", name)) return NULL;
  int32_t mtu = 0;
  CHECK(napi_get_value_int32(env, argv[1], &mtu));
  bool blocking = false;
  if (argc > 2) napi_get_value_bool(env, argv[2], &blocking);
  const char *what = NULL;
  int err = 0;
  char out[IFNAMSIZ];
  int fd = open_tun(name, mtu, blocking, out, &what, &err);
  if (fd < 0) return throw_errno(env, what, err);
  return opened(env, fd, out);
}

// What the namespace thread gets and gives back: `work` runs inside the namespace and returns an
// fd, or -1 with what/err set.
typedef struct netns_job netns_job_t;
struct netns_job {
  const char *ns_path;
  int (*work)(netns_job_t *job);
  // TUN
  const char *name;
  int32_t mtu;
  bool blocking;
  char out_name[IFNAMSIZ];
  // TCP listener
  struct sockaddr_in addr;
  // result
  int fd;
  char what[PATH_MAX + 32];
  int err;
};

// Runs on its own short-lived thread: setns(CLONE_NEWNET) changes only the calling thread's
// namespace, and the thread ends right after, so no Node thread ever leaves the host namespace.
static void *netns_thread(void *arg) {
  netns_job_t *job = arg;
  job->fd = -1;
  int nsfd = open(job->ns_path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) {
    job->err = errno;
    snprintf(job->what, sizeof job->what, "open %s", job->ns_path);
    return NULL;
  }
  if (setns(nsfd, CLONE_NEWNET) < 0) {
    job->err = errno;
    // EINVAL: the file is no network namespace (a regular file, another kind of namespace).
    snprintf(job->what, sizeof job->what, job->err == EINVAL ? "setns %s (not a network namespace?)" : "setns %s", job->ns_path);
    close(nsfd);
    return NULL;
  }
  close(nsfd);
  job->fd = job->work(job);
  return NULL;
}

// False (an error thrown, naming what failed and the errno text) when the job gave no fd.
static bool run_in_netns(napi_env env, netns_job_t *job) {
  pthread_t thread;
  int rc = pthread_create(&thread, NULL, netns_thread, job);
  if (rc != 0) {
    throw_errno(env, "pthread_create", rc);
    return false;
  }
  pthread_join(thread, NULL);
  if (job->fd >= 0) return true;
  throw_errno(env, job->what, job->err);
  return false;
}

static bool get_ns_path(napi_env env, napi_value value, const char *fn, char ns_path[PATH_MAX]) {
  size_t plen = 0;
  if (napi_get_value_string_utf8(env, value, ns_path, PATH_MAX, &plen) != napi_ok || plen == 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "tun.node %s: the namespace path must be a non-empty string", fn);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

static int tun_work(netns_job_t *job) {
  const char *what = NULL;
  int fd = open_tun(job->name, job->mtu, job->blocking, job->out_name, &what, &job->err);
  if (fd < 0) snprintf(job->what, sizeof job->what, "%s in %s", what, job->ns_path);
  return fd;
}

// openInNetns(nsPath: string, name: string, mtu: number, blocking?: boolean) -> { fd, name }: the
// device is created inside the network namespace of nsPath (/run/netns/NAME, /proc/PID/ns/net); the
// fd is used from any thread afterwards, like open()'s.
static napi_value tun_open_in_netns(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char ns_path[PATH_MAX];
  if (!get_ns_path(env, argv[0], "openInNetns", ns_path)) return NULL;
  char name[IFNAMSIZ];
  if (!get_ifname(env, argv[1], "openInNetns", name)) return NULL;
  netns_job_t job;
  memset(&job, 0, sizeof job);
  job.ns_path = ns_path;
  job.work = tun_work;
  job.name = name;
  CHECK(napi_get_value_int32(env, argv[2], &job.mtu));
  if (argc > 3) napi_get_value_bool(env, argv[3], &job.blocking);
  if (!run_in_netns(env, &job)) return NULL;
  return opened(env, job.fd, job.out_name);
}

static int tcp_work(netns_job_t *job) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    job->err = errno;
    snprintf(job->what, sizeof job->what, "socket in %s", job->ns_path);
    return -1;
  }
  // As libuv does for Node's own listeners: a port whose last connection lingers in TIME_WAIT can be bound again.
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (struct sockaddr *)&job->addr, sizeof job->addr) < 0) {
    job->err = errno;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &job->addr.sin_addr, ip, sizeof ip);
    snprintf(job->what, sizeof job->what, "bind %s:%u in %s", ip, ntohs(job->addr.sin_port), job->ns_path);
    close(fd);
    return -1;
  }
  return fd;
}

// tcpSocketInNetns(nsPath: string, ip: string, port: number) -> fd: a TCP socket of that namespace,
// bound to ip:port (0: the kernel picks), for net.Server.listen({ fd }). A socket belongs to the
// namespace it was created in, whichever thread uses it later.
static napi_value tun_tcp_socket_in_netns(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char ns_path[PATH_MAX];
  if (!get_ns_path(env, argv[0], "tcpSocketInNetns", ns_path)) return NULL;
  char ip[64] = {0};
  size_t len = 0;
  CHECK(napi_get_value_string_utf8(env, argv[1], ip, sizeof ip, &len));
  int32_t port = 0;
  CHECK(napi_get_value_int32(env, argv[2], &port));
  netns_job_t job;
  memset(&job, 0, sizeof job);
  job.ns_path = ns_path;
  job.work = tcp_work;
  job.addr.sin_family = AF_INET;
  if (port < 0 || port > 65535 || inet_pton(AF_INET, ip, &job.addr.sin_addr) != 1) {
    napi_throw_range_error(env, NULL, "tun.node tcpSocketInNetns: an IPv4 address and a port from 0 to 65535");
    return NULL;
  }
  job.addr.sin_port = htons((uint16_t)port);
  if (!run_in_netns(env, &job)) return NULL;
  napi_value jfd;
  CHECK(napi_create_int32(env, job.fd, &jfd));
  return jfd;
}

// read(fd, buffer) -> bytes read, or -1 when no packet is waiting (EAGAIN). One packet per call.
static napi_value tun_read(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  void *data;
  size_t size;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &size));
  ssize_t n;
  do n = read(fd, data, size); while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN) return throw_errno(env, "read TUN", errno);
  napi_value result;
  CHECK(napi_create_int32(env, n < 0 ? -1 : (int32_t)n, &result));
  return result;
}

// write(fd, buffer, length) -> bytes written, or -1 when the device queue is full (the packet is
// dropped; TCP retransmits, as it would for a lost packet).
static napi_value tun_write(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd, length;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  void *data;
  size_t size;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &size));
  CHECK(napi_get_value_int32(env, argv[2], &length));
  if (length < 0 || (size_t)length > size) {
    napi_throw_range_error(env, NULL, "tun.node write: length outside the buffer");
    return NULL;
  }
  ssize_t n;
  do n = write(fd, data, (size_t)length); while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN && errno != ENOBUFS) return throw_errno(env, "write TUN", errno);
  napi_value result;
  CHECK(napi_create_int32(env, n < 0 ? -1 : (int32_t)n, &result));
  return result;
}

typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  int closing;
} watcher_t;

static void on_closed(uv_handle_t *handle) { free(handle->data); }

static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  watcher_t *w = poll->data;
  if (w->closing) return;
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, global, arg;
  napi_get_reference_value(env, w->callback, &cb);
  napi_get_global(env, &global);
  napi_create_int32(env, status, &arg);
  napi_value result;
  // Errors thrown by the callback surface as an uncaught exception, as for any Node callback.
  if (napi_call_function(env, global, cb, 1, &arg, &result) == napi_pending_exception) {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    napi_fatal_exception(env, exc);
  }
  napi_close_handle_scope(env, scope);
}

static void release_watcher(napi_env env, watcher_t *w) {
  if (w->closing) return;
  w->closing = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  w->poll.data = w;
  uv_close((uv_handle_t *)&w->poll, on_closed);
}

// watch(fd, onReadable(status)) -> handle; the callback runs on the event loop whenever the fd
// has packets; it should read() until -1.
static napi_value tun_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof *w);
  if (!w) return throw_errno(env, "watch", ENOMEM);
  w->env = env;
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  w->poll.data = w;
  CHECK(napi_create_reference(env, argv[1], 1, &w->callback));
  rc = uv_poll_start(&w->poll, UV_READABLE, on_readable);
  if (rc != 0) {
    release_watcher(env, w);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  napi_value handle;
  CHECK(napi_create_external(env, w, NULL, NULL, &handle));
  return handle;
}

// unwatch(handle): stops the poll; must run before close(fd).
static napi_value tun_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  watcher_t *w;
  CHECK(napi_get_value_external(env, argv[0], (void **)&w));
  release_watcher(env, w);
  return NULL;
}

// close(fd): the kernel removes the device, with its addresses and routes.
static napi_value tun_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  if (close(fd) < 0) return throw_errno(env, "close TUN", errno);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, tun_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openInNetns", NULL, tun_open_in_netns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tcpSocketInNetns", NULL, tun_tcp_socket_in_netns, NULL, NULL, NULL, napi_enumerable, NULL},
      {"read", NULL, tun_read, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, tun_write, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, tun_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, tun_unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, tun_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"trimHeap", NULL, heap_trim, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lowMemory", NULL, v8_low_memory, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
