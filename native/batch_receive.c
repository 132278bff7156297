// Batch receive: recvmmsg fills a batch of slots and JS is called once per batch, not once per datagram, driven by
// libuv readiness on the main thread.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <uv.h>

#include "addon.h"

// Batches per readiness event before libuv gets the loop back, so timers and other sockets still run at full load.
#define ROUNDS_PER_WAKEUP 16

typedef struct {
  uv_poll_t poll;
  int fd;
  bool stopped;
  napi_env env;
  napi_ref on_batch;
  napi_ref slab_ref;
  napi_ref lengths_ref;
  napi_ref names_ref;
  napi_async_context async;
  uint8_t *slab;
  int32_t *lengths;
  size_t slots;
  uint8_t *names; // NULL, or one source address slot of name_bytes per datagram slot
  size_t name_bytes;
  struct mmsghdr *msgs;
  struct iovec *iovs;
} receiver_t;

static void receiver_free(uv_handle_t *handle) {
  receiver_t *r = handle->data;
  close(r->fd);
  napi_delete_reference(r->env, r->on_batch);
  napi_delete_reference(r->env, r->slab_ref);
  napi_delete_reference(r->env, r->lengths_ref);
  if (r->names_ref) napi_delete_reference(r->env, r->names_ref);
  napi_async_destroy(r->env, r->async);
  free(r->msgs);
  free(r->iovs);
  free(r);
}

// Calls onBatch(count): count datagrams are in the slab, or, when negative, -errno of a socket error taken off the
// socket. False when JS threw (reported as Node reports an uncaught exception from an I/O callback).
static bool call_on_batch(receiver_t *r, int count_or_error) {
  napi_env env = r->env;
  napi_value on_batch, recv, count;
  if (napi_get_reference_value(env, r->on_batch, &on_batch) != napi_ok || napi_get_global(env, &recv) != napi_ok ||
      napi_create_int32(env, count_or_error, &count) != napi_ok) {
    return false;
  }
  if (napi_make_callback(env, r->async, recv, on_batch, 1, &count, NULL) != napi_ok) {
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) napi_fatal_exception(env, error);
    return false;
  }
  return true;
}

static void receiver_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  receiver_t *r = handle->data;
  if (r->stopped) return;
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  if (status < 0) {
    // libuv stops a poll handle on POLLERR. On a UDP socket that is a pending socket error (a connected socket's
    // ICMP port-unreachable), not a dead fd: take the error off the socket, report it and poll again; otherwise
    // this socket would never be read again (a relay's reply path died for good once its peer restarted).
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(r->fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0) {
      if (err != 0) call_on_batch(r, -err);
      if (!r->stopped) uv_poll_start(&r->poll, UV_READABLE, receiver_readable);
    }
    napi_close_handle_scope(env, scope);
    return;
  }
  for (int round = 0; round < ROUNDS_PER_WAKEUP && !r->stopped; round++) {
    // The kernel shrinks msg_namelen to the address it wrote, so each call starts from the full slot again.
    if (r->names) {
      for (size_t i = 0; i < r->slots; i++) r->msgs[i].msg_hdr.msg_namelen = (socklen_t)r->name_bytes;
    }
    int got = recvmmsg(r->fd, r->msgs, (unsigned)r->slots, MSG_DONTWAIT, NULL);
    if (got < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break; // drained
      if (errno == EINTR) continue;
      // A pending socket error, now taken off the socket: report it and read on, datagrams may be waiting.
      if (!call_on_batch(r, -errno)) break;
      continue;
    }
    if (got == 0) break;
    for (int i = 0; i < got; i++) r->lengths[i] = (int32_t)r->msgs[i].msg_len;
    if (!call_on_batch(r, got)) break;
    if ((size_t)got < r->slots) break;
  }
  napi_close_handle_scope(env, scope);
}

// recvStart(fd: number, slab: Buffer, slotBytes: number, lengths: Int32Array, onBatch: (count) => void,
//           names?: Buffer): handle
// Datagram i of a batch lands in slab[i * slotBytes, i * slotBytes + lengths[i]); the slab is reused as soon as
// onBatch returns. A negative count is -errno of a socket error (e.g. ECONNREFUSED) taken off the socket; reading
// goes on. When names is given, its sender's address (a struct sockaddr, as sendTo takes it) lands in
// names[i * nameBytes, ...) with nameBytes = names.length / slots. The receiver owns the fd from here on: recvStop
// closes it.
napi_value js_recv_start(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *names = NULL;
  size_t names_len = 0;
  napi_valuetype names_type = napi_undefined;
  if (argc >= 6) CHECK(napi_typeof(env, argv[5], &names_type));
  if (names_type != napi_undefined) CHECK(napi_get_buffer_info(env, argv[5], (void **)&names, &names_len));
  int32_t fd;
  uint32_t slot_bytes;
  uint8_t *slab;
  size_t slab_len, lengths_len;
  void *lengths_raw;
  napi_typedarray_type lengths_type;
  napi_valuetype callback_type;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&slab, &slab_len));
  CHECK(napi_get_value_uint32(env, argv[2], &slot_bytes));
  CHECK(napi_get_typedarray_info(env, argv[3], &lengths_type, &lengths_len, &lengths_raw, NULL, NULL));
  CHECK(napi_typeof(env, argv[4], &callback_type));
  size_t slots = slot_bytes ? slab_len / slot_bytes : 0;
  if (lengths_type != napi_int32_array || callback_type != napi_function || slots == 0 || lengths_len < slots ||
      slots > BATCH) {
    napi_throw_type_error(env, NULL, "recvStart: need a slab of 1 to 1024 slots, one Int32Array length per slot");
    return NULL;
  }
  size_t name_bytes = names ? names_len / slots : 0;
  if (names && name_bytes < sizeof(struct sockaddr_in6)) {
    napi_throw_type_error(env, NULL, "recvStart: names needs room for a sockaddr_in6 per slot");
    return NULL;
  }

  receiver_t *r = calloc(1, sizeof *r);
  if (r) {
    r->msgs = calloc(slots, sizeof *r->msgs);
    r->iovs = calloc(slots, sizeof *r->iovs);
  }
  if (!r || !r->msgs || !r->iovs) {
    if (r) {
      free(r->msgs);
      free(r->iovs);
    }
    free(r);
    return fw_throw_errno(env, "recvStart", ENOMEM);
  }
  r->fd = fd;
  r->env = env;
  r->slab = slab;
  r->lengths = lengths_raw;
  r->slots = slots;
  r->names = names;
  r->name_bytes = name_bytes;
  for (size_t i = 0; i < slots; i++) {
    r->iovs[i].iov_base = slab + i * slot_bytes;
    r->iovs[i].iov_len = slot_bytes;
    r->msgs[i].msg_hdr.msg_iov = &r->iovs[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    if (names) r->msgs[i].msg_hdr.msg_name = names + i * name_bytes;
  }
  napi_value resource_name;
  uv_loop_t *loop;
  CHECK(napi_create_string_utf8(env, "framewire:recvmmsg", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(napi_async_init(env, NULL, resource_name, &r->async));
  // The references keep the slab and lengths alive (and their memory in place) while the kernel writes into them.
  CHECK(napi_create_reference(env, argv[4], 1, &r->on_batch));
  CHECK(napi_create_reference(env, argv[1], 1, &r->slab_ref));
  CHECK(napi_create_reference(env, argv[3], 1, &r->lengths_ref));
  if (names) CHECK(napi_create_reference(env, argv[5], 1, &r->names_ref));
  CHECK(napi_get_uv_event_loop(env, &loop));
  int err = uv_poll_init(loop, &r->poll, fd);
  if (err == 0) {
    r->poll.data = r;
    err = uv_poll_start(&r->poll, UV_READABLE, receiver_readable);
    if (err != 0) {
      uv_close((uv_handle_t *)&r->poll, receiver_free);
      return fw_throw_errno(env, "uv_poll_start", -err);
    }
  } else {
    r->poll.data = r;
    receiver_free((uv_handle_t *)&r->poll);
    return fw_throw_errno(env, "uv_poll_init", -err);
  }
  napi_value handle;
  CHECK(napi_create_external(env, r, NULL, NULL, &handle));
  return handle;
}

// recvStop(handle): no onBatch call after this returns; the fd closes once libuv lets go of it.
napi_value js_recv_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_external(env, argv[0], &data));
  receiver_t *r = data;
  if (!r->stopped) {
    r->stopped = true;
    uv_poll_stop(&r->poll);
    uv_close((uv_handle_t *)&r->poll, receiver_free);
  }
  return NULL;
}
