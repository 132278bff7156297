// Batch send: a whole frame leaves in a few sendmmsg calls instead of one syscall (and one libuv request) per
// datagram, which is where node:dgram spends most of a sender's time. Single datagrams (feedback, replies) leave
// with sendTo or send.
//
// A packet is two iovecs, [header, payload], both slices of buffers JS owns; sendmmsg copies them into the kernel
// before returning, so nothing here outlives a call. The socket is our own, non-blocking and connected: nobody
// reads it, so an ICMP port-unreachable is reported to the next send (ECONNREFUSED) and counted there.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "addon.h"

// Only the main JS thread calls in, so one static batch serves every call without allocating.
static struct mmsghdr msgs[BATCH];
static struct iovec iovs[BATCH * 2];

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
napi_value js_send_packets(napi_env env, napi_callback_info info) {
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
  return fw_make_int(env, (int64_t)i);
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
napi_value js_send_datagrams(napi_env env, napi_callback_info info) {
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
  return fw_make_int(env, (int64_t)i);
}
