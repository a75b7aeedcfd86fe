#!/usr/bin/env python3
"""The Linux side of `scripts/bench --against linux`.

Fetches Debian's arm64 kernel (linux-image-arm64 -> linux-image-6.1.0-*-arm64) and
busybox-static as .debs with a private apt state (nothing is installed into the
system, the system's dpkg architectures are never touched) into .bench-linux/,
builds a busybox initramfs that loads the virtio modules, puts fbcon on
virtio-gpu (DRM fbdev emulation) with a shell on tty1 and one on the serial port,
and runs Lumen's workloads on it on the same QEMU command line shape.

`run_linux(...)` returns {workload: summary | number | "n/a: reason"} with the
keys of scripts/bench.py's WORKLOADS. Run directly for the Linux figures alone:
    python3 scripts/bench_linux.py [--runs N] [--smoke] [--json FILE]

Every QEMU run is bounded in time (a watchdog kills it) and always stopped; the
only network is QEMU's user network and an HTTP server on 127.0.0.1.
"""
import argparse
import glob
import gzip
import http.server
import json
import os
import re
import select
import shutil
import statistics
import struct
import subprocess
import sys
import threading
import time

from qmp import QMPClient
from textfile import small_files_script, text_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".bench-linux")
QEMU = "qemu-system-aarch64"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PACKAGES = ["linux-image-arm64", "busybox-static"]
# What the workloads need, in load order after dependencies (from .modinfo).
MODULES = ["virtio_mmio", "virtio_blk", "virtio_net", "virtio_input", "virtio_rng", "virtio_gpu",
           "vfat", "nls_cp437", "nls_ascii", "nls_utf8", "nls_iso8859_1"]
APPLETS = ["sh", "ash", "mount", "umount", "insmod", "mkdir", "cat", "echo", "date", "dd", "sed",
           "grep", "sleep", "setsid", "cttyhack", "ip", "udhcpc", "wget", "ping", "free", "ls",
           "uname", "test", "[", "true", "head", "tail", "sync", "dmesg", "ifconfig", "route", "wc",
           "stty", "clear", "printf", "time", "rm"]
READY = b"LINUX-BENCH-READY"
PROMPT = b"@linux# "
MEMORY_MIB = 256             # the guest's RAM (QEMU -m), as Lumen's boot rows use
RESOLUTION = (1024, 768)     # the same virtio-gpu mode as Lumen's benchmarks
APPEND = "console=ttyAMA0 quiet consoleblank=0 panic=-1"
BOOT_TIMEOUT = 90.0          # TCG: Linux boots in seconds; this bounds a hang
GUEST_LIFETIME = 600.0       # watchdog: no QEMU lives longer than this


def log(message):
    print(f"linux: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- fetching

def apt_options(state):
    return ["-oAPT::Sandbox::User=root", "-oAPT::Architecture=arm64", "-oAPT::Architectures=arm64",
            f"-oDir::State::Lists={state}/lists", f"-oDir::Cache={state}/cache",
            "-oDir::State::Status=/dev/null", "-oDebug::NoLocking=1", "-qq"]


def fetch(cache=CACHE):
    """Downloads and unpacks the kernel and busybox-static .debs (cached). Returns
    the unpacked root."""
    cache = os.path.abspath(cache)   # apt resolves relative Dir:: paths under /var
    root, stamp = os.path.join(cache, "root"), os.path.join(cache, ".complete")
    want = " ".join(PACKAGES + MODULES)
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.readline().strip() == want and os.path.isdir(root):
                return root
    state, debs = os.path.join(cache, ".apt"), os.path.join(cache, "debs")
    for d in (f"{state}/lists/partial", f"{state}/cache/archives/partial", debs):
        os.makedirs(d, exist_ok=True)
    opts = apt_options(state)
    log(f"downloading arm64 package lists (private apt state in {state})")
    subprocess.run(["apt-get", *opts, "update"], check=True, stdout=sys.stderr)
    depends = subprocess.run(["apt-cache", *opts, "depends", "linux-image-arm64"], check=True,
                             capture_output=True, text=True).stdout
    match = re.search(r"Depends: (linux-image-\d[\w.+-]*-arm64)\s*$", depends, re.M)
    if not match:
        raise RuntimeError(f"linux-image-arm64 depends on no linux-image-*-arm64: {depends!r}")
    packages = [match.group(1), "busybox-static"]
    for old in glob.glob(os.path.join(debs, "*.deb")):
        os.unlink(old)
    log(f"downloading {' '.join(packages)}")
    subprocess.run(["apt-get", *opts, "download", *packages], check=True, cwd=debs, stdout=sys.stderr)
    shutil.rmtree(root, ignore_errors=True)
    for deb in sorted(glob.glob(os.path.join(debs, "*.deb"))):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    names = " ".join(os.path.basename(d) for d in sorted(glob.glob(os.path.join(debs, "*.deb"))))
    # Keep only what the initramfs takes (the kernel's other ~3000 modules are ~300 MB;
    # the stamp names MODULES, so a changed list fetches again).
    _, needed, _ = module_plan(root)
    keep = {path for _, path in needed}
    for dirpath, _, files in os.walk(os.path.join(root, "lib", "modules")):
        for n in files:
            if n.endswith(".ko") and os.path.join(dirpath, n) not in keep:
                os.unlink(os.path.join(dirpath, n))
    for deb in glob.glob(os.path.join(debs, "*.deb")):
        os.unlink(deb)
    with open(stamp, "w") as f:
        f.write(want + "\n" + names + "\n")
    return root


def kernel_image(root, cache=CACHE):
    """The raw arm64 Image QEMU's -kernel boots. Debian 6.1's vmlinuz is already a
    raw Image (EFI stub, 'ARM\\x64' magic, not EFI zboot); a gzip'd or zboot one
    is unpacked into the cache."""
    vmlinuz = sorted(glob.glob(os.path.join(root, "boot", "vmlinuz-*")))[-1]
    with open(vmlinuz, "rb") as f:
        data = f.read()
    payload = None
    if data[:2] == b"\x1f\x8b":
        payload = gzip.decompress(data)
    elif data[4:8] == b"zimg":
        offset, size = struct.unpack_from("<II", data, 8)
        kind = data[24:32].rstrip(b"\0")
        if kind != b"gzip":
            raise RuntimeError(f"EFI zboot image compressed with {kind!r}: unsupported")
        payload = gzip.decompress(data[offset:offset + size])
    if payload is None:
        if data[0x38:0x3c] != b"ARM\x64":
            raise RuntimeError(f"{vmlinuz}: not an arm64 Image")
        return vmlinuz
    path = os.path.join(os.path.abspath(cache), "Image")
    with open(path, "wb") as f:
        f.write(payload)
    return path


def modinfo(path):
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = sections[shstrndx][4]
    for s in sections:
        name = data[names + s[0]:data.index(b"\0", names + s[0])]
        if name == b".modinfo":
            fields = data[s[4]:s[4] + s[5]].split(b"\0")
            return dict(x.decode().split("=", 1) for x in fields if b"=" in x)
    return {}


def module_plan(root):
    """(kernel release, [(name, path)] in load order, [built-in names]). A module
    Debian built in (=y) needs no loading; a missing one is an error."""
    moddir = sorted(glob.glob(os.path.join(root, "lib", "modules", "*")))[-1]
    release = os.path.basename(moddir)
    files = {}
    for dirpath, _, names in os.walk(moddir):
        for n in names:
            if n.endswith(".ko"):
                files[n[:-3].replace("-", "_")] = os.path.join(dirpath, n)
    builtin = set()
    with open(os.path.join(moddir, "modules.builtin")) as f:
        for line in f:
            builtin.add(os.path.basename(line.strip())[:-3].replace("-", "_"))
    order, inside = [], []

    def visit(name):
        if name in builtin:
            inside.append(name)
            return
        if name in (n for n, _ in order):
            return
        if name not in files:
            raise RuntimeError(f"{release}: no module {name} (neither =m nor =y)")
        for dep in filter(None, modinfo(files[name]).get("depends", "").split(",")):
            visit(dep.replace("-", "_"))
        order.append((name, files[name]))

    for m in MODULES:
        visit(m)
    return release, order, inside


# ---------------------------------------------------------------- initramfs

INIT = r"""#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /mnt
for m in $(cat /lib/modules/order); do insmod /lib/modules/$m.ko || echo "insmod $m failed"; done
n=0; while [ ! -e /dev/tty1 -o ! -e /sys/class/graphics/fbcon ] && [ $n -lt 100 ]; do sleep 0.05; n=$((n+1)); done
echo 0 > /sys/class/graphics/fbcon/cursor_blink 2>/dev/null
# A shell on the graphical console (keys echo there) and one on the serial port.
(while true; do setsid sh -c 'exec sh -i </dev/tty1 >/dev/tty1 2>&1'; done) &
echo LINUX-BENCH-READY
export PS1='@linux# '
while true; do setsid cttyhack sh -i; done
"""

BENCH = r"""#!/bin/sh
# Guest side of the workloads: each prints "RESULT name bytes nanoseconds".
# busybox date has no %N here: the monotonic clock from /proc/timer_list ("now at N
# nsecs"), read with shell builtins only (no fork, so it costs well under a ms): T=ns.
ns() { while read -r w1 w2 w3 w4; do if [ "$w1" = now ]; then T=$w3; return; fi; done < /proc/timer_list; }
# This busybox dd prints only "N+M records out": bytes = full records x block size
# (iflag=fullblock, and BIG.BIN is whole MiBs, so there are no partial records).
dd_bytes() { echo $(( $(sed -n 's/^\([0-9]*\)+[0-9]* records out$/\1/p' /tmp/dd) * $1 )); }
case "$1" in
cat)  ns; a=$T; cat /data/text.txt > /dev/tty1; ns; b=$T
      echo "RESULT cat $(wc -c < /data/text.txt) $((b-a))" ;;
rng)  ns; a=$T; dd if=/dev/hwrng of=/dev/null bs=$2 count=1 iflag=fullblock 2>/tmp/dd; ns; b=$T
      echo "RESULT rng $(dd_bytes $2) $((b-a))" ;;
raw)  sync; echo 3 > /proc/sys/vm/drop_caches
      ns; a=$T; dd if=/dev/vda of=/dev/null bs=1M count=$2 2>/tmp/dd; ns; b=$T
      echo "RESULT raw $(dd_bytes 1048576) $((b-a))" ;;
# O_DIRECT, 8 MiB a read: no page cache and no copy, Lumen's raw read's kind of I/O.
rawdirect) ns; a=$T; dd if=/dev/vda of=/dev/null bs=8M count=$((($2 + 7) / 8)) iflag=direct 2>/tmp/dd; ns; b=$T
      echo "RESULT rawdirect $(dd_bytes 8388608) $((b-a))" ;;
file) grep -q ' /mnt ' /proc/mounts || mount -t vfat -o ro /dev/vda /mnt
      sync; echo 3 > /proc/sys/vm/drop_caches
      ns; a=$T; dd if=/mnt/BIG.BIN of=/dev/null bs=1M 2>/tmp/dd; ns; b=$T
      echo "RESULT file $(dd_bytes 1048576) $((b-a))" ;;
fwrite) umount /mnt 2>/dev/null; mount -t vfat /dev/vda /mnt
      ns; a=$T; dd if=/dev/zero of=/mnt/WRITE.BIN bs=1M count=$2 conv=fsync 2>/tmp/dd; ns; b=$T
      echo "RESULT fwrite $(dd_bytes 1048576) $((b-a))"; rm -f /mnt/WRITE.BIN; sync ;;
small) umount /mnt 2>/dev/null; mount -t vfat /dev/vda /mnt; rm -rf /mnt/SMALL; mkdir /mnt/SMALL; sync
      # The script Lumen runs too (textfile.small_files_script): echo lines, then sync.
      ns; a=$T; . /data/small.sh; ns; b=$T
      echo "RESULT small $(ls /mnt/SMALL | wc -l) $((b-a))"; rm -rf /mnt/SMALL; sync ;;
netup) ip link set lo up; ip link set eth0 up
      udhcpc -i eth0 -s /bin/udhcpc-script -q -n -t 10 -T 1 >/tmp/udhcpc 2>&1 || cat /tmp/udhcpc
      ip -4 addr show eth0 | grep inet ;;
wget) ns; a=$T; wget -q -O /dev/null "http://10.0.2.2:$2/$3"; rc=$?; ns; b=$T
      [ $rc = 0 ] && echo "RESULT wget $3 $((b-a))" || echo "wget failed: $rc" ;;
ping) ping -c "$2" -i 0.2 -W 2 10.0.2.2 ;;
zero) ns; a=$T; ns; b=$T; echo "RESULT zero 0 $((b-a))" ;;
*)    echo "bench: unknown workload $1" ;;
esac
"""

UDHCPC = r"""#!/bin/sh
case "$1" in
bound|renew)
  ip addr flush dev "$interface"
  ip addr add "$ip/${mask:-24}" dev "$interface"
  for r in $router; do ip route add default via "$r" dev "$interface"; break; done ;;
deconfig) ip addr flush dev "$interface" ;;
esac
"""


class Cpio:
    """cpio "newc" archive, written without root (device nodes included)."""

    def __init__(self):
        self.data, self.ino = bytearray(), 1

    def add(self, name, mode, body=b"", rdev=(0, 0)):
        name = name.lstrip("/").encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 2 if mode & 0o040000 else 1, 0, len(body), 0, 0,
                  rdev[0], rdev[1], len(name), 0)
        self.ino += 1
        self.data += b"070701" + b"".join(b"%08X" % v for v in fields) + name
        self.data += b"\0" * (-len(self.data) % 4) + body
        self.data += b"\0" * (-len(self.data) % 4)

    def dir(self, name):
        self.add(name, 0o040755)

    def file(self, name, body, mode=0o644):
        self.add(name, 0o100000 | mode, body)

    def symlink(self, name, target):
        self.add(name, 0o120777, target.encode())

    def finish(self):
        self.add("TRAILER!!!", 0)
        return bytes(self.data)


def build_initramfs(root, path, text_bytes):
    release, modules, _ = module_plan(root)
    cpio = Cpio()
    for d in ("bin", "dev", "proc", "sys", "tmp", "mnt", "data", "lib", "lib/modules"):
        cpio.dir(d)
    cpio.add("dev/console", 0o020600, rdev=(5, 1))
    with open(os.path.join(root, "bin", "busybox"), "rb") as f:
        cpio.file("bin/busybox", f.read(), 0o755)
    for applet in APPLETS:
        cpio.symlink(f"bin/{applet}", "busybox")
    cpio.file("init", INIT.encode(), 0o755)
    cpio.file("bin/bench", BENCH.encode(), 0o755)
    cpio.file("bin/udhcpc-script", UDHCPC.encode(), 0o755)
    cpio.file("data/text.txt", text_file(text_bytes))
    cpio.file("data/small.sh", small_files_script("/mnt/SMALL"))
    for name, ko in modules:
        with open(ko, "rb") as f:
            cpio.file(f"lib/modules/{name}.ko", f.read())
    cpio.file("lib/modules/order", "".join(n + "\n" for n, _ in modules).encode())
    with open(path, "wb") as f:
        f.write(gzip.compress(cpio.finish(), 6))
    return path


def make_disk(path, file_mib):
    """A FAT32 disk image (whole device, like Lumen's) holding BIG.BIN of file_mib MiB,
    with room for the write workload's file of the same size."""
    size = max(48, 2 * file_mib + 16)
    if os.path.exists(path):
        return path
    tmp = path + ".tmp"
    # Random bytes under the file system, as bench.py's disk for Lumen: the raw
    # read reads data, not the holes of a sparse file.
    with open(tmp, "wb") as f:
        for _ in range(size):
            f.write(os.urandom(1 << 20))
    subprocess.run(["mkfs.fat", "-F", "32", "-n", "LINUX", tmp], check=True, stdout=subprocess.DEVNULL)
    big = path + ".big"
    with open(big, "wb") as f:
        block = bytes(range(256)) * 4096
        for _ in range(file_mib):
            f.write(block)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mcopy", "-i", tmp, big, "::BIG.BIN"], check=True, env=env)
    os.unlink(big)
    os.rename(tmp, path)
    return path


# ---------------------------------------------------------------- the guest

class Guest:
    """Linux in QEMU with every device Lumen drives; serial on pipes, QMP on a socket,
    and a watchdog that kills QEMU after GUEST_LIFETIME whatever happens."""

    def __init__(self, image, initrd, disk, legacy=False):
        self.qmp_path = f"/tmp/lumen-bench-linux-{os.getpid()}-{time.monotonic_ns()}.sock"
        self.dump_path = self.qmp_path[:-5] + ".ppm"
        command = [QEMU, "-M", "virt", "-cpu", "cortex-a72", "-m", str(MEMORY_MIB), "-nodefaults",
                   "-display", "none", "-serial", "stdio",
                   "-device", f"virtio-gpu-device,xres={RESOLUTION[0]},yres={RESOLUTION[1]}",
                   "-device", "virtio-keyboard-device", "-device", "virtio-tablet-device",
                   "-drive", f"if=none,id=d0,format=raw,file={disk}", "-device", "virtio-blk-device,drive=d0",
                   "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0",
                   "-device", "virtio-rng-device",
                   "-kernel", image, "-initrd", initrd, "-append", APPEND,
                   "-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        if not legacy:
            # Linux's virtio-gpu and virtio-input drivers refuse legacy (v1)
            # virtio-mmio devices (they require VIRTIO_F_VERSION_1), QEMU's default.
            command += ["-global", "virtio-mmio.force-legacy=false"]
        self.start = time.monotonic()
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.watchdog = threading.Timer(GUEST_LIFETIME, self._kill)
        self.watchdog.daemon = True
        self.watchdog.start()
        self.output = b""
        self.qmp_client = None
        self.broken = None

    def _kill(self):
        if self.proc.poll() is None:
            self.proc.kill()

    def stop(self):
        self.watchdog.cancel()
        self._kill()
        self.proc.wait(timeout=10)
        if self.qmp_client is not None:
            self.qmp_client.close()
        for p in (self.qmp_path, self.dump_path):
            if os.path.exists(p):
                os.unlink(p)

    # serial
    def pump(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, timeout))
        if ready:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError(f"QEMU exited; serial: {self.output[-600:]!r}")
            self.output += chunk

    def wait_for(self, needle, timeout, after=0):
        deadline = time.monotonic() + timeout
        while needle not in self.output[after:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {needle!r} within {timeout}s; serial: {self.output[-600:]!r}")
            self.pump(remaining)
        return time.monotonic()

    def command(self, text, timeout=60.0):
        mark = len(self.output)
        self.proc.stdin.write(text.encode() + b"\n")
        self.proc.stdin.flush()
        self.wait_for(PROMPT, timeout, after=mark)
        out = self.output[mark:].decode(errors="replace")
        return out[:out.rfind(PROMPT.decode())]

    clock_overhead = 0.0

    def result(self, text, timeout=60.0):
        """(bytes, seconds) of a guest-timed workload, less the cost of reading the
        guest clock (calibrate_clock)."""
        out = self.command(text, timeout)
        match = re.search(r"RESULT \w+ (\d+) (\d+)", out)
        if not match:
            raise RuntimeError(f"{text!r}: unexpected output {out!r}")
        return int(match.group(1)), int(match.group(2)) / 1e9 - self.clock_overhead

    def calibrate_clock(self, samples=5):
        """An empty interval between two reads of the guest clock (a few ms under
        TCG): subtracted from every guest-timed workload."""
        self.clock_overhead = min(self.result("bench zero")[1] for _ in range(samples))
        return self.clock_overhead

    # QMP
    def qmp(self, command, arguments=None, timeout=10.0):
        if self.qmp_client is None:
            self.qmp_client = QMPClient(self.qmp_path, timeout)
        return self.qmp_client.execute(command, arguments)

    def screendump(self):
        self.qmp("screendump", {"filename": self.dump_path})
        with open(self.dump_path, "rb") as f:
            return f.read()

    def drawn(self):
        """The same test as Lumen's: QEMU's "Display output is not active"
        placeholder is 640x480 in two colours; a console differs."""
        data = self.screendump()
        header = data.split(b"\n", 3)
        width, height = map(int, header[1].split())
        if (width, height) != (640, 480):
            return True
        pixels = header[3]
        return len({pixels[i:i + 3] for i in range(0, len(pixels), 3 * 97)}) > 2

    def key(self, qcode):
        events = [{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": qcode}}}
                  for down in (True, False)]
        self.qmp("input-send-event", {"events": events})

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def boot(self, timeout=BOOT_TIMEOUT, frame=True):
        """Waits for the serial prompt while polling screendumps (every 5 ms, as
        Lumen's harness does) for the first drawn frame. Returns (prompt ms, first
        frame ms) from QEMU's start."""
        deadline = self.start + timeout
        prompt = None
        frame = None if frame else 0.0
        while prompt is None or frame is None:
            now = time.monotonic()
            if now > deadline:
                raise TimeoutError(f"boot: prompt={prompt} frame={frame} after {timeout}s; "
                                   f"serial: {self.output[-600:]!r}")
            if frame is None and os.path.exists(self.qmp_path):
                try:
                    if self.drawn():
                        frame = (time.monotonic() - self.start) * 1000
                except (OSError, ValueError, IndexError):
                    pass
            self.pump(0.005 if frame is None else deadline - now)
            ready = self.output.find(READY)
            if prompt is None and ready >= 0 and PROMPT in self.output[ready:]:
                prompt = (time.monotonic() - self.start) * 1000
        return prompt, frame


# ---------------------------------------------------------------- host side

class PayloadServer:
    """HTTP on 127.0.0.1 (QEMU's user network shows it to the guest as 10.0.2.2):
    GET /N answers N bytes."""

    def __init__(self):
        chunk = bytes(range(256)) * 256

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                try:
                    size = int(self.path.strip("/"))
                except ValueError:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(size))
                self.end_headers()
                left = size
                while left > 0:
                    n = min(left, len(chunk))
                    self.wfile.write(chunk[:n])
                    left -= n

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.timeout = 30
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def summary(values):
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1],
            "runs": len(values), "values": values}


def key_latencies(guest, count, timeout=5.0):
    """QMP key press -> the request of the first screendump that differs from the
    one before the key (fbcon's cursor blink is off, so only the echoed glyph
    changes the screen). QEMU copies the screen when it handles the request; the
    rest of the dump is the camera's time and is not counted (as in bench.py)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    times = []
    time.sleep(0.3)
    base = guest.screendump()
    t0 = time.monotonic()
    for _ in range(5):
        guest.screendump()
    guest.screendump_ms = (time.monotonic() - t0) * 1000 / 5   # the method's own floor
    for i in range(count):
        t0 = time.monotonic()
        guest.key(letters[i % 26])
        while True:
            requested = time.monotonic()
            dump = guest.screendump()
            if dump != base:
                times.append((requested - t0) * 1000)
                break
            if time.monotonic() - t0 > timeout:
                raise TimeoutError(f"key {i}: screen unchanged after {timeout}s")
        time.sleep(0.1)            # let the echo settle, then the next baseline
        base = guest.screendump()
    guest.key("ctrl")              # leave the line alone; nothing to clean up
    return times


def ram_used(guest):
    """What new work cannot have: the guest's physical RAM (QEMU's -m) less
    MemAvailable. (`free`'s "used" leaves out the kernel image, boot
    reservations and the initramfs.) Lumen's `mem` says the same as "not free"."""
    out = guest.command("cat /proc/meminfo")
    match = re.search(r"MemAvailable:\s+(\d+) kB", out)
    if not match:
        raise RuntimeError(f"/proc/meminfo: no MemAvailable in {out!r}")
    return (MEMORY_MIB << 20) - int(match.group(1)) * 1024


def ping(guest, count):
    out = guest.command(f"bench ping {count}", timeout=count * 3 + 10)
    rtts = [float(x) for x in re.findall(r"time=([0-9.]+) ms", out)]
    if not rtts:
        reason = out.strip().splitlines()[-1] if out.strip() else "no output"
        return None, reason
    return statistics.median(rtts), out


def run_linux(runs=3, idle_seconds=10.0, keys=20, text_bytes=1 << 20, rng_bytes=1 << 20,
              raw_mib=64, file_mib=64, net_bytes=16 << 20, pings=10, legacy_rng=True, cache=CACHE):
    """Runs the workloads on Debian's Linux; returns {workload: value} with the keys of
    scripts/bench.py's WORKLOADS (summary dicts, numbers or "n/a: reason") plus "_meta".

    One boot per run (modern virtio-mmio, every device) measures boot to prompt and
    to first frame, RAM, idle CPU, then keys, cat, rng, block, net and ping; a second
    short boot per run (legacy virtio-mmio, Lumen's other transport) measures rng."""
    cache = os.path.abspath(cache)
    root = fetch(cache)
    image = kernel_image(root, cache)
    release, modules, builtin = module_plan(root)
    initrd = build_initramfs(root, os.path.join(cache, f"initrd-{text_bytes}.cpio.gz"), text_bytes)
    disk = make_disk(os.path.join(cache, f"disk-{file_mib}m-random.img"), file_mib)
    raw_mib = min(raw_mib, os.path.getsize(disk) >> 20)

    values = {k: [] for k in ("prompt", "frame", "cat", "keys", "raw", "rawdirect", "file", "fwrite", "small", "tcp", "ping",
                              "rng_modern", "rng_legacy", "idle", "ram", "dump")}
    failures = {}

    def measure(guest, key, work):
        """One workload; a failure is recorded (reported as "n/a: reason" if no run
        succeeded), and a hung or dead guest ends this boot's remaining workloads."""
        if guest.broken:
            failures.setdefault(key, guest.broken)
            return
        try:
            work()
        except Exception as e:   # noqa: BLE001 — any failure becomes a reported reason
            reason = f"{type(e).__name__}: {str(e)[:200]}"
            failures.setdefault(key, reason)
            log(f"{key}: {reason}")
            if isinstance(e, (TimeoutError, OSError)) or guest.proc.poll() is not None:
                guest.broken = f"an earlier workload failed ({reason})"

    def guest_rate(guest, key, command, scale):
        def work():
            n, s = guest.result(command, timeout=300)
            values[key].append(n / s / scale)
        return work

    def boot(guest):
        prompt, frame = guest.boot()
        values["prompt"].append(prompt)
        values["frame"].append(frame)

    def idle(guest):
        time.sleep(1.0)
        values["ram"].append(ram_used(guest))
        log(f"idle {idle_seconds:g} s …")
        before, t0 = guest.cpu_seconds(), time.monotonic()
        time.sleep(idle_seconds)
        after, t1 = guest.cpu_seconds(), time.monotonic()
        values["idle"].append(100.0 * (after - before) / (t1 - t0))

    def network(guest, port):
        def work():
            out = guest.command("bench netup", timeout=60)
            if "inet " not in out:
                raise RuntimeError(f"udhcpc: no address: {out.strip()!r}")
            # Typed at the shell and host-timed to the next prompt, as Lumen's is.
            start = time.monotonic()
            out = guest.command(f"wget -q -O /dev/null http://10.0.2.2:{port}/{net_bytes} && echo WGET-OK", timeout=300)
            elapsed = time.monotonic() - start
            if "WGET-OK" not in out:
                raise RuntimeError(f"wget failed: {out.strip()[-200:]!r}")
            values["tcp"].append(net_bytes / elapsed / 1e6)
        return work

    def ping_work(guest):
        rtt, detail = ping(guest, pings)
        if rtt is None:
            raise RuntimeError(f"no reply from 10.0.2.2 ({detail})")
        values["ping"].append(rtt)

    server = PayloadServer()
    try:
        for run in range(runs):
            log(f"run {run + 1}/{runs}: boot (modern virtio-mmio, every device) …")
            guest = Guest(image, initrd, disk)
            try:
                measure(guest, "boot", lambda: boot(guest))
                measure(guest, "idle", lambda: idle(guest))
                log(f"run {run + 1}/{runs}: keys, cat, rng, block, net …")
                measure(guest, "clock", guest.calibrate_clock)
                measure(guest, "keys", lambda: values["keys"].extend(key_latencies(guest, keys)))
                if getattr(guest, "screendump_ms", None):
                    values["dump"].append(guest.screendump_ms)
                measure(guest, "cat", guest_rate(guest, "cat", "bench cat", 1e6))
                measure(guest, "rng_modern", guest_rate(guest, "rng_modern", f"bench rng {rng_bytes}", 1))
                measure(guest, "raw", guest_rate(guest, "raw", f"bench raw {raw_mib}", 1e6))
                measure(guest, "rawdirect", guest_rate(guest, "rawdirect", f"bench rawdirect {raw_mib}", 1e6))
                measure(guest, "file", guest_rate(guest, "file", "bench file", 1e6))
                measure(guest, "fwrite", guest_rate(guest, "fwrite", f"bench fwrite {file_mib}", 1e6))
                measure(guest, "small", guest_rate(guest, "small", "bench small", 1))
                measure(guest, "tcp", network(guest, server.port))
                measure(guest, "ping", lambda: ping_work(guest))
            finally:
                guest.stop()
            if legacy_rng:
                log(f"run {run + 1}/{runs}: rng on legacy virtio-mmio …")
                guest = Guest(image, initrd, disk, legacy=True)
                try:
                    # No display here: Linux's virtio-gpu and -input need modern virtio-mmio.
                    measure(guest, "rng_legacy", lambda: guest.boot(frame=False))
                    measure(guest, "rng_legacy", guest.calibrate_clock)
                    measure(guest, "rng_legacy", guest_rate(guest, "rng_legacy", f"bench rng {rng_bytes}", 1))
                finally:
                    guest.stop()
    finally:
        server.close()

    def result(key):
        if values[key]:
            return summary(values[key])
        reason = failures.get(key) or failures.get("boot") or "not measured"
        return f"n/a: {reason}"

    keys_result = result("keys")
    if isinstance(keys_result, dict):
        ordered = keys_result["values"]
        keys_result["p95"] = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    with open(image, "rb") as f:
        header = f.read(64)
    image_loaded, = struct.unpack_from("<Q", header, 16)   # arm64 Image header: image_size
    lumen_only = "n/a: Lumen's own counter/command (no Linux equivalent)"
    results = {
        "boot_to_prompt_ms": result("prompt"),
        "boot_to_first_frame_ms": result("frame"),
        "cat_1mib_mbps": result("cat"),
        "key_to_pixel_ms": keys_result,
        "block_raw_read_mbps": result("raw"),
        "block_raw_read_direct_mbps": result("rawdirect"),
        "block_file_read_mbps": result("file"),
        "block_file_write_mbps": result("fwrite"),
        "block_small_files_per_s": result("small"),
        "net_tcp_download_mbps": result("tcp"),
        "net_ping_rtt_ms": result("ping"),
        "rng_bytes_per_s": result("rng_legacy") if legacy_rng else "n/a: not run (--no-legacy)",
        "rng_modern_bytes_per_s": result("rng_modern"),
        "rng_kicks_per_1000": lumen_only,
        "rng_interrupts_per_1000": lumen_only,
        "rng_kicks_per_1000_no_event_idx": lumen_only,
        "rng_interrupts_per_1000_no_event_idx": lumen_only,
        "gpu_fps_1024x768": "n/a: Lumen's `display bench` command",
        "ramfb_fps_1024x768": "n/a: Debian's arm64 kernel has no ramfb display driver",
        "gpu_line_flush_us": "n/a: Lumen's `display bench` command",
        "gpu_console_redraw_ms": "n/a: Lumen's `display bench` command",
        "idle_cpu_percent": result("idle"),
        "image_bytes": os.path.getsize(image),
        "image_loaded_bytes": image_loaded,
        "ram_in_use_bytes": int(statistics.median(values["ram"])) if values["ram"] else result("ram"),
    }
    with open(os.path.join(cache, ".complete")) as f:
        packages = f.read().split("\n")[1].split()
    results["_meta"] = {
        "kernel": os.path.basename(image), "release": release, "packages": packages,
        "modules": [n for n, _ in modules], "builtin": builtin,
        "modules_bytes": sum(os.path.getsize(p) for _, p in modules),
        "initramfs_bytes": os.path.getsize(initrd), "append": APPEND,
        "virtio_mmio": "modern (force-legacy=false) for every workload but rng (legacy): "
                       "Linux's virtio-gpu and virtio-input drivers need VIRTIO_F_VERSION_1",
        "ram_in_use": "physical RAM (QEMU -m) less /proc/meminfo MemAvailable, 1 s after boot",
        "guest_clock_overhead": "guest-timed workloads are less one empty clock read interval",
        "screendump_ms": statistics.median(values["dump"]) if values["dump"] else None,
        "key_to_pixel": "QMP input-send-event key (down+up) to the request of the first screendump "
                        "that differs (the dump's own time, screendump_ms, is not counted)",
        "failures": failures,
        "sizes": {"runs": runs, "keys": keys, "text_bytes": text_bytes, "rng_bytes": rng_bytes,
                  "raw_mib": raw_mib, "file_mib": file_mib, "net_bytes": net_bytes, "pings": pings,
                  "idle_seconds": idle_seconds},
    }
    return results


def run_linux_or_reason(workloads, *args, **kwargs):
    """run_linux, or every workload as "n/a: <why>" when the Linux side cannot run at
    all (no Debian mirror, no mkfs.fat, ...) so the Lumen figures are still written."""
    try:
        return run_linux(*args, **kwargs)
    except Exception as e:   # noqa: BLE001
        reason = f"n/a: Linux run failed: {type(e).__name__}: {str(e)[:200]}"
        print(f"linux: {reason}", file=sys.stderr, flush=True)
        return {name: reason for name, _, _ in workloads}


# ---------------------------------------------------------------- comparison

HIGHER_IS_BETTER = {"MB/s", "B/s", "fps", "files/s"}
# The smallest sizes (scripts/bench --smoke --against linux, bench_linux.py --smoke).
SMOKE_SIZES = dict(keys=3, text_bytes=64 << 10, rng_bytes=64 << 10, raw_mib=4, file_mib=4,
                   net_bytes=1 << 20, pings=3)


def ratio(unit, lumen, linux):
    """Lumen's advantage: > 1 where Lumen is better, whichever way the unit points."""
    def med(v):
        if isinstance(v, dict):
            return v["median"]
        return v if isinstance(v, (int, float)) else None
    a, b = med(lumen), med(linux)
    if a is None or b is None or a <= 0 or b <= 0:
        return None
    return a / b if unit in HIGHER_IS_BETTER else b / a


def short(value):
    """Compact figure for the comparison table: 2750, 66.7, 0.0446, 99.6M."""
    a = abs(value)
    if a >= 1e6:
        return f"{value / 1e6:.1f}M"
    if a >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    if a >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _cell(value):
    if isinstance(value, dict):
        return short(value["median"]), f"{short(value['min'])}–{short(value['max'])}"
    if isinstance(value, (int, float)):
        return short(value), ""
    return str(value).split(":")[0], ""


def _ratio_text(unit, lumen, linux):
    r = ratio(unit, lumen, linux)
    if r is not None:
        return f"{r:.2f}×"
    # A zero where lower is better (e.g. idle CPU below the clock tick) wins outright.
    med = [v["median"] if isinstance(v, dict) else v for v in (lumen, linux)]
    if all(isinstance(v, (int, float)) for v in med) and unit not in HIGHER_IS_BETTER:
        if med[0] == 0 and med[1] > 0:
            return "∞ (0)"
        if med[1] == 0 and med[0] > 0:
            return "0 (Linux 0)"
    return "—"


def print_comparison(workloads, lumen, linux, number=None):
    """The terminal table: Lumen, Linux (median and spread min–max) and Lumen's advantage."""
    print(f"{'workload':44} {'Lumen':>8} {'spread':<15} {'Linux':>8} {'spread':<15} {'Lumen adv.':>11}  unit")
    notes = []
    for name, label, unit in workloads:
        a, sa = _cell(lumen.get(name, "not yet"))
        b, sb = _cell(linux.get(name, "not yet"))
        rs = _ratio_text(unit, lumen.get(name), linux.get(name))
        print(f"{label:44} {a:>8} {sa:<15} {b:>8} {sb:<15} {rs:>11}  {unit}")
        for who, v in (("Lumen", lumen.get(name)), ("Linux", linux.get(name))):
            if isinstance(v, str) and v.startswith("n/a:"):
                notes.append(f"  {label} ({who}): {v[4:].strip()}")
    print("Lumen adv. = how many times better Lumen is (>1: Lumen leads; <1: Linux leads); "
          "medians, spread = min–max over the runs.")
    if notes:
        print("n/a:")
        print("\n".join(notes))


CHART = r"""
import json, math, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
data = json.load(open(sys.argv[1]))
rows = data["rows"]
fig, ax = plt.subplots(figsize=(10, 0.45 * len(rows) + 1.6))
labels = [r[0] for r in rows][::-1]
values = [r[1] for r in rows][::-1]
colors = ["#2e8b57" if v >= 1 else "#c0392b" for v in values]
ax.barh(labels, [v - 1.0 for v in values], left=1.0, color=colors)
ax.set_xscale("log")
ax.axvline(1.0, color="black", linewidth=1)
for i, v in enumerate(values):
    ax.text(v, i, f" {v:.2f}×", va="center", ha="left" if v >= 1 else "right", fontsize=8)
ax.set_xlabel("Lumen advantage over Linux (× , log scale; >1 = Lumen better)")
ax.set_title(data["title"], fontsize=10)
lo, hi = min(values + [1.0]), max(values + [1.0])
ax.set_xlim(lo / 3, hi * 3)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
"""


def add_to_report(report, workloads, lumen, linux, out_dir):
    """Puts Linux's figures and the ratios into bench.py's JSON report and writes
    the PNG chart of the ratios beside it. Returns the chart's path or None."""
    meta = linux.get("_meta", {})
    report["linux"] = meta
    for name, _, unit in workloads:
        entry = report["workloads"][name]
        entry["linux"] = linux.get(name, "not yet")
        entry["ratio"] = ratio(unit, lumen.get(name), linux.get(name))
    report["ratio"] = "Lumen's advantage: Linux/Lumen for times, sizes and CPU; Lumen/Linux for rates"
    qemu = re.sub(r"^QEMU emulator version (\S+).*", r"QEMU \1", report.get("qemu", ""))
    title = f"Lumen vs Linux {meta.get('release', '')} — {report.get('date', '')[:10]} — {qemu} (TCG)"
    return write_chart(workloads, lumen, linux, os.path.join(out_dir, "bench-ratios.png"), title)


def write_chart(workloads, lumen, linux, path, title):
    """PNG bar chart of the ratios with matplotlib (Debian's python3-matplotlib: tried
    in this interpreter, then in /usr/bin/python3, which is where apt installs it).
    Returns the path, or None with a message when matplotlib is missing."""
    rows = []
    for name, label, unit in workloads:
        r = ratio(unit, lumen.get(name), linux.get(name))
        if r is not None:
            rows.append((label, r))
    if not rows:
        print("chart: no workload has both figures; no chart", file=sys.stderr)
        return None
    spec = path + ".json"
    with open(spec, "w") as f:
        json.dump({"rows": rows, "title": title}, f)
    try:
        for python in (sys.executable, "/usr/bin/python3"):
            if python and os.path.exists(python):
                done = subprocess.run([python, "-c", CHART, spec, path], capture_output=True, text=True,
                                      timeout=120)
                if done.returncode == 0:
                    return path
        print(f"chart: matplotlib unavailable ({done.stderr.strip().splitlines()[-1:]}); "
              "apt-get install python3-matplotlib", file=sys.stderr)
        return None
    finally:
        os.unlink(spec)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--smoke", action="store_true", help="1 run, small sizes")
    parser.add_argument("--no-legacy", action="store_true", help="skip the legacy virtio-mmio rng boots")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    sizes = dict(keys=args.keys)
    if args.smoke:
        args.runs, args.idle_seconds = 1, 1.0
        sizes = SMOKE_SIZES
    results = run_linux(args.runs, args.idle_seconds, legacy_rng=not args.no_legacy, **sizes)
    for name, value in results.items():
        if isinstance(value, dict) and "median" in value:
            v = value["values"]
            print(f"{name:40} median {value['median']:.6g}  min {value['min']:.6g}  max {value['max']:.6g}"
                  f"  ({value['runs']} values{', ' + ', '.join(f'{x:.4g}' for x in v) if len(v) <= 5 else ''})")
        elif name != "_meta":
            print(f"{name:40} {value}")
    print(json.dumps(results["_meta"], indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
