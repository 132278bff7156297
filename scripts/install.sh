#!/usr/bin/env bash
# Installs what framewire needs on Debian/Ubuntu: system packages, socket buffer limits, npm dependencies, build.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null 2>&1; then
  echo "install: framewire needs Node.js 20 or newer with npm (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "install: Debian 12's nodejs package is 18; install Node 20+ (e.g. from NodeSource or nvm), then rerun." >&2
  exit 1
fi

packages=(
  python3                  # the original program's Python port in the interop tests
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
                           # GStreamer peers for interop tests and the speed comparison
  ffmpeg                   # FFmpeg peer, and the v4l2/lavfi streaming sources
  time iperf3              # /usr/bin/time: GStreamer's CPU and peak RSS in `npm run bench`; iperf3: its packet-rate ceiling
  hyperfine                # start-up times in `npm run bench:startup`
  fswebcam                 # webcam source (through node-webcam); its TEST device gives colour bars without a camera
  libsdl2-dev              # SDL2 headers and library: npm install builds the sdl display sink's addon against them
  g++ make pkg-config      # node-gyp's compiler and build tool for the native addons; pkg-config finds libSDL2
  procps                   # sysctl, to raise the socket buffer limits below
  xvfb                     # a headless X server, so the display tests open real windows on CI
  imagemagick              # `import -window`: the display tests screenshot the window to compare with the frame sent
  xdotool                  # finds windows by title and types keys into them in the display and demo tests
  chromium                 # headless browser: the harness test renders the HTML report and checks its charts drew
  tshark                   # captures loopback: the independent instrument that times the netsim relay's delays
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Large UDP socket buffers let a receiver absorb a whole 1080p frame burst; without them the kernel drops packets.
for key in net.core.rmem_max net.core.wmem_max; do
  [ "$(sysctl -n "$key" 2>/dev/null || echo 0)" -ge 33554432 ] || as_root sysctl -q -w "$key=33554432" || \
    echo "install: could not raise $key; large frames may see kernel drops" >&2
done

npm ci --no-audit --no-fund
