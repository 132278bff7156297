// framewire's native UDP paths. Sending: a whole frame leaves in a few sendmmsg calls instead of one syscall (and
// one libuv request) per datagram, which is where node:dgram spends most of a sender's time. Receiving: recvmmsg
// fills a batch of slots and JS is called once per batch, not once per datagram.
//
// This file is the module: the helpers every file uses and the table of JS-visible functions. The functions live by
// concern in sockets.c, batch_send.c, batch_receive.c, pacer.c and clocks.c (see addon.h).
#include <stdio.h>
#include <string.h>

#include "addon.h"

// Thrown with code set to the errno name (EADDRINUSE, ...), as Node's own socket errors are.
napi_value fw_throw_errno(napi_env env, const char *what, int err) {
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

napi_value fw_make_int(napi_env env, int64_t value) {
  napi_value out;
  if (napi_create_int64(env, value, &out) != napi_ok) {
    napi_throw_error(env, NULL, "framewire_native: napi_create_int64 failed");
    return NULL;
  }
  return out;
}

bool fw_fd_arg(napi_env env, napi_callback_info info, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      napi_get_value_int32(env, argv[0], fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "framewire_native: the fd argument is not a number");
    return false;
  }
  return true;
}

void *fw_typed_array(napi_env env, napi_value value, napi_typedarray_type type, size_t *length) {
  napi_typedarray_type actual;
  void *data;
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &actual, length, &data, NULL, NULL) != napi_ok || actual != type) {
    *length = 0;
    return NULL;
  }
  return data;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"sendPackets", NULL, js_send_packets, NULL, NULL, NULL, napi_default, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_default, NULL},
      {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_default, NULL},
      {"enableGro", NULL, js_enable_gro, NULL, NULL, NULL, napi_default, NULL},
      {"recvStart", NULL, js_recv_start, NULL, NULL, NULL, napi_default, NULL},
      {"recvStop", NULL, js_recv_stop, NULL, NULL, NULL, napi_default, NULL},
      {"sendTo", NULL, js_send_to, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"sendDatagrams", NULL, js_send_datagrams, NULL, NULL, NULL, napi_default, NULL},
      {"pacerOpen", NULL, js_pacer_open, NULL, NULL, NULL, napi_default, NULL},
      {"pacerEnqueuePackets", NULL, js_pacer_enqueue_packets, NULL, NULL, NULL, napi_default, NULL},
      {"pacerEnqueue", NULL, js_pacer_enqueue, NULL, NULL, NULL, napi_default, NULL},
      {"pacerCollect", NULL, js_pacer_collect, NULL, NULL, NULL, napi_default, NULL},
      {"pacerStats", NULL, js_pacer_stats, NULL, NULL, NULL, napi_default, NULL},
      {"pacerClose", NULL, js_pacer_close, NULL, NULL, NULL, napi_default, NULL},
      {"pacerNow", NULL, js_pacer_now, NULL, NULL, NULL, napi_default, NULL},
      {"realtimeOffsetNs", NULL, js_realtime_offset_ns, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
