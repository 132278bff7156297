// framewire's native UDP paths. Sending: a whole frame leaves in a few sendmmsg calls instead of one syscall (and
// one libuv request) per datagram, which is where node:dgram spends most of a sender's time. Receiving: recvmmsg
// fills a batch of slots and JS is called once per batch, not once per datagram.
//
// A packet is two iovecs, [header, payload], both slices of buffers JS owns; sendmmsg copies them into the kernel
// before returning, so nothing here outlives a call. The socket is our own, non-blocking and connected: nobody
// reads it, so an ICMP port-unreachable is reported to the next send (ECONNREFUSED) and counted there.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <node_api.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

// The kernel's cap on one sendmmsg call (UIO_MAXIOV).
#define BATCH 1024

// Only the main JS thread calls in, so one static batch serves every call without allocating.
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH * 2];

#define CHECK(call)                                                       \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error(env, NULL, "framewire_native: " #call " failed"); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

// Thrown with code set to the errno name (EADDRINUSE, ...), as Node's own socket errors are.
static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[160];
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32)
  const char *code = strerrorname_np(err);
#else
  const char *code = NULL;
#endif
  snprintf(message, sizeof message, "%s %s: %s", what, code ? code : "", strerror(err));
  napi_throw_error(env, code, message);
  return NULL;
}

static napi_value make_int(napi_env env, int64_t value) {
  napi_value out;
  if (napi_create_int64(env, value, &out) != napi_ok) return NULL;
  return out;
}

// A non-blocking UDP socket for (address, port, ipv6, bufferBytes, otherBufferBytes?) = argv[0..4], bound or
// connected to it. bufferBytes sizes SO_RCVBUF when bound, SO_SNDBUF when connected; otherBufferBytes, when given,
// sizes the other one too (for sockets that both send and receive). The kernel caps them at net.core.[wr]mem_max,
// and a smaller buffer still works (sends see EAGAIN sooner, receives drop sooner).
static napi_value open_socket(napi_env env, napi_callback_info info, bool bind_it) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char address[INET6_ADDRSTRLEN + 1];
  size_t address_len;
  uint32_t port, buffer_bytes;
  bool ipv6;
  CHECK(napi_get_value_string_utf8(env, argv[0], address, sizeof address, &address_len));
  CHECK(napi_get_value_uint32(env, argv[1], &port));
  CHECK(napi_get_value_bool(env, argv[2], &ipv6));
  CHECK(napi_get_value_uint32(env, argv[3], &buffer_bytes));
  uint32_t other_buffer_bytes = 0;
  napi_valuetype other_type = napi_undefined;
  if (argc >= 5) CHECK(napi_typeof(env, argv[4], &other_type));
  if (other_type != napi_undefined) CHECK(napi_get_value_uint32(env, argv[4], &other_buffer_bytes));

  struct sockaddr_storage at;
  socklen_t at_len;
  memset(&at, 0, sizeof at);
  if (ipv6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)&at;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) return throw_errno(env, "bad IPv6 address", EINVAL);
    at_len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&at;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &a->sin_addr) != 1) return throw_errno(env, "bad IPv4 address", EINVAL);
    at_len = sizeof *a;
  }

  int fd = socket(at.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int size = (int)buffer_bytes;
  setsockopt(fd, SOL_SOCKET, bind_it ? SO_RCVBUF : SO_SNDBUF, &size, sizeof size);
  if (other_type != napi_undefined) {
    int other_size = (int)other_buffer_bytes;
    setsockopt(fd, SOL_SOCKET, bind_it ? SO_SNDBUF : SO_RCVBUF, &other_size, sizeof other_size);
  }
  if ((bind_it ? bind(fd, (struct sockaddr *)&at, at_len) : connect(fd, (struct sockaddr *)&at, at_len)) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, bind_it ? "bind" : "connect", err);
  }
  return make_int(env, fd);
}

// connect(address: string, port: number, ipv6: boolean, sendBufferBytes: number, receiveBufferBytes?: number):
//   number (the fd)
static napi_value js_connect(napi_env env, napi_callback_info info) {
  return open_socket(env, info, false);
}

// bind(address: string, port: number, ipv6: boolean, receiveBufferBytes: number, sendBufferBytes?: number):
//   number (the fd)
static napi_value js_bind(napi_env env, napi_callback_info info) {
  return open_socket(env, info, true);
}

// localPort(fd: number): number
static napi_value js_local_port(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  struct sockaddr_storage at;
  socklen_t at_len = sizeof at;
  if (getsockname(fd, (struct sockaddr *)&at, &at_len) != 0) return throw_errno(env, "getsockname", errno);
  uint16_t port =
      at.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&at)->sin6_port : ((struct sockaddr_in *)&at)->sin_port;
  return make_int(env, ntohs(port));
}

// close(fd: number): void
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  if (fd >= 0) close(fd);
  return NULL;
}

static bool get_uint32_array(napi_env env, napi_value value, const uint32_t **data, size_t *length) {
  napi_typedarray_type type;
  void *raw;
  if (napi_get_typedarray_info(env, value, &type, length, &raw, NULL, NULL) != napi_ok) return false;
  *data = raw;
  return type == napi_uint32_array;
}

// Offsets are n + 1 ascending positions within a buffer of `limit` bytes: packet i owns [o[i], o[i + 1]).
static bool offsets_fit(const uint32_t *o, size_t n, size_t limit) {
  for (size_t i = 0; i < n; i++) {
    if (o[i] > o[i + 1]) return false;
  }
  return o[n] <= limit;
}

// sendPackets(fd, headers: Buffer, headerOffsets: Uint32Array, data: Buffer, payloadOffsets: Uint32Array,
//             from: number, result: Int32Array): number
// Sends packets from..n-1 and returns the index it stopped at (n when all are done). result[0] receives how many
// packets the kernel refused (each is skipped, as a failed dgram send is), result[1] the errno that stopped the
// call early (EAGAIN or ENOBUFS: the send buffer is full; retry the rest later) or 0.
static napi_value js_send_packets(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t from;
  uint8_t *headers, *data;
  size_t headers_len, data_len, header_count, payload_count, result_len;
  const uint32_t *header_offsets, *payload_offsets;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&headers, &headers_len));
  CHECK(napi_get_buffer_info(env, argv[3], (void **)&data, &data_len));
  CHECK(napi_get_value_uint32(env, argv[5], &from));
  napi_typedarray_type result_type;
  void *result_raw;
  CHECK(napi_get_typedarray_info(env, argv[6], &result_type, &result_len, &result_raw, NULL, NULL));
  if (!get_uint32_array(env, argv[2], &header_offsets, &header_count) ||
      !get_uint32_array(env, argv[4], &payload_offsets, &payload_count) || header_count != payload_count ||
      header_count == 0 || result_type != napi_int32_array || result_len < 2) {
    napi_throw_type_error(env, NULL, "sendPackets: offsets must be two Uint32Arrays of equal length n + 1");
    return NULL;
  }
  size_t n = header_count - 1;
  if (!offsets_fit(header_offsets, n, headers_len) || !offsets_fit(payload_offsets, n, data_len) || from > n) {
    napi_throw_range_error(env, NULL, "sendPackets: an offset lies outside its buffer");
    return NULL;
  }

  int32_t *result = result_raw;
  int32_t refused = 0;
  int stopped_by = 0;
  size_t i = from;
  while (i < n) {
    size_t batch = n - i < BATCH ? n - i : BATCH;
    for (size_t k = 0; k < batch; k++) {
      size_t p = i + k;
      struct iovec *iov = &iovs[k * 2];
      iov[0].iov_base = headers + header_offsets[p];
      iov[0].iov_len = header_offsets[p + 1] - header_offsets[p];
      iov[1].iov_base = data + payload_offsets[p];
      iov[1].iov_len = payload_offsets[p + 1] - payload_offsets[p];
      memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
      msgs[k].msg_hdr.msg_iov = iov;
      msgs[k].msg_hdr.msg_iovlen = 2;
    }
    int sent = sendmmsg(fd, msgs, (unsigned)batch, MSG_DONTWAIT);
    if (sent > 0) {
      i += (size_t)sent;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      stopped_by = errno;
      break;
    }
    // Refused (ECONNREFUSED after a port-unreachable, EMSGSIZE, ...): this packet is lost; the frame goes on.
    refused++;
    i++;
  }
  result[0] = refused;
  result[1] = stopped_by;
  return make_int(env, (int64_t)i);
}

// sendTo(fd: number, data: Buffer, name: Buffer): number
// Sends data as one datagram to the address in name (a struct sockaddr as recvStart reports senders). Returns 0, or
// the errno of a refused or dropped send (the datagram is lost).
static napi_value js_send_to(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint8_t *data, *name;
  size_t data_len, name_len;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&data, &data_len));
  CHECK(napi_get_buffer_info(env, argv[2], (void **)&name, &name_len));
  sa_family_t family;
  if (name_len >= sizeof family) memcpy(&family, name, sizeof family);
  socklen_t at_len = name_len < sizeof family ? 0
                     : family == AF_INET6      ? sizeof(struct sockaddr_in6)
                     : family == AF_INET       ? sizeof(struct sockaddr_in)
                                               : 0;
  if (at_len == 0 || at_len > name_len) {
    napi_throw_range_error(env, NULL, "sendTo: name is not an IPv4 or IPv6 socket address");
    return NULL;
  }
  ssize_t sent;
  do {
    sent = sendto(fd, data, data_len, MSG_DONTWAIT, (struct sockaddr *)name, at_len);
  } while (sent < 0 && errno == EINTR);
  return make_int(env, sent < 0 ? errno : 0);
}

// UDP GSO limits: a message carries at most this many segments and bytes (under the 64 KB IP datagram).
#define GSO_SEGMENTS 64
#define GSO_BYTES 65000

static char gso_controls[BATCH][CMSG_SPACE(sizeof(uint16_t))];
// gso_first[k] is the datagram message k starts with; gso_first[k + 1] - gso_first[k] how many it carries.
static size_t gso_first[BATCH + 1];

// sendDatagrams(fd, data: Buffer, offsets: Uint32Array, from: number, segment: boolean, result: Int32Array): number
// Sends datagrams from..n-1 of data (datagram i is data[offsets[i], offsets[i + 1])) and returns the index it stopped
// at, as sendPackets does (result[0]: refused, result[1]: errno that stopped it early). With segment, a run of
// datagrams of one size (and at most one shorter one after them) leaves as one UDP GSO message that the kernel splits
// back into those datagrams: on loopback that crosses the stack once per run instead of once per datagram. When the
// kernel will not segment (the route's MTU is below the datagram size, no GSO support), it stops there with
// result[2] = 1: call again without segment.
static napi_value js_send_datagrams(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t from;
  bool segment;
  uint8_t *data;
  size_t data_len, offsets_count, result_len;
  const uint32_t *offsets;
  napi_typedarray_type result_type;
  void *result_raw;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&data, &data_len));
  CHECK(napi_get_value_uint32(env, argv[3], &from));
  CHECK(napi_get_value_bool(env, argv[4], &segment));
  CHECK(napi_get_typedarray_info(env, argv[5], &result_type, &result_len, &result_raw, NULL, NULL));
  if (!get_uint32_array(env, argv[2], &offsets, &offsets_count) || offsets_count == 0 ||
      result_type != napi_int32_array || result_len < 3) {
    napi_throw_type_error(env, NULL, "sendDatagrams: need n + 1 Uint32Array offsets and an Int32Array(3) result");
    return NULL;
  }
  size_t n = offsets_count - 1;
  if (!offsets_fit(offsets, n, data_len) || from > n) {
    napi_throw_range_error(env, NULL, "sendDatagrams: an offset lies outside its buffer");
    return NULL;
  }

  int32_t *result = result_raw;
  int32_t refused = 0;
  int stopped_by = 0;
  bool unsegmentable = false;
  size_t i = from;
  while (i < n) {
    size_t count = 0;
    size_t at = i;
    while (count < BATCH && at < n) {
      uint32_t size = offsets[at + 1] - offsets[at];
      size_t end = at + 1;
      if (segment && size > 0) {
        while (end < n && end - at < GSO_SEGMENTS && offsets[end + 1] - offsets[at] <= GSO_BYTES) {
          uint32_t next = offsets[end + 1] - offsets[end];
          if (next > size || next == 0) break; // an empty segment would vanish
          end++;
          if (next < size) break; // a shorter datagram can only be the last segment
        }
      }
      struct msghdr *m = &msgs[count].msg_hdr;
      memset(m, 0, sizeof *m);
      iovs[count].iov_base = data + offsets[at];
      iovs[count].iov_len = offsets[end] - offsets[at];
      m->msg_iov = &iovs[count];
      m->msg_iovlen = 1;
      if (end - at > 1) {
        m->msg_control = gso_controls[count];
        m->msg_controllen = sizeof gso_controls[count];
        struct cmsghdr *c = CMSG_FIRSTHDR(m);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t gso_size = (uint16_t)size;
        memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
      }
      gso_first[count++] = at;
      at = end;
    }
    gso_first[count] = at;
    int sent = sendmmsg(fd, msgs, (unsigned)count, MSG_DONTWAIT);
    if (sent > 0) {
      i = gso_first[sent];
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      stopped_by = errno;
      break;
    }
    if (msgs[0].msg_hdr.msg_controllen != 0 && (errno == EINVAL || errno == EMSGSIZE || errno == EIO ||
                                               errno == ENOPROTOOPT || errno == EOPNOTSUPP)) {
      unsegmentable = true;
      break;
    }
    // Refused (ECONNREFUSED after a port-unreachable, EMSGSIZE, ...): this message is lost; the rest go on.
    refused += (int32_t)(gso_first[1] - gso_first[0]);
    i = gso_first[1];
  }
  result[0] = refused;
  result[1] = stopped_by;
  result[2] = unsegmentable;
  return make_int(env, (int64_t)i);
}

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
static napi_value js_recv_start(napi_env env, napi_callback_info info) {
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
    return throw_errno(env, "recvStart", ENOMEM);
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
      return throw_errno(env, "uv_poll_start", -err);
    }
  } else {
    r->poll.data = r;
    receiver_free((uv_handle_t *)&r->poll);
    return throw_errno(env, "uv_poll_init", -err);
  }
  napi_value handle;
  CHECK(napi_create_external(env, r, NULL, NULL, &handle));
  return handle;
}

// recvStop(handle): no onBatch call after this returns; the fd closes once libuv lets go of it.
static napi_value js_recv_stop(napi_env env, napi_callback_info info) {
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"sendPackets", NULL, js_send_packets, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_default, NULL},
      {"recvStart", NULL, js_recv_start, NULL, NULL, NULL, napi_default, NULL},
      {"recvStop", NULL, js_recv_stop, NULL, NULL, NULL, napi_default, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_default, NULL},
      {"sendDatagrams", NULL, js_send_datagrams, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
