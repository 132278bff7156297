#!/usr/bin/env python3
"""A port of the original receiver's loop: every datagram is one whole W*H*3-byte RGB frame. Where the
original showed each frame in a window, this appends it to a raw file; like the original it prints the
frame rate ("fps N") once a second. Datagrams of any other length are counted and ignored."""

import argparse
import socket
import sys
import time


def endpoint(text):
    host, sep, port = text.rpartition(':')
    if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is not HOST:PORT")
    return host or '127.0.0.1', int(port)


def size(text):
    w, sep, h = text.partition('x')
    if not sep or not w.isdigit() or not h.isdigit() or int(w) < 1 or int(h) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not WxH")
    return int(w), int(h)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--listen', type=endpoint, default=('127.0.0.1', 5004))
    p.add_argument('--size', type=size, default=(160, 120))
    p.add_argument('--frames', type=int, default=100, help='stop after N frames')
    p.add_argument('--timeout', type=float, default=5.0, help='stop after SEC seconds without a frame')
    p.add_argument('--out', required=True, help='raw RGB file the frames are appended to')
    a = p.parse_args()
    width, height = a.size
    frame_bytes = width * height * 3

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # Frames arrive in bursts faster than one read a frame; a deep buffer keeps them from being dropped.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
    sock.bind(a.listen)
    sock.settimeout(a.timeout)
    host, port = sock.getsockname()
    print(f'receiver.py: listening {host}:{port}', file=sys.stderr, flush=True)

    received = 0
    wrong_size = 0
    second_start = time.monotonic()
    in_second = 0
    buf = bytearray(65536)
    with open(a.out, 'wb') as out:
        while received < a.frames:
            try:
                n = sock.recv_into(buf)
            except socket.timeout:
                break
            if n != frame_bytes:
                wrong_size += 1
                continue
            out.write(memoryview(buf)[:n])
            received += 1
            in_second += 1
            now = time.monotonic()
            if now - second_start >= 1.0:
                print(f'fps {in_second / (now - second_start):.0f}', flush=True)
                second_start, in_second = now, 0
    elapsed = time.monotonic() - second_start
    if in_second:
        print(f'fps {in_second / max(elapsed, 1e-6):.0f}', flush=True)
    print(f'receiver.py: {received} frames, {wrong_size} datagrams of the wrong size', file=sys.stderr, flush=True)
    return 0 if received == a.frames else 1


if __name__ == '__main__':
    sys.exit(main())
