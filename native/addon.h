// What the addon's files share: the N-API helpers, the batch cap and the JS-visible functions each file defines
// (module.c puts them on the exports). One file per concern: sockets.c (open, bind, connect, localPort, enableGro, close),
// batch_send.c (sendPackets, sendDatagrams with UDP GSO, sendTo, send), batch_receive.c (recvStart/recvStop and the
// readable loop that calls recvmmsg), pacer.c (a thread that sends queued datagrams at their due times), clocks.c
// (how the receive stamps' clock relates to the pacer's).
#ifndef FRAMEWIRE_ADDON_H
#define FRAMEWIRE_ADDON_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

// The kernel's cap on one sendmmsg call (UIO_MAXIOV), and so on a batch either way.
#define BATCH 1024

#define CHECK(call)                                                       \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error(env, NULL, "framewire_native: " #call " failed"); \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

// Thrown with code set to the errno name (EADDRINUSE, ...), as Node's own socket errors are. Returns NULL.
napi_value fw_throw_errno(napi_env env, const char *what, int err);
// A JS number, or NULL with an error thrown when N-API could not make one.
napi_value fw_make_int(napi_env env, int64_t value);
// Reads the one argument of a function that takes just an fd (localPort, close, enableGro) into *fd; false, with a
// TypeError thrown, when it is not a number.
bool fw_fd_arg(napi_env env, napi_callback_info info, int32_t *fd);
// The elements of `value` when it is a typed array of `type` (and their count in *length), else NULL: the one way
// every function here reads the offset tables, lengths, stamps and result arrays JS hands it.
void *fw_typed_array(napi_env env, napi_value value, napi_typedarray_type type, size_t *length);

// sockets.c
napi_value js_connect(napi_env env, napi_callback_info info);
napi_value js_bind(napi_env env, napi_callback_info info);
napi_value js_local_port(napi_env env, napi_callback_info info);
napi_value js_close(napi_env env, napi_callback_info info);
napi_value js_enable_gro(napi_env env, napi_callback_info info);

// batch_send.c
napi_value js_send_packets(napi_env env, napi_callback_info info);
napi_value js_send_to(napi_env env, napi_callback_info info);
napi_value js_send(napi_env env, napi_callback_info info);
napi_value js_send_datagrams(napi_env env, napi_callback_info info);

// batch_receive.c
napi_value js_recv_start(napi_env env, napi_callback_info info);
napi_value js_recv_stop(napi_env env, napi_callback_info info);

// pacer.c
napi_value js_pacer_open(napi_env env, napi_callback_info info);
napi_value js_pacer_enqueue_packets(napi_env env, napi_callback_info info);
napi_value js_pacer_enqueue(napi_env env, napi_callback_info info);
napi_value js_pacer_collect(napi_env env, napi_callback_info info);
napi_value js_pacer_stats(napi_env env, napi_callback_info info);
napi_value js_pacer_close(napi_env env, napi_callback_info info);
napi_value js_pacer_now(napi_env env, napi_callback_info info);

// clocks.c
napi_value js_realtime_offset_ns(napi_env env, napi_callback_info info);

#endif
