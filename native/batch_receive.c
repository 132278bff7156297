// Batch receive: recvmmsg fills a batch of slots and JS is called once per batch, not once per datagram, driven by
// libuv readiness on the main thread. With UDP GRO a slot may hold several datagrams at once (see recvStart).
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "addon.h"

// Room for the control messages a slot brings: its SCM_TIMESTAMPNS receive stamp and its UDP_GRO segment size.
#define CONTROL_BYTES (CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(int)))

// Batches per readiness event before libuv gets the loop back, so timers and other sockets still run at full load.
#define ROUNDS_PER_WAKEUP 16

// A receiver lives from recvStart to the later of two ends: libuv's close callback for its poll handle (after
// recvStop, or after a recvStart that failed once the handle existed) and the GC of the handle JS holds (when
// recvStart returned one). Until both, recvStop on a stale handle finds a stopped receiver, not freed memory.
typedef struct {
  uv_poll_t poll;
  int fd; // -1 once closed
  bool stopped;
  bool poll_open;       // uv_poll_init succeeded and libuv has not called back from uv_close yet
  bool handle_held;     // JS holds the external returned by recvStart and it has not been finalized
  napi_env env;
  napi_ref on_batch;
  napi_ref slab_ref;
  napi_ref lengths_ref;
  napi_ref names_ref;
  napi_ref stamps_ref;
  napi_ref segments_ref;
  napi_async_context async;
  uint8_t *slab;
  int32_t *lengths;
  size_t slots;
  uint8_t *names; // NULL, or one source address slot of name_bytes per datagram slot
  size_t name_bytes;
  double *stamps;     // NULL, or one receive stamp per datagram slot (see recvStart)
  int32_t *segments;  // NULL, or one UDP GRO segment size per slot (see recvStart)
  uint8_t *controls;  // CONTROL_BYTES per slot, when stamps or segments are asked for
  struct mmsghdr *msgs;
  struct iovec *iovs;
} receiver_t;

// Marks recvStart's handles, so recvStop never takes some other external's pointer for a receiver.
static const napi_type_tag receiver_tag = {0x6672616d65776972ULL, 0x652d726563766d6dULL};

static void receiver_free_if_unused(receiver_t *r) {
  if (r->poll_open || r->handle_held) return;
  free(r->msgs);
  free(r->iovs);
  free(r->controls);
  free(r);
}

// Lets go of what keeps the slab, lengths, names and onBatch alive (the kernel writes into their memory until the
// poll handle is closed). Only while the env is alive, so from a libuv callback or a call from JS, never from GC.
static void receiver_release_js(receiver_t *r) {
  napi_env env = r->env;
  if (r->on_batch) napi_delete_reference(env, r->on_batch);
  if (r->slab_ref) napi_delete_reference(env, r->slab_ref);
  if (r->lengths_ref) napi_delete_reference(env, r->lengths_ref);
  if (r->names_ref) napi_delete_reference(env, r->names_ref);
  if (r->stamps_ref) napi_delete_reference(env, r->stamps_ref);
  if (r->segments_ref) napi_delete_reference(env, r->segments_ref);
  if (r->async) napi_async_destroy(env, r->async);
  r->on_batch = r->slab_ref = r->lengths_ref = r->names_ref = r->stamps_ref = r->segments_ref = NULL;
  r->async = NULL;
}

static void receiver_poll_closed(uv_handle_t *handle) {
  receiver_t *r = handle->data;
  receiver_release_js(r);
  r->poll_open = false;
  receiver_free_if_unused(r);
}

static void receiver_handle_finalized(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  receiver_t *r = data;
  r->handle_held = false;
  receiver_free_if_unused(r);
}

// Stops reading for good and closes the fd, now: libuv forgets the fd inside uv_close (its epoll registration and
// any event already collected for it), so nothing touches the number after this, and a socket that gets it next
// is safe. Only the memory waits for libuv's close callback.
static void receiver_stop(receiver_t *r) {
  if (r->stopped) return;
  r->stopped = true;
  if (r->poll_open) {
    uv_close((uv_handle_t *)&r->poll, receiver_poll_closed);
  } else {
    receiver_release_js(r);
  }
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  receiver_free_if_unused(r);
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

// What the kernel attached to a slot: its receive stamp (SCM_TIMESTAMPNS: CLOCK_REALTIME, taken when the packet entered
// the stack, before any queueing on the socket) as wall-clock µs, or 0 when it brought none; and, when UDP GRO
// coalesced several datagrams into the slot, their size (all but the last, which may be shorter), else 0. A double
// holds today's wall-clock µs to 0.25 µs (2^-2 for values between 2^50 and 2^51 µs, years 2005 to 2041): finer than
// a software stamp's own jitter, so nothing the stamp resolves is lost.
static void read_controls(struct msghdr *msg, double *stamp_us, int32_t *segment) {
  *stamp_us = 0;
  *segment = 0;
  if (msg->msg_flags & MSG_CTRUNC) return;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      *stamp_us = (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
    } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size;
      memcpy(&size, CMSG_DATA(c), sizeof size);
      *segment = size;
    }
  }
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
    // And shrinks msg_controllen to the control messages it wrote.
    if (r->controls) {
      for (size_t i = 0; i < r->slots; i++) r->msgs[i].msg_hdr.msg_controllen = CONTROL_BYTES;
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
    if (r->controls) {
      for (int i = 0; i < got; i++) {
        double stamp;
        int32_t segment;
        read_controls(&r->msgs[i].msg_hdr, &stamp, &segment);
        if (r->stamps) r->stamps[i] = stamp;
        if (r->segments) r->segments[i] = segment;
      }
    }
    if (!call_on_batch(r, got)) break;
    if ((size_t)got < r->slots) break;
  }
  napi_close_handle_scope(env, scope);
}

// recvStart(fd: number, slab: Buffer, slotBytes: number, lengths: Int32Array, onBatch: (count) => void,
//           names?: Buffer, stamps?: Float64Array, segments?: Int32Array): handle
// Datagram i of a batch lands in slab[i * slotBytes, i * slotBytes + lengths[i]); the slab is reused as soon as
// onBatch returns. A negative count is -errno of a socket error (e.g. ECONNREFUSED) taken off the socket; reading
// goes on. When names is given, its sender's address (a struct sockaddr, as sendTo takes it) lands in
// names[i * nameBytes, ...) with nameBytes = names.length / slots. When stamps is given (one per slot), the socket
// gets SO_TIMESTAMPNS and stamps[i] is datagram i's kernel receive stamp in wall-clock µs (CLOCK_REALTIME, with a
// fraction), or 0 when it came without one. SO_TIMESTAMPNS rather than SO_TIMESTAMPING: both give the same software
// stamp (skb->tstamp, set as the packet enters the stack; on loopback, in the sender's sendmmsg), and hardware
// stamps would need a NIC that has them and SIOCSHWTSTAMP privileges, neither of which a loopback receiver has.
// When segments is given (one per slot, on a socket enableGro turned UDP GRO on for), segments[i] is the size of the
// datagrams the kernel coalesced into slot i (each that size, the last one possibly shorter), or 0 when the slot
// holds one datagram. Coalesced datagrams share the slot's one receive stamp: on loopback they are the segments of
// one GSO send, which left together.
//
// Ownership: once fd is read as a number, the receiver owns it, whether recvStart returns a handle or throws:
// recvStop(handle) closes it, and every throw after that point has closed it already, exactly once. The caller must
// not close it again. The one exception is an fd this loop already polls (EEXIST: another receiver, or a Node
// handle, reads it): that fd stays with its reader, untouched. The fd may still be used to send from (sendTo, send,
// sendDatagrams) until recvStop.
#define TRY(call)                                                                        \
  do {                                                                                   \
    if ((call) != napi_ok) {                                                             \
      napi_throw_error(env, NULL, "framewire_native: recvStart: " #call " failed");     \
      goto fail;                                                                         \
    }                                                                                    \
  } while (0)

napi_value js_recv_start(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));

  // The fd is ours from here: every exit below either returns a handle that owns it or closes it (via fail).
  receiver_t *r = calloc(1, sizeof *r);
  if (!r) {
    if (fd >= 0) close(fd);
    return fw_throw_errno(env, "recvStart", ENOMEM);
  }
  r->fd = fd;
  r->env = env;
  uv_loop_t *loop;
  TRY(napi_get_uv_event_loop(env, &loop));
  // First, before anything could close the fd: whether somebody else already reads it.
  int err = uv_poll_init(loop, &r->poll, fd);
  if (err == UV_EEXIST) {
    r->fd = -1; // its reader's, not ours
    fw_throw_errno(env, "recvStart: this loop already reads the fd (left open for its reader)", EEXIST);
    goto fail;
  }
  if (err != 0) {
    fw_throw_errno(env, "recvStart: uv_poll_init", -err);
    goto fail;
  }
  r->poll.data = r;
  r->poll_open = true;

  uint8_t *names = NULL;
  size_t names_len = 0;
  napi_valuetype names_type = napi_undefined;
  if (argc >= 6) TRY(napi_typeof(env, argv[5], &names_type));
  if (names_type != napi_undefined) TRY(napi_get_buffer_info(env, argv[5], (void **)&names, &names_len));
  double *stamps = NULL;
  size_t stamps_len = 0;
  napi_valuetype stamps_type = napi_undefined;
  if (argc >= 7) TRY(napi_typeof(env, argv[6], &stamps_type));
  if (stamps_type != napi_undefined) stamps = fw_typed_array(env, argv[6], napi_float64_array, &stamps_len);
  int32_t *segments = NULL;
  size_t segments_len = 0;
  napi_valuetype segments_type = napi_undefined;
  if (argc >= 8) TRY(napi_typeof(env, argv[7], &segments_type));
  if (segments_type != napi_undefined) segments = fw_typed_array(env, argv[7], napi_int32_array, &segments_len);
  uint32_t slot_bytes;
  uint8_t *slab;
  size_t slab_len, lengths_len;
  napi_valuetype callback_type;
  TRY(napi_get_buffer_info(env, argv[1], (void **)&slab, &slab_len));
  TRY(napi_get_value_uint32(env, argv[2], &slot_bytes));
  int32_t *lengths = fw_typed_array(env, argv[3], napi_int32_array, &lengths_len);
  TRY(napi_typeof(env, argv[4], &callback_type));
  size_t slots = slot_bytes ? slab_len / slot_bytes : 0;
  if (!lengths || callback_type != napi_function || slots == 0 || lengths_len < slots ||
      slots > BATCH) {
    napi_throw_type_error(env, NULL, "recvStart: need a slab of 1 to 1024 slots, one Int32Array length per slot");
    goto fail;
  }
  if (stamps_type != napi_undefined && (!stamps || stamps_len < slots)) {
    napi_throw_type_error(env, NULL, "recvStart: stamps needs a Float64Array with one element per slot");
    goto fail;
  }
  if (segments_type != napi_undefined && (!segments || segments_len < slots)) {
    napi_throw_type_error(env, NULL, "recvStart: segments needs an Int32Array with one element per slot");
    goto fail;
  }
  size_t name_bytes = names ? names_len / slots : 0;
  if (names && name_bytes < sizeof(struct sockaddr_in6)) {
    napi_throw_type_error(env, NULL, "recvStart: names needs room for a sockaddr_in6 per slot");
    goto fail;
  }

  r->msgs = calloc(slots, sizeof *r->msgs);
  r->iovs = calloc(slots, sizeof *r->iovs);
  bool controls = stamps || segments;
  if (controls) r->controls = calloc(slots, CONTROL_BYTES);
  if (!r->msgs || !r->iovs || (controls && !r->controls)) {
    fw_throw_errno(env, "recvStart", ENOMEM);
    goto fail;
  }
  if (stamps) {
    int on = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0) {
      fw_throw_errno(env, "recvStart: setsockopt SO_TIMESTAMPNS", errno);
      goto fail;
    }
  }
  r->slab = slab;
  r->lengths = lengths;
  r->slots = slots;
  r->names = names;
  r->name_bytes = name_bytes;
  for (size_t i = 0; i < slots; i++) {
    r->iovs[i].iov_base = slab + i * slot_bytes;
    r->iovs[i].iov_len = slot_bytes;
    r->msgs[i].msg_hdr.msg_iov = &r->iovs[i];
    r->msgs[i].msg_hdr.msg_iovlen = 1;
    if (names) r->msgs[i].msg_hdr.msg_name = names + i * name_bytes;
    if (controls) r->msgs[i].msg_hdr.msg_control = r->controls + i * CONTROL_BYTES;
  }
  r->stamps = stamps;
  r->segments = segments;
  napi_value resource_name;
  TRY(napi_create_string_utf8(env, "framewire:recvmmsg", NAPI_AUTO_LENGTH, &resource_name));
  TRY(napi_async_init(env, NULL, resource_name, &r->async));
  // The references keep the slab and lengths alive (and their memory in place) while the kernel writes into them.
  TRY(napi_create_reference(env, argv[4], 1, &r->on_batch));
  TRY(napi_create_reference(env, argv[1], 1, &r->slab_ref));
  TRY(napi_create_reference(env, argv[3], 1, &r->lengths_ref));
  if (names) TRY(napi_create_reference(env, argv[5], 1, &r->names_ref));
  if (stamps) TRY(napi_create_reference(env, argv[6], 1, &r->stamps_ref));
  if (segments) TRY(napi_create_reference(env, argv[7], 1, &r->segments_ref));
  napi_value handle;
  TRY(napi_create_external(env, r, receiver_handle_finalized, NULL, &handle));
  r->handle_held = true; // from here the memory also waits for the handle's finalizer
  TRY(napi_type_tag_object(env, handle, &receiver_tag));
  err = uv_poll_start(&r->poll, UV_READABLE, receiver_readable);
  if (err != 0) {
    fw_throw_errno(env, "recvStart: uv_poll_start", -err);
    goto fail;
  }
  return handle;

fail:
  receiver_stop(r);
  return NULL;
}

// recvStop(handle): void
// No onBatch call after this returns, and the fd is closed when it returns (by this call: closed exactly once). A
// second recvStop of the same handle does nothing.
napi_value js_recv_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool is_receiver = false;
  void *data;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (napi_check_object_type_tag(env, argv[0], &receiver_tag, &is_receiver) != napi_ok || !is_receiver) {
    napi_throw_type_error(env, NULL, "recvStop: not a handle from recvStart");
    return NULL;
  }
  CHECK(napi_get_value_external(env, argv[0], &data));
  receiver_stop(data);
  return NULL;
}
