#!/usr/bin/env python3
"""A receiver for timing measurements (bench/pacing.ts, test/unit/transport/pacer.test.ts): records each RTP
packet's kernel receive timestamp (SO_TIMESTAMPNS, taken when the datagram reaches the socket, so the receiver's own
scheduling does not blur it) with its sequence number, RTP timestamp and marker bit.

usage: rtp-arrivals.py PORT_FILE OUT_FILE PACKETS IDLE_SEC
Binds 127.0.0.1:0, writes the port to PORT_FILE, then records until PACKETS packets arrived or nothing came for
IDLE_SEC after the first. OUT_FILE gets one little-endian record of 16 bytes per packet: int64 receive time (ns,
CLOCK_REALTIME), uint16 sequence, uint8 marker, uint8 unused, uint32 RTP timestamp. Node has no SO_TIMESTAMPNS;
Python's socket module has, which is why this one instrument is Python.
"""
import os
import socket
import struct
import sys

SO_TIMESTAMPNS = getattr(socket, 'SO_TIMESTAMPNS', 35)
SO_RCVBUFFORCE = getattr(socket, 'SO_RCVBUFFORCE', 33)


def main() -> None:
    port_file, out_file, packets, idle = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        # Root may go past net.core.rmem_max: the whole run fits in the buffer even if Python falls behind.
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 256 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 << 20)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.bind(('127.0.0.1', 0))
    with open(port_file + '.tmp', 'w') as f:
        f.write(str(s.getsockname()[1]))
    os.rename(port_file + '.tmp', port_file)
    out = bytearray()
    cmsg_space = socket.CMSG_SPACE(16)
    got = 0
    s.settimeout(30.0)
    while got < packets:
        try:
            data, ancdata, _flags, _addr = s.recvmsg(65536, cmsg_space)
        except socket.timeout:
            break
        if got == 0:
            s.settimeout(idle)
        ns = 0
        for level, kind, cdata in ancdata:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack('qq', cdata[:16])
                ns = sec * 1_000_000_000 + nsec
        if len(data) < 12:
            continue
        seq, ts = struct.unpack_from('!HI', data, 2)
        out += struct.pack('<qHBBI', ns, seq, (data[1] >> 7) & 1, 0, ts)
        got += 1
    with open(out_file, 'wb') as f:
        f.write(out)


main()
