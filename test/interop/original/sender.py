#!/usr/bin/env python3
"""A port of the original sender's loop: each frame, 160x120 RGB by default, goes out as ONE UDP datagram
with no header, paced at --fps. Where the original grabbed camera frames, this reads them from a raw RGB
file (frames back to back, cycled). framewire's `--wire raw` must interoperate with this exactly."""

import argparse
import socket
import sys
import time

MAX_DATAGRAM = 65507  # IPv4 UDP payload limit: a bigger frame cannot be one datagram


def endpoint(text):
    host, sep, port = text.rpartition(':')
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is not HOST:PORT")
    return host or '127.0.0.1', int(port)


def size(text):
    w, sep, h = text.partition('x')
    if not sep or not w.isdigit() or not h.isdigit() or int(w) < 1 or int(h) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not WxH")
    return int(w), int(h)


def load_frames(path, frame_bytes):
    with open(path, 'rb') as f:
        data = f.read()
    if not data or len(data) % frame_bytes:
        sys.exit(f'sender.py: --input {path}: {len(data)} bytes is not a whole number of {frame_bytes}-byte frames')
    return [data[o:o + frame_bytes] for o in range(0, len(data), frame_bytes)]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('to', type=endpoint, help='HOST:PORT')
    p.add_argument('--size', type=size, default=(160, 120))
    p.add_argument('--frames', type=int, default=100)
    p.add_argument('--fps', type=float, default=30.0)
    p.add_argument('--input', required=True, help='raw RGB file of whole frames, sent in order and cycled')
    a = p.parse_args()
    width, height = a.size
    frame_bytes = width * height * 3
    if frame_bytes > MAX_DATAGRAM:
        sys.exit(f'sender.py: --size {width}x{height} is {frame_bytes} bytes, more than one datagram ({MAX_DATAGRAM})')
    frames = load_frames(a.input, frame_bytes)

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
    interval = 1.0 / a.fps
    start = time.monotonic()
    for i in range(a.frames):
        frame = frames[i % len(frames)]
        delay = start + i * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sock.sendto(frame, a.to)
    print(f'sent {a.frames} frames', file=sys.stderr)


if __name__ == '__main__':
    main()
