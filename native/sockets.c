// Socket setup: open a non-blocking UDP socket bound or connected to an address, ask its local port, turn UDP GRO on,
// close it.
//
// Who closes an fd, exactly once:
//
//   bind / connect ──fd──▶ JS ──┬── close(fd)                        closes it
//   (on failure: closed here,   └── recvStart(fd, ...) ──▶ receiver  owns it from the call on, whether it returns a
//    nothing returned)                                                handle or throws; recvStop(handle) closes it
//
// So JS closes an fd only when it never handed it to recvStart. A second close of a number is never harmless: once
// the number has been reused, it closes somebody else's socket (close() throws EBADF when it catches one early).
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addon.h"

// A non-blocking UDP socket for (address, port, ipv6, bufferBytes, otherBufferBytes?) = argv[0..4], bound or
// connected to it. bufferBytes sizes SO_RCVBUF when bound, SO_SNDBUF when connected; otherBufferBytes, when given,
// sizes the other one too (for sockets that both send and receive). The kernel caps them at net.core.[wr]mem_max,
// and a smaller buffer still works (sends see EAGAIN sooner, receives drop sooner). Returns the fd, which is then the
// caller's; when it throws, no fd is left open.
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
    if (inet_pton(AF_INET6, address, &a->sin6_addr) != 1) return fw_throw_errno(env, "bad IPv6 address", EINVAL);
    at_len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)&at;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &a->sin_addr) != 1) return fw_throw_errno(env, "bad IPv4 address", EINVAL);
    at_len = sizeof *a;
  }

  int fd = socket(at.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fw_throw_errno(env, "socket", errno);
  int size = (int)buffer_bytes;
  setsockopt(fd, SOL_SOCKET, bind_it ? SO_RCVBUF : SO_SNDBUF, &size, sizeof size);
  if (other_type != napi_undefined) {
    int other_size = (int)other_buffer_bytes;
    setsockopt(fd, SOL_SOCKET, bind_it ? SO_SNDBUF : SO_RCVBUF, &other_size, sizeof other_size);
  }
  if ((bind_it ? bind(fd, (struct sockaddr *)&at, at_len) : connect(fd, (struct sockaddr *)&at, at_len)) != 0) {
    int err = errno;
    close(fd);
    return fw_throw_errno(env, bind_it ? "bind" : "connect", err);
  }
  napi_value result = fw_make_int(env, fd);
  if (!result) close(fd); // JS will never learn the number, so nobody else could close it
  return result;
}

// connect(address: string, port: number, ipv6: boolean, sendBufferBytes: number, receiveBufferBytes?: number):
//   number (the fd, the caller's to close or to hand to recvStart)
napi_value js_connect(napi_env env, napi_callback_info info) {
  return open_socket(env, info, false);
}

// bind(address: string, port: number, ipv6: boolean, receiveBufferBytes: number, sendBufferBytes?: number):
//   number (the fd, the caller's to close or to hand to recvStart)
napi_value js_bind(napi_env env, napi_callback_info info) {
  return open_socket(env, info, true);
}

// localPort(fd: number): number
napi_value js_local_port(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fw_fd_arg(env, info, &fd)) return NULL;
  struct sockaddr_storage at;
  socklen_t at_len = sizeof at;
  if (getsockname(fd, (struct sockaddr *)&at, &at_len) != 0) return fw_throw_errno(env, "getsockname", errno);
  uint16_t port =
      at.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&at)->sin6_port : ((struct sockaddr_in *)&at)->sin_port;
  return fw_make_int(env, ntohs(port));
}

// close(fd: number): void
// Closes an fd from bind or connect that was never handed to recvStart (recvStop closes those); a negative fd is
// ignored. Throws EBADF when fd is not open: it was closed already, and had its number been reused in between, this
// call would have closed some other socket. Any other error still leaves the fd closed (Linux releases it first).
napi_value js_close(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fw_fd_arg(env, info, &fd)) return NULL;
  if (fd >= 0 && close(fd) != 0 && errno == EBADF) return fw_throw_errno(env, "close", EBADF);
  return NULL;
}

// enableGro(fd: number): boolean
// Turns UDP GRO on for a socket that reads (before recvStart): the kernel may then hand over several datagrams of one
// size in one read, as one buffer with their size in a UDP_GRO control message (recvStart's segments), instead of
// one read each. On loopback it does so for a GSO send, which then crosses the stack as one buffer end to end. False
// when the kernel has no UDP GRO (before Linux 5.0): datagrams then come one a read, as without it.
napi_value js_enable_gro(napi_env env, napi_callback_info info) {
  int32_t fd;
  if (!fw_fd_arg(env, info, &fd)) return NULL;
  int on = 1;
  napi_value out;
  CHECK(napi_get_boolean(env, setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof on) == 0, &out));
  return out;
}
