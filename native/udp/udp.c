// SPDX-License-Identifier: AGPL-3.0-only
// UDP receiver for the flow inlet: one socket read with recvmmsg into buffers
// owned by JavaScript, one JavaScript call per batch. See README.md.
#define _GNU_SOURCE
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

// MAX_SLOTS bounds the datagrams read by one recvmmsg call.
#define MAX_SLOTS 64
// MAX_BATCHES bounds the recvmmsg calls per wake-up, so that a flooded
// socket still lets the loop run timers and messages (the poll is
// level-triggered: what is left wakes it up again at once).
#define MAX_BATCHES 16
// ADDRESS_STRIDE is the size of one source address record: 16 bytes of
// address (IPv4 as IPv4-mapped IPv6), the port (big-endian), 2 bytes unused.
#define ADDRESS_STRIDE 20

typedef struct receiver {
  uv_poll_t poll;
  napi_env env;
  int fd;
  int port;
  int receive_buffer;
  int family;
  // polling: the poll handle is started; closing: uv_close was called;
  // handle_done: the handle is closed (or was never initialized);
  // wrapper_done: the JavaScript object was finalized.
  int polling, closing, handle_done, wrapper_done;
  napi_ref callback, buffer, lengths, addresses, error;
  napi_async_context async;
  napi_async_cleanup_hook_handle cleanup;
  uint8_t *data;
  int32_t *length;
  uint8_t *address;
  size_t slots, slot_size;
  struct mmsghdr msgs[MAX_SLOTS];
  struct iovec iovs[MAX_SLOTS];
  struct sockaddr_in6 names[MAX_SLOTS];
} receiver;

// The class of the handles, per environment (worker threads each have one).
typedef struct instance {
  napi_ref constructor;
} instance;

static void throw_errno(napi_env env, const char *what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value msg, code, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  const char *name = err == EADDRINUSE ? "EADDRINUSE" : err == EACCES ? "EACCES" : err == EADDRNOTAVAIL ? "EADDRNOTAVAIL" : "ERR";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_value errno_value;
  napi_create_int32(env, err, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_throw(env, error);
}

static void maybe_free(receiver *r) {
  if (r->handle_done && r->wrapper_done) free(r);
}

// release drops every JavaScript reference (on the JavaScript thread, while
// the environment is alive) once the handle stops.
static void release(receiver *r) {
  napi_env env = r->env;
  napi_ref *refs[] = {&r->callback, &r->buffer, &r->lengths, &r->addresses, &r->error};
  for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++) {
    if (*refs[i] != NULL) {
      napi_delete_reference(env, *refs[i]);
      *refs[i] = NULL;
    }
  }
  if (r->async != NULL) {
    napi_async_destroy(env, r->async);
    r->async = NULL;
  }
}

static void on_close(uv_handle_t *handle) {
  receiver *r = (receiver *)handle->data;
  if (r->fd >= 0) {
    close(r->fd);
    r->fd = -1;
  }
  if (r->cleanup != NULL) {
    napi_remove_async_cleanup_hook(r->cleanup);
    r->cleanup = NULL;
  }
  r->handle_done = 1;
  maybe_free(r);
}

// stop closes the handle; the socket is closed and memory freed once libuv
// is done with it. Safe to call more than once.
static void stop(receiver *r) {
  if (r->closing) return;
  r->closing = 1;
  release(r);
  if (r->polling) {
    uv_poll_stop(&r->poll);
    uv_close((uv_handle_t *)&r->poll, on_close);
  } else {
    on_close((uv_handle_t *)&r->poll);
  }
}

static void on_cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  (void)handle;
  stop((receiver *)arg);
}

// deliver calls the JavaScript callback with `count` (datagrams, or a
// negative errno). An exception it throws is kept, not propagated.
static void deliver(receiver *r, int count) {
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, arg, result;
  if (napi_get_reference_value(env, r->callback, &cb) == napi_ok && cb != NULL) {
    napi_get_global(env, &recv);  // napi_make_callback wants an object
    napi_create_int32(env, count, &arg);
    napi_status s = napi_make_callback(env, r->async, recv, cb, 1, &arg, &result);
    bool pending = false;
    if (s == napi_pending_exception || (napi_is_exception_pending(env, &pending) == napi_ok && pending)) {
      napi_value exception;
      if (napi_get_and_clear_last_exception(env, &exception) == napi_ok && !r->closing) {
        if (r->error != NULL) napi_delete_reference(env, r->error);
        r->error = NULL;
        napi_create_reference(env, exception, 1, &r->error);
      }
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  receiver *r = (receiver *)handle->data;
  (void)events;
  if (r->closing) return;
  if (status < 0) {
    deliver(r, status);
    return;
  }
  for (int batch = 0; batch < MAX_BATCHES && !r->closing; batch++) {
    for (size_t i = 0; i < r->slots; i++) {
      r->msgs[i].msg_hdr.msg_namelen = sizeof r->names[i];
      r->msgs[i].msg_hdr.msg_flags = 0;
      r->msgs[i].msg_len = 0;
    }
    int n = recvmmsg(r->fd, r->msgs, (unsigned)r->slots, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) deliver(r, -errno);
      return;
    }
    if (n == 0) return;
    for (int i = 0; i < n; i++) {
      struct msghdr *h = &r->msgs[i].msg_hdr;
      r->length[i] = (h->msg_flags & MSG_TRUNC) ? -1 : (int32_t)r->msgs[i].msg_len;
      uint8_t *a = r->address + (size_t)i * ADDRESS_STRIDE;
      uint16_t port = 0;
      if (r->family == AF_INET6) {
        memcpy(a, &r->names[i].sin6_addr, 16);
        port = r->names[i].sin6_port;
      } else {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)&r->names[i];
        memset(a, 0, 10);
        a[10] = 0xff;
        a[11] = 0xff;
        memcpy(a + 12, &v4->sin_addr, 4);
        port = v4->sin_port;
      }
      memcpy(a + 16, &port, 2);  // network order: big-endian
      a[18] = a[19] = 0;
    }
    deliver(r, n);
    // A short read means the socket is drained: skip the EAGAIN call.
    if ((size_t)n < r->slots) return;
  }
}

static receiver *unwrap(napi_env env, napi_callback_info info) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a UDP receiver");
    return NULL;
  }
  return (receiver *)data;
}

static napi_value get_port(napi_env env, napi_callback_info info) {
  receiver *r = unwrap(env, info);
  napi_value v = NULL;
  if (r != NULL) napi_create_int32(env, r->port, &v);
  return v;
}

static napi_value get_receive_buffer(napi_env env, napi_callback_info info) {
  receiver *r = unwrap(env, info);
  napi_value v = NULL;
  if (r != NULL) napi_create_int32(env, r->receive_buffer, &v);
  return v;
}

// takeError returns the last exception thrown by the callback (undefined if
// none) and forgets it.
static napi_value take_error(napi_env env, napi_callback_info info) {
  receiver *r = unwrap(env, info);
  napi_value v = NULL;
  if (r == NULL) return NULL;
  if (r->error != NULL) {
    napi_get_reference_value(env, r->error, &v);
    napi_delete_reference(env, r->error);
    r->error = NULL;
  }
  if (v == NULL) napi_get_undefined(env, &v);
  return v;
}

static napi_value do_close(napi_env env, napi_callback_info info) {
  receiver *r = unwrap(env, info);
  if (r != NULL) stop(r);
  return NULL;
}

static void finalize_wrapper(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  receiver *r = (receiver *)data;
  r->wrapper_done = 1;
  maybe_free(r);
}

static napi_value construct(napi_env env, napi_callback_info info) {
  napi_value self;
  napi_get_cb_info(env, info, NULL, NULL, &self, NULL);
  return self;
}

// typed_array_data returns the bytes of a typed array of the given type.
static int typed_array_data(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *length) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  if (napi_get_typedarray_info(env, v, &type, length, data, &ab, &offset) != napi_ok) return 0;
  return type == want;
}

// open(host, port, rcvbuf, buffer, lengths, addresses, callback)
static napi_value open_receiver(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 7) {
    napi_throw_type_error(env, NULL, "open(host, port, rcvbuf, buffer, lengths, addresses, callback)");
    return NULL;
  }
  char host[64];
  size_t host_len = 0;
  int32_t port = 0, rcvbuf = 0;
  if (napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_len) != napi_ok ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok || napi_get_value_int32(env, argv[2], &rcvbuf) != napi_ok ||
      port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "bad host, port or receive buffer");
    return NULL;
  }
  bool is_ab = false;
  void *data = NULL;
  size_t data_len = 0;
  if (napi_is_arraybuffer(env, argv[3], &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, argv[3], &data, &data_len) != napi_ok) {
    napi_throw_type_error(env, NULL, "buffer must be an ArrayBuffer");
    return NULL;
  }
  void *lengths = NULL, *addresses = NULL;
  size_t slots = 0, address_len = 0;
  if (!typed_array_data(env, argv[4], napi_int32_array, &lengths, &slots) ||
      !typed_array_data(env, argv[5], napi_uint8_array, &addresses, &address_len)) {
    napi_throw_type_error(env, NULL, "lengths must be an Int32Array and addresses a Uint8Array");
    return NULL;
  }
  napi_valuetype t;
  if (napi_typeof(env, argv[6], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "callback must be a function");
    return NULL;
  }
  if (slots == 0 || slots > MAX_SLOTS || address_len < slots * ADDRESS_STRIDE || data_len / slots < 1) {
    napi_throw_range_error(env, NULL, "lengths must hold 1 to 64 slots, addresses 20 bytes per slot");
    return NULL;
  }

  struct sockaddr_in6 sa6;
  struct sockaddr_in sa4;
  memset(&sa6, 0, sizeof sa6);
  memset(&sa4, 0, sizeof sa4);
  int family;
  if (host_len == 0) {
    family = AF_INET6;
    sa6.sin6_addr = in6addr_any;
  } else if (inet_pton(AF_INET, host, &sa4.sin_addr) == 1) {
    family = AF_INET;
  } else if (inet_pton(AF_INET6, host, &sa6.sin6_addr) == 1) {
    family = AF_INET6;
  } else {
    napi_throw_type_error(env, NULL, "host must be an IP address");
    return NULL;
  }
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "socket", errno);
    return NULL;
  }
  int one = 1, zero = 0;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "setsockopt SO_REUSEPORT", err);
    return NULL;
  }
  // Dual stack on IPv6 like Node's udp6 sockets (IPv4 senders as ::ffff:a.b.c.d).
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  // Capped by net.core.rmem_max: the granted size is reported below.
  if (rcvbuf > 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  int rc;
  if (family == AF_INET) {
    sa4.sin_family = AF_INET;
    sa4.sin_port = htons((uint16_t)port);
    rc = bind(fd, (struct sockaddr *)&sa4, sizeof sa4);
  } else {
    sa6.sin6_family = AF_INET6;
    sa6.sin6_port = htons((uint16_t)port);
    rc = bind(fd, (struct sockaddr *)&sa6, sizeof sa6);
  }
  if (rc < 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "bind", err);
    return NULL;
  }
  struct sockaddr_in6 bound;
  socklen_t bound_len = sizeof bound;
  int granted = 0;
  socklen_t granted_len = sizeof granted;
  getsockname(fd, (struct sockaddr *)&bound, &bound_len);
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &granted_len);

  receiver *r = calloc(1, sizeof *r);
  if (r == NULL) {
    close(fd);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  r->env = env;
  r->fd = fd;
  r->family = family;
  r->port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port : bound.sin6_port);
  r->receive_buffer = granted;
  r->data = data;
  r->length = lengths;
  r->address = addresses;
  r->slots = slots;
  r->slot_size = data_len / slots;
  r->poll.data = r;
  for (size_t i = 0; i < slots; i++) {
    r->iovs[i].iov_base = r->data + i * r->slot_size;
    r->iovs[i].iov_len = r->slot_size;
    r->msgs[i].msg_hdr.msg_iov = &r->iovs[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    r->msgs[i].msg_hdr.msg_name = &r->names[i];
  }
  // From here on, failures go through stop() (which closes fd and frees r
  // once the wrapper is gone too).
  r->handle_done = 0;
  r->wrapper_done = 1;

  napi_value self = NULL, name;
  instance *inst = NULL;
  napi_value ctor;
  uv_loop_t *loop = NULL;
  const char *failed = NULL;
  if (napi_get_instance_data(env, (void **)&inst) != napi_ok || inst == NULL ||
      napi_get_reference_value(env, inst->constructor, &ctor) != napi_ok ||
      napi_new_instance(env, ctor, 0, NULL, &self) != napi_ok) {
    failed = "cannot create the handle";
  } else if (napi_wrap(env, self, r, finalize_wrapper, NULL, NULL) != napi_ok) {
    failed = "cannot wrap the handle";
  } else {
    r->wrapper_done = 0;
    if (napi_create_reference(env, argv[6], 1, &r->callback) != napi_ok ||
        napi_create_reference(env, argv[3], 1, &r->buffer) != napi_ok ||
        napi_create_reference(env, argv[4], 1, &r->lengths) != napi_ok ||
        napi_create_reference(env, argv[5], 1, &r->addresses) != napi_ok) {
      failed = "cannot reference the buffers";
    } else if (napi_create_string_utf8(env, "AkvoradoUDPReceiver", NAPI_AUTO_LENGTH, &name) != napi_ok ||
               napi_async_init(env, self, name, &r->async) != napi_ok) {
      failed = "cannot create the async context";
    } else if (napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &r->poll, fd) != 0) {
      failed = "cannot watch the socket";
    } else {
      r->polling = 1;
      if (uv_poll_start(&r->poll, UV_READABLE, on_readable) != 0) {
        failed = "cannot watch the socket";
      } else if (napi_add_async_cleanup_hook(env, on_cleanup, r, &r->cleanup) != napi_ok) {
        failed = "cannot register the cleanup hook";
      }
    }
  }
  if (failed != NULL) {
    stop(r);
    napi_throw_error(env, NULL, failed);
    return NULL;
  }
  return self;
}

static void finalize_instance(napi_env env, void *data, void *hint) {
  (void)hint;
  instance *inst = (instance *)data;
  if (inst->constructor != NULL) napi_delete_reference(env, inst->constructor);
  free(inst);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor methods[] = {
      {"port", NULL, NULL, get_port, NULL, NULL, napi_enumerable, NULL},
      {"receiveBuffer", NULL, NULL, get_receive_buffer, NULL, NULL, napi_enumerable, NULL},
      {"takeError", NULL, take_error, NULL, NULL, NULL, napi_default_method, NULL},
      {"close", NULL, do_close, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_value ctor, open_fn, stride, max_slots;
  if (napi_define_class(env, "UDPReceiver", NAPI_AUTO_LENGTH, construct, NULL, sizeof methods / sizeof methods[0], methods,
                        &ctor) != napi_ok)
    return NULL;
  instance *inst = calloc(1, sizeof *inst);
  if (inst == NULL) return NULL;
  if (napi_create_reference(env, ctor, 1, &inst->constructor) != napi_ok ||
      napi_set_instance_data(env, inst, finalize_instance, NULL) != napi_ok) {
    free(inst);
    return NULL;
  }
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_receiver, NULL, &open_fn);
  napi_set_named_property(env, exports, "open", open_fn);
  napi_create_int32(env, ADDRESS_STRIDE, &stride);
  napi_set_named_property(env, exports, "ADDRESS_STRIDE", stride);
  napi_create_int32(env, MAX_SLOTS, &max_slots);
  napi_set_named_property(env, exports, "MAX_SLOTS", max_slots);
  return exports;
}
