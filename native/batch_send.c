// Batch send: a whole frame leaves in a few sendmmsg calls instead of one syscall (and one libuv request) per
// datagram, which is where node:dgram spends most of a sender's time, and with UDP GSO in one message per run of
// equal-size packets instead of one per packet. Single datagrams (feedback, replies) leave with sendTo or send.
//
// A packet is two iovecs, [header, payload], both slices of buffers JS owns, and a GSO message the iovecs of its
// packets in order: the kernel reads them as one byte stream and cuts it every gso_size bytes, so each segment is
// one header and its payload with no staging copy here. sendmmsg copies everything into the kernel before
// returning, so nothing here outlives a call. The socket is our own, non-blocking and connected: nobody
// reads it, so an ICMP port-unreachable is reported to the next send (ECONNREFUSED) and counted there.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addon.h"

// UDP GSO limits: a message carries at most this many segments and bytes (under the 64 KB IP datagram).
#define GSO_SEGMENTS 64
#define GSO_BYTES 65000
// Each packet is at most two iovecs (header, payload); a message at most GSO_SEGMENTS packets.
#define IOV_CAP (BATCH * 2)

// Only the main JS thread calls in, so one static batch serves every call without allocating.
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[IOV_CAP];
static char gso_controls[BATCH][CMSG_SPACE(sizeof(uint16_t))];
// first[k] is the packet message k starts with; first[k + 1] - first[k] how many it carries.
static size_t first[BATCH + 1];

// Offsets are n + 1 ascending positions within a buffer of `limit` bytes: packet i owns [o[i], o[i + 1]).
static bool offsets_fit(const uint32_t *o, size_t n, size_t limit) {
  for (size_t i = 0; i < n; i++) {
    if (o[i] > o[i + 1]) return false;
  }
  return o[n] <= limit;
}

// n packets, packet i being headers[h[i], h[i + 1]) then data[d[i], d[i + 1]); without headers (h NULL), only its
// data: a datagram already laid out whole.
typedef struct {
  uint8_t *headers;
  const uint32_t *h;
  uint8_t *data;
  const uint32_t *d;
  size_t n;
} packets_t;

static uint32_t packet_bytes(const packets_t *p, size_t i) {
  return (p->h ? p->h[i + 1] - p->h[i] : 0) + p->d[i + 1] - p->d[i];
}

// Where the GSO run that starts at packet `at` ends: packets of one size, and at most one shorter one after them (the
// kernel cuts a GSO message into segments of the first size, the last one taking what is left). Just `at` + 1 when
// not segmenting.
static size_t run_end(const packets_t *p, size_t at, bool segment) {
  uint32_t size = packet_bytes(p, at);
  size_t end = at + 1;
  if (!segment || size == 0) return end;
  uint32_t total = size;
  while (end < p->n && end - at < GSO_SEGMENTS) {
    uint32_t next = packet_bytes(p, end);
    if (next > size || next == 0 || total + next > GSO_BYTES) break; // an empty segment would vanish
    total += next;
    end++;
    if (next < size) break; // a shorter datagram can only be the last segment
  }
  return end;
}

// Appends [base, base + len) to the iovecs of the message being built, merging it into the previous iovec when it
// continues it (datagrams laid out back to back leave as one iovec a run).
static void add_iov(struct msghdr *m, size_t *used, uint8_t *base, size_t len) {
  if (len == 0) return;
  struct iovec *last = m->msg_iovlen ? &iovs[*used - 1] : NULL;
  if (last && (uint8_t *)last->iov_base + last->iov_len == base) {
    last->iov_len += len;
    return;
  }
  iovs[*used].iov_base = base;
  iovs[*used].iov_len = len;
  (*used)++;
  m->msg_iovlen++;
}

// Sends packets from..n-1 in sendmmsg calls, a message a packet, or with `segment` a message a GSO run (one trip
// through the stack per run instead of per packet; on loopback to a UDP GRO socket the run stays one buffer all the
// way). Returns the index it stopped at and fills result: [0] packets the kernel refused (each skipped, as a failed
// dgram send is), [1] the errno that stopped it early (EAGAIN or ENOBUFS: the send buffer is full; retry the rest
// later) or 0, [2] 1 when it stopped because the kernel will not segment (no GSO support, or a route whose MTU is
// below the packets): call again without segment.
static size_t send_runs(int fd, const packets_t *p, size_t from, bool segment, int32_t *result) {
  int32_t refused = 0;
  int stopped_by = 0;
  bool unsegmentable = false;
  size_t i = from;
  while (i < p->n) {
    size_t count = 0, used = 0, at = i;
    while (count < BATCH && at < p->n && used + 2 * GSO_SEGMENTS <= IOV_CAP) {
      size_t end = run_end(p, at, segment);
      struct msghdr *m = &msgs[count].msg_hdr;
      memset(m, 0, sizeof *m);
      m->msg_iov = &iovs[used];
      for (size_t k = at; k < end; k++) {
        if (p->h) add_iov(m, &used, p->headers + p->h[k], p->h[k + 1] - p->h[k]);
        add_iov(m, &used, p->data + p->d[k], p->d[k + 1] - p->d[k]);
      }
      if (end - at > 1) {
        m->msg_control = gso_controls[count];
        m->msg_controllen = sizeof gso_controls[count];
        struct cmsghdr *c = CMSG_FIRSTHDR(m);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t gso_size = (uint16_t)packet_bytes(p, at);
        memcpy(CMSG_DATA(c), &gso_size, sizeof gso_size);
      }
      first[count++] = at;
      at = end;
    }
    first[count] = at;
    int sent = sendmmsg(fd, msgs, (unsigned)count, MSG_DONTWAIT);
    if (sent > 0) {
      i = first[sent];
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
    refused += (int32_t)(first[1] - first[0]);
    i = first[1];
  }
  result[0] = refused;
  result[1] = stopped_by;
  result[2] = unsegmentable;
  return i;
}

// The Int32Array(3) send_runs fills, or NULL.
static int32_t *get_result(napi_env env, napi_value value) {
  size_t length;
  int32_t *result = fw_typed_array(env, value, napi_int32_array, &length);
  return length >= 3 ? result : NULL;
}

// sendPackets(fd, headers: Buffer, headerOffsets: Uint32Array, data: Buffer, payloadOffsets: Uint32Array,
//             from: number, segment: boolean, result: Int32Array(3)): number
// Sends packets from..n-1 (see send_runs for segment, result and the return value).
napi_value js_send_packets(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t from;
  bool segment;
  size_t headers_len, data_len, header_count, payload_count;
  int32_t *result;
  packets_t p;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&p.headers, &headers_len));
  CHECK(napi_get_buffer_info(env, argv[3], (void **)&p.data, &data_len));
  CHECK(napi_get_value_uint32(env, argv[5], &from));
  CHECK(napi_get_value_bool(env, argv[6], &segment));
  p.h = fw_typed_array(env, argv[2], napi_uint32_array, &header_count);
  p.d = fw_typed_array(env, argv[4], napi_uint32_array, &payload_count);
  result = get_result(env, argv[7]);
  if (!p.h || !p.d || header_count != payload_count || header_count == 0 || !result) {
    napi_throw_type_error(env, NULL, "sendPackets: offsets must be two Uint32Arrays of equal length n + 1, result an Int32Array(3)");
    return NULL;
  }
  p.n = header_count - 1;
  if (!offsets_fit(p.h, p.n, headers_len) || !offsets_fit(p.d, p.n, data_len) || from > p.n) {
    napi_throw_range_error(env, NULL, "sendPackets: an offset lies outside its buffer");
    return NULL;
  }
  return fw_make_int(env, (int64_t)send_runs(fd, &p, from, segment, result));
}

// sendDatagrams(fd, data: Buffer, offsets: Uint32Array, from: number, segment: boolean, result: Int32Array(3)): number
// Sends datagrams from..n-1 of data (datagram i is data[offsets[i], offsets[i + 1])), as sendPackets does packets.
napi_value js_send_datagrams(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint32_t from;
  bool segment;
  size_t data_len, offsets_count;
  int32_t *result;
  packets_t p = {.headers = NULL, .h = NULL};
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&p.data, &data_len));
  CHECK(napi_get_value_uint32(env, argv[3], &from));
  CHECK(napi_get_value_bool(env, argv[4], &segment));
  p.d = fw_typed_array(env, argv[2], napi_uint32_array, &offsets_count);
  result = get_result(env, argv[5]);
  if (!p.d || offsets_count == 0 || !result) {
    napi_throw_type_error(env, NULL, "sendDatagrams: need n + 1 Uint32Array offsets and an Int32Array(3) result");
    return NULL;
  }
  p.n = offsets_count - 1;
  if (!offsets_fit(p.d, p.n, data_len) || from > p.n) {
    napi_throw_range_error(env, NULL, "sendDatagrams: an offset lies outside its buffer");
    return NULL;
  }
  return fw_make_int(env, (int64_t)send_runs(fd, &p, from, segment, result));
}

// sendTo(fd: number, data: Buffer, name: Buffer): number
// Sends data as one datagram to the address in name (a struct sockaddr as recvStart reports senders). Returns 0, or
// the errno of a refused or dropped send (the datagram is lost).
napi_value js_send_to(napi_env env, napi_callback_info info) {
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
  return fw_make_int(env, sent < 0 ? errno : 0);
}

// send(fd: number, data: Buffer): number
// Sends data as one datagram on a connected socket, to its peer (RTCP, a retransmission: one datagram now, not a
// batch). Returns 0, or the errno of a refused or dropped send (the datagram is lost): ECONNREFUSED after a
// port-unreachable, EAGAIN with the send buffer full, EDESTADDRREQ on a socket that is not connected.
napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  uint8_t *data;
  size_t data_len;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_buffer_info(env, argv[1], (void **)&data, &data_len));
  ssize_t sent;
  do {
    sent = send(fd, data, data_len, MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  return fw_make_int(env, sent < 0 ? errno : 0);
}
