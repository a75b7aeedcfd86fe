#!/usr/bin/env python3
"""Lumen's benchmark harness (run through scripts/bench).

Every QEMU run is bounded in time and always stopped. Figures are medians over
several runs with their spread (min–max), because this machine is noisy.
"""
import argparse
import json
import os
import platform
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import time

from qmp import QMPClient
from textfile import SMALL_FILES, small_files_script, text_file

QEMU = "qemu-system-aarch64"
PROMPT = b"lumen> "
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# Workloads of issue 9, in order; those not measured yet stay listed as "not yet".
WORKLOADS = [
    ("boot_to_prompt_ms", "boot to serial prompt", "ms"),
    ("boot_to_first_frame_ms", "boot to first drawn frame", "ms"),
    ("cat_1mib_mbps", "cat 1 MiB to the console", "MB/s"),
    ("key_to_pixel_ms", "key-to-pixel latency", "ms"),
    ("caps_led_during_cat_ms", "Caps Lock to LED during a 16 MiB cat", "ms"),
    ("ctrl_c_during_cat_ms", "Ctrl-C to prompt during a 16 MiB cat", "ms"),
    ("context_switch_us", "thread context switch (ping-pong)", "us"),
    ("timer_wakeup_us", "timer interrupt to woken thread", "us"),
    ("block_raw_read_mbps", "block: raw read (Linux dd bs=1M)", "MB/s"),
    ("block_raw_read_direct_mbps", "block: raw read (Linux dd direct bs=8M)", "MB/s"),
    ("block_file_read_mbps", "block: 64 MiB file read", "MB/s"),
    ("block_file_write_mbps", "block: 64 MiB file write (synced)", "MB/s"),
    ("block_small_files_per_s", "block: 200 small files created (synced)", "files/s"),
    ("net_tcp_download_mbps", "net: TCP download 16 MiB", "MB/s"),
    ("net_ping_rtt_ms", "net: ping RTT to gateway", "ms"),
    ("net_tap_offload_mbps", "net: TCP 16 MiB via tap, checksum offload", "MB/s"),
    ("net_tap_no_offload_mbps", "net: TCP 16 MiB via tap, csum=off", "MB/s"),
    ("rng_bytes_per_s", "rng: 1 MiB from virtio-rng (legacy)", "B/s"),
    ("rng_modern_bytes_per_s", "rng: 1 MiB from virtio-rng (modern)", "B/s"),
    ("rng_kicks_per_1000", "rng: kicks / 1000 requests, EVENT_IDX", "kicks"),
    ("rng_interrupts_per_1000", "rng: interrupts / 1000 requests, EVENT_IDX", "irqs"),
    ("rng_kicks_per_1000_no_event_idx", "rng: kicks / 1000 requests, no EVENT_IDX", "kicks"),
    ("rng_interrupts_per_1000_no_event_idx", "rng: interrupts / 1000 req., no EVENT_IDX", "irqs"),
    ("gpu_fps_1024x768", "display: full frames, virtio-gpu 1024x768", "fps"),
    ("ramfb_fps_1024x768", "display: full frames, ramfb 1024x768", "fps"),
    ("gpu_line_flush_us", "display: one text line flush, virtio-gpu", "us"),
    ("gpu_console_redraw_ms", "display: full console redraw 1024x768", "ms"),
    ("idle_cpu_percent", "idle host CPU of QEMU", "% of a core"),
    ("image_bytes", "kernel image (file)", "bytes"),
    ("image_loaded_bytes", "kernel image (loaded)", "bytes"),
    ("ram_in_use_bytes", "RAM in use after boot", "bytes"),
]


def qemu_command(kernel, memory=256, extra=()):
    return [QEMU, "-M", "virt", "-cpu", "cortex-a72", "-m", str(memory), "-nodefaults",
            "-display", "none", "-serial", "stdio", "-kernel", kernel, *extra]


class Guest:
    """One QEMU process with its serial port on pipes (and QMP on a socket if asked)."""

    def __init__(self, kernel, memory=256, extra=(), qmp=False, namespace=None):
        """`namespace`: run QEMU inside that network namespace (`ip netns exec`)."""
        self.qmp_path = None
        if qmp:
            self.qmp_path = f"/tmp/lumen-bench-{os.getpid()}-{time.monotonic_ns()}.sock"
            extra = list(extra) + ["-qmp", f"unix:{self.qmp_path},server=on,wait=off"]
        self.start = time.monotonic()
        command = qemu_command(kernel, memory, extra)
        if namespace:
            command = ["ip", "netns", "exec", namespace] + command
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.output = b""
        self.qmp_client = None

    def qmp(self, command, arguments=None, timeout=10.0):
        if self.qmp_client is None:
            self.qmp_client = QMPClient(self.qmp_path, timeout, retry=True, raise_errors=False)
        return self.qmp_client.execute(command, arguments)

    def screendump_drawn(self, path):
        """Whether the screen shows a drawn frame: QEMU's "Display output is not
        active" placeholder is 640x480 in two colours; a console differs."""
        self.qmp("screendump", {"filename": path})
        with open(path, "rb") as f:
            data = f.read()
        header = data.split(b"\n", 3)
        width, height = map(int, header[1].split())
        if (width, height) != (640, 480):
            return True
        pixels = header[3]
        return len({pixels[i:i + 3] for i in range(0, len(pixels), 3 * 97)}) > 2

    def wait_for(self, needle, timeout=20.0, after=0):
        deadline = time.monotonic() + timeout
        while needle not in self.output[after:]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {needle!r} within {timeout}s; serial: {self.output[-400:]!r}")
            ready, _, _ = select.select([self.proc.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(f"QEMU exited; serial: {self.output[-400:]!r}")
                self.output += chunk
        return time.monotonic()

    def command(self, text, timeout=20.0):
        mark = len(self.output)
        self.proc.stdin.write(text.encode() + b"\r")
        self.proc.stdin.flush()
        self.wait_for(PROMPT, timeout, after=mark)
        return self.output[mark:].decode(errors="replace")

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        if self.qmp_path and os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)


def number(value):
    """Short human form: 85.8M, 12345, 0.1."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    if abs(value) >= 1e3 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.3g}"


def summary(values):
    values = sorted(values)
    return {"median": statistics.median(values), "min": values[0], "max": values[-1],
            "runs": len(values), "values": values}


def bench_boot(kernel, runs):
    """QEMU start to the serial prompt and to the first drawn frame, in one boot
    with the device set and memory bench_linux.py gives Linux (virtio-gpu at
    1024x768, keyboard, tablet, a disk, user networking, rng; 256 MiB; modern
    virtio-mmio), polling a screendump every 5 ms until the frame is drawn, as
    bench_linux.py's Guest.boot does."""
    prompts, frames = [], []
    path = f"/tmp/lumen-bench-{os.getpid()}.ppm"
    with tempfile.TemporaryDirectory() as work:
        drive = disk_with(work, {"readme.txt": b"Hello from the host.\n"})
        for _ in range(runs):
            guest = Guest(kernel, qmp=True, extra=LINUX_MACHINE + drive)
            try:
                deadline = guest.start + 30
                prompt = frame = None
                while prompt is None or frame is None:
                    now = time.monotonic()
                    if now > deadline:
                        raise TimeoutError(f"boot: prompt={prompt} frame={frame}; serial: {guest.output[-400:]!r}")
                    if frame is None and guest.qmp_path and os.path.exists(guest.qmp_path):
                        try:
                            if guest.screendump_drawn(path):
                                frame = (time.monotonic() - guest.start) * 1000
                        except (OSError, ValueError, IndexError):
                            pass
                    if prompt is None:
                        try:
                            prompt = (guest.wait_for(PROMPT, timeout=0.005) - guest.start) * 1000
                        except TimeoutError:
                            pass
                    elif frame is None:
                        time.sleep(0.005)
                prompts.append(prompt)
                frames.append(frame)
            finally:
                guest.stop()
    if os.path.exists(path):
        os.unlink(path)
    return summary(prompts), summary(frames)


def disk_with(work, files, mebibytes=64, random_fill=False):
    """A FAT32 image holding `files` (name: bytes), as mkfs.fat and mtools make it.
    With `random_fill` the image is random bytes before mkfs.fat writes its
    tables, so its free space is data on the host too (a sparse image reads
    its holes as zeros without touching a disk)."""
    image = os.path.join(work, "disk.img")
    if random_fill:
        fill_random(image, mebibytes)
        subprocess.run(["mkfs.fat", "-F", "32", image], check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run(["mkfs.fat", "-F", "32", "-C", image, str(mebibytes * 1024)], check=True, stdout=subprocess.DEVNULL)
    for name, body in files.items():
        path = os.path.join(work, name)
        with open(path, "wb") as f:
            f.write(body)
        subprocess.run(["mcopy", "-i", image, path, "::" + name], check=True,
                       env=dict(os.environ, MTOOLS_SKIP_CHECK="1"))
    return ["-drive", f"if=none,id=d0,format=raw,file={image}", "-device", "virtio-blk-device,drive=d0"]


def fill_random(path, mebibytes):
    """`mebibytes` MiB of random bytes at `path` (bench_linux.py's disk is made the same way)."""
    with open(path, "wb") as f:
        for _ in range(mebibytes):
            f.write(os.urandom(1 << 20))


def bench_cat(kernel, runs, size=1 << 20):
    """`cat /t.txt` of a text file of 68-byte lines on the disk, typed at the shell
    of console 1 (the graphical console, 1024x768, mirrored on the serial port),
    host-timed from the command to the next prompt: what a user waits for."""
    rates = []
    with tempfile.TemporaryDirectory() as work:
        drive = disk_with(work, {"t.txt": text_file(size)})
        for _ in range(runs):
            guest = Guest(kernel, extra=LINUX_MACHINE + drive)
            try:
                guest.wait_for(PROMPT)
                time.sleep(0.3)
                mark = len(guest.output)
                start = time.monotonic()
                guest.proc.stdin.write(b"cat /t.txt\r")
                guest.proc.stdin.flush()
                guest.wait_for(b"cat /t.txt", after=mark)
                end = guest.wait_for(PROMPT, timeout=300, after=mark)
                rates.append(size / (end - start) / 1e6)
            finally:
                guest.stop()
    return summary(rates)


def bench_responsiveness(kernel, runs, size=16 << 20):
    """While `cat` of a 16 MiB text file runs on the graphical console: Caps Lock
    (QMP key press) to the keyboard LED changing (QEMU's VNC LED state), and
    Ctrl-C on the serial port to the next prompt, host-timed."""
    from vnc_leds import VNCLeds
    led, stop = [], []
    with tempfile.TemporaryDirectory() as work:
        drive = disk_with(work, {"big.txt": text_file(size)}, mebibytes=64 + (size >> 20))
        for _ in range(runs):
            display = 40 + os.getpid() % 50
            guest = Guest(kernel, qmp=True, extra=LINUX_MACHINE + drive + ["-vnc", f"127.0.0.1:{display}"])
            vnc = None
            try:
                guest.wait_for(PROMPT)
                vnc = VNCLeds(5900 + display)
                vnc.wait_for(lambda leds: not VNCLeds.caps(leds))
                mark = len(guest.output)
                guest.proc.stdin.write(b"cat /big.txt\r")
                guest.proc.stdin.flush()
                guest.wait_for(b"The quick brown fox", after=mark, timeout=60)
                for want in (True, False):
                    key = [{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": "caps_lock"}}}
                           for down in (True, False)]
                    start = time.monotonic()
                    guest.qmp("input-send-event", {"events": key})
                    changed = vnc.wait_for(lambda leds: VNCLeds.caps(leds) == want)
                    led.append((changed - start) * 1000)
                    time.sleep(0.2)
                if PROMPT in guest.output[mark + 12:]:
                    raise RuntimeError("cat ended before Ctrl-C; make the file bigger")
                start = time.monotonic()
                guest.proc.stdin.write(b"\x03")
                guest.proc.stdin.flush()
                end = guest.wait_for(PROMPT, timeout=30, after=len(guest.output))
                stop.append((end - start) * 1000)
            finally:
                if vnc:
                    vnc.close()
                guest.stop()
    return summary(led), summary(stop)


def bench_threads(kernel, runs):
    """`threads bench`: a context switch (two threads taking turns through wait
    queues) and the wake-up latency from the timer interrupt to the thread."""
    switch, wake = [], []
    for _ in range(runs):
        guest = Guest(kernel)
        try:
            guest.wait_for(PROMPT)
            guest.command("threads bench", timeout=60)  # warm up
            out = guest.command("threads bench", timeout=60)
            a = re.search(r"([0-9.]+) us per switch", out)
            b = re.search(r"to the thread: median ([0-9.]+) us", out)
            if not a or not b:
                raise RuntimeError(f"unexpected output: {out!r}")
            switch.append(float(a.group(1)))
            wake.append(float(b.group(1)))
        finally:
            guest.stop()
    return summary(switch), summary(wake)


def bench_key_to_pixel(kernel, runs, keys=50):
    """QMP key press (down+up) to the request of the first screendump whose
    console area differs. QEMU copies the screen when it handles the request;
    writing and reading back the 2.3 MB picture (about 9 ms) is the camera's
    time, not the system's, so it is not counted (scripts/bench_linux.py times
    Linux the same way). The cursor is kept steady (lumen.console.blink=off)
    and the status bar (with its clock) is left out of the comparison."""
    latencies = []
    letters = "abcdefghijklmnopqrstuvwxyz"
    work = tempfile.mkdtemp()
    drive = disk_with(work, {})
    for _ in range(runs):
        guest = Guest(kernel, extra=LINUX_MACHINE + drive + ["-append", "lumen.console.blink=off"], qmp=True)
        path = f"/tmp/lumen-bench-key-{os.getpid()}.ppm"
        try:
            guest.wait_for(PROMPT)
            time.sleep(0.3)

            def console_area():
                guest.qmp("screendump", {"filename": path})
                with open(path, "rb") as f:
                    data = f.read()
                header = data.split(b"\n", 3)
                width, height = map(int, header[1].split())
                return header[3][:width * 3 * (height - 40)]

            base = console_area()
            for index in range(keys):
                events = [{"type": "key", "data": {"down": down, "key": {"type": "qcode", "data": letters[index % 26]}}}
                          for down in (True, False)]
                start = time.monotonic()
                guest.qmp("input-send-event", {"events": events})
                while True:
                    requested = time.monotonic()
                    now = console_area()
                    if now != base:
                        latencies.append((requested - start) * 1000)
                        break
                    if time.monotonic() - start > 5:
                        raise TimeoutError(f"key {index}: the screen did not change")
                time.sleep(0.05)
                base = console_area()
        finally:
            guest.stop()
            if os.path.exists(path):
                os.unlink(path)
    subprocess.run(["rm", "-rf", work])
    result = summary(latencies)
    ordered = sorted(latencies)
    result["p95"] = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return result


def bench_display(kernel, runs, device):
    """`display bench`: full-frame fps, one-line flush time and a full console
    redraw (every cell's glyph drawn, the frame presented), guest-timed."""
    fps, line, redraw = [], [], []
    for _ in range(runs):
        guest = Guest(kernel, extra=device)
        try:
            guest.wait_for(PROMPT)
            out = guest.command("display bench", timeout=120)
            match = re.search(r"full frames: ([0-9.]+) fps", out)
            line_match = re.search(r"one-line flush \(\d+x\d+\): (\d+) us", out)
            if not match or not line_match:
                raise RuntimeError(f"unexpected output: {out!r}")
            fps.append(float(match.group(1)))
            line.append(float(line_match.group(1)))
            redraw_match = re.search(r"full console redraw .*: (\d+) us", out)
            if redraw_match:
                redraw.append(float(redraw_match.group(1)) / 1000)
        finally:
            guest.stop()
    return summary(fps), summary(line), (summary(redraw) if redraw else "n/a")


def bench_idle(kernel, seconds, runs):
    """Host CPU of QEMU while Lumen sits at its prompt with every device attached
    (as Linux does in the comparison): display, input, disk, network, rng."""
    shares = []
    ram = None
    work = tempfile.mkdtemp()
    every = LINUX_MACHINE + disk_with(work, {})
    for _ in range(runs):
        guest = Guest(kernel, extra=every)
        try:
            guest.wait_for(PROMPT)
            time.sleep(0.5)
            mem = guest.command("mem")
            for line in mem.splitlines():
                if line.startswith("not free:"):
                    ram = int(line.split()[2])
            before, t0 = guest.cpu_seconds(), time.monotonic()
            time.sleep(seconds)
            after, t1 = guest.cpu_seconds(), time.monotonic()
            shares.append(100.0 * (after - before) / (t1 - t0))
        finally:
            guest.stop()
    subprocess.run(["rm", "-rf", work])
    return summary(shares), ram


RNG = ["-device", "virtio-rng-device"]
GPU = ["-device", "virtio-gpu-device,xres=1024,yres=768"]
# What bench_linux.py attaches to Linux (less the disk, which each workload
# brings): the boot rows run both systems on this.
EVERY_DEVICE = GPU + ["-device", "virtio-keyboard-device", "-device", "virtio-tablet-device",
                      "-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0", "-device", "virtio-rng-device"]
RAMFB = ["-device", "ramfb"]
MODERN = ["-global", "virtio-mmio.force-legacy=false"]
# The machine Linux runs every compared workload on (with 256 MiB, Guest's
# default): every device, modern virtio-mmio. Each workload adds its disk.
LINUX_MACHINE = EVERY_DEVICE + MODERN


def bench_rng(kernel, runs, modern, size=1 << 20):
    """Guest-timed rate of `random N` (the command reads N bytes, prints the rate)."""
    rates = []
    for _ in range(runs):
        guest = Guest(kernel, extra=RNG + (MODERN if modern else []))
        try:
            guest.wait_for(PROMPT)
            out = guest.command(f"random {size}", timeout=60)
            match = re.search(r"\((\d+) bytes/s\)", out)
            if not match:
                raise RuntimeError(f"unexpected output: {out!r}")
            rates.append(float(match.group(1)))
        finally:
            guest.stop()
    return summary(rates)


def bench_rng_notifications(kernel, runs, event_idx):
    """Kicks and interrupts per 1000 small (64-byte) virtio-rng requests."""
    kicks, irqs = [], []
    append = "lumen.rng.request=64" + ("" if event_idx else " lumen.virtio.event_idx=off")
    for _ in range(runs):
        guest = Guest(kernel, extra=RNG + ["-append", append])
        try:
            guest.wait_for(PROMPT)
            out = guest.command("random 64000", timeout=60)
            match = re.search(r"random: (\d+) requests, (\d+) kicks, (\d+) interrupts", out)
            if not match:
                raise RuntimeError(f"unexpected output: {out!r}")
            requests, k, i = (int(g) for g in match.groups())
            kicks.append(1000.0 * k / requests)
            irqs.append(1000.0 * i / requests)
        finally:
            guest.stop()
    return summary(kicks), summary(irqs)


def bench_disk(kernel, runs, mebibytes=64):
    """`disk-bench N`: raw sequential reads through the driver (of an image filled
    with random data, like bench_linux.py's), an N MiB file
    written (and synced) then read through FAT; and the small-files script both
    systems run through their shells (textfile.small_files_script: 200 files
    made by `echo ... > FILE`, then `sync`), timed by the guest's clock with
    `uptime` on either side of `run`. A fresh FAT32 image (mkfs.fat) per run,
    attached as virtio-blk."""
    figures = {"raw": [], "write": [], "read": [], "small": []}
    script = small_files_script("/SMALL")
    with tempfile.TemporaryDirectory() as work:
        for _ in range(runs):
            image = os.path.join(work, "disk.img")
            if os.path.exists(image):
                os.unlink(image)
            # Random data, the size of bench_linux.py's disk for the same file size.
            drive = disk_with(work, {"small.sh": script}, mebibytes=max(48, 2 * mebibytes + 16), random_fill=True)
            guest = Guest(kernel, extra=LINUX_MACHINE + drive)
            try:
                guest.wait_for(PROMPT)
                out = guest.command(f"disk-bench {mebibytes}", timeout=300)
                for key, pattern in (("raw", r"raw read .*\((\d+) MB/s\)"), ("write", r"file write .*\((\d+) MB/s\)"),
                                     ("read", r"file read .*\((\d+) MB/s\)")):
                    match = re.search(pattern, out)
                    if not match:
                        raise RuntimeError(f"unexpected disk-bench output: {out!r}")
                    figures[key].append(float(match.group(1)))
                guest.command("mkdir /SMALL && sync")
                out = guest.command("uptime; run /small.sh; uptime", timeout=120)
                ups = [float(x) for x in re.findall(r"up (\d+\.\d+) s", out)]
                made = guest.command("ls /SMALL").count("file-")
                if len(ups) != 2 or made != SMALL_FILES:
                    raise RuntimeError(f"small files: {made} made; output {out[-300:]!r}")
                figures["small"].append(SMALL_FILES / max(ups[1] - ups[0], 0.001))
            finally:
                guest.stop()
    return {key: summary(values) for key, values in figures.items()}


def serve_payload(directory, size, host):
    """A quiet HTTP server on `host` (any free port) for `directory`, which gets a
    random `payload.bin` of `size` bytes; it runs until `shutdown()`."""
    import http.server
    import functools
    import threading
    with open(os.path.join(directory, "payload.bin"), "wb") as f:
        f.write(os.urandom(size))
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    server = http.server.ThreadingHTTPServer((host, 0), functools.partial(Quiet, directory=directory))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bench_net(kernel, runs, size=16 << 20, pings=5):
    """TCP download of `size` bytes with `wget URL /dev/null` from an HTTP server on
    127.0.0.1 (the guest sees 10.0.2.2 on QEMU's user network), host-timed from
    the command to the next prompt, as a user waits for it (bench_linux.py times
    Linux's wget the same way); and the average ping RTT to the gateway. One
    boot per run."""
    rates, rtts = [], []
    with tempfile.TemporaryDirectory() as work:
        server = serve_payload(work, size, "127.0.0.1")
        port = server.server_address[1]
        try:
            for _ in range(runs):
                guest = Guest(kernel, extra=LINUX_MACHINE)
                try:
                    guest.wait_for(PROMPT)
                    guest.wait_for(b"dhcp: 10.0.2.15", timeout=30)
                    start = time.monotonic()
                    out = guest.command(f"wget http://10.0.2.2:{port}/payload.bin /dev/null", timeout=300)
                    elapsed = time.monotonic() - start
                    match = re.search(r"received (\d+) bytes in (\d+) ms", out)
                    if not match or int(match.group(1)) != size:
                        raise RuntimeError(f"unexpected wget output: {out!r}")
                    rates.append(size / elapsed / 1e6)
                    out = guest.command(f"ping -c {pings} 10.0.2.2", timeout=60)
                    match = re.search(r"rtt min/avg/max = [0-9.]+/([0-9.]+)/", out)
                    if not match:
                        raise RuntimeError(f"unexpected ping output: {out!r}")
                    rtts.append(float(match.group(1)))
                finally:
                    guest.stop()
        finally:
            server.shutdown()
    return summary(rates), summary(rtts)


def bench_net_tap(kernel, runs, size=16 << 20):
    """The same download over a tap interface with virtio-net headers, the one
    QEMU backend that offers checksum offload (CSUM/GUEST_CSUM): with it, and
    with lumen.virtio.csum=off (the stack sums every checksum), alternating.
    The tap, its address, the HTTP server and QEMU live in a network namespace
    made for the run and deleted after it: the traffic never leaves it.
    Needs root; "n/a: …" without."""
    namespace = f"lumen-bench-{os.getpid()}"
    tap, host, guest_address = "lmnb0", "10.213.1.1", "10.213.1.2"
    inside = ["ip", "netns", "exec", namespace]
    try:
        subprocess.run(["ip", "netns", "add", namespace], check=True, capture_output=True)
        for command in (["link", "set", "lo", "up"], ["tuntap", "add", "dev", tap, "mode", "tap"],
                        ["addr", "add", host + "/24", "dev", tap], ["link", "set", tap, "up"]):
            subprocess.run(["ip", "-n", namespace, *command], check=True, capture_output=True)
    except (subprocess.SubprocessError, OSError) as e:
        subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
        return f"n/a: no tap in a network namespace ({e})", f"n/a: no tap in a network namespace ({e})"
    rates = {True: [], False: []}
    port = 8080
    try:
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "payload.bin"), "wb") as f:
                f.write(os.urandom(size))
            server = subprocess.Popen(inside + [sys.executable, "-u", "-c", TAP_SERVER, work, host, str(port)],
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                if server.stdout.readline().strip() != b"ready":
                    raise RuntimeError("the HTTP server in the namespace did not start")
                for _ in range(runs):
                    for offload in (True, False):
                        extra = ["-netdev", f"tap,id=n0,ifname={tap},script=no,downscript=no,vnet_hdr=on",
                                 "-device", "virtio-net-device,netdev=n0"]
                        if not offload:
                            extra += ["-append", "lumen.virtio.csum=off"]
                        guest = Guest(kernel, memory=512, extra=extra, namespace=namespace)
                        try:
                            guest.wait_for(PROMPT)
                            guest.command(f"ifconfig eth0 {guest_address}/24")
                            out = guest.command(f"wget http://{host}:{port}/payload.bin /dev/null", timeout=300)
                            match = re.search(r"received (\d+) bytes in (\d+) ms", out)
                            if not match or int(match.group(1)) != size:
                                raise RuntimeError(f"unexpected wget output: {out!r}")
                            rates[offload].append(int(match.group(1)) / (max(int(match.group(2)), 1) / 1000) / 1e6)
                        finally:
                            guest.stop()
            finally:
                server.kill()
                server.wait()
    finally:
        subprocess.run(["ip", "netns", "delete", namespace], capture_output=True)
    return summary(rates[True]), summary(rates[False])


# The tap bench's HTTP server, run inside its network namespace: serves argv[1]
# on argv[2]:argv[3], quietly, and says "ready" once it listens.
TAP_SERVER = """
import functools, http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer((sys.argv[2], int(sys.argv[3])), functools.partial(Quiet, directory=sys.argv[1]))
print("ready", flush=True)
server.serve_forever()
"""


def bench_host(args):
    """Host micro-benchmarks of the portable modules, in the same report:
    scripts/terminal-bench (Lumen's terminal against libvterm and libtsm, same process) and
    scripts/host-bench (glyph blending, FAT32 on a RAM disk, TCP between two stacks
    over an in-memory loopback link)."""
    scripts = os.path.dirname(os.path.abspath(__file__))
    host = {}
    with tempfile.TemporaryDirectory() as work:
        terminal = os.path.join(work, "terminal.json")
        sizes = ["--runs", "1", "--bytes", str(256 << 10)] if args.smoke else ["--runs", str(args.runs)]
        try:
            subprocess.run([os.path.join(scripts, "terminal-bench"), *sizes, "--json", terminal], check=True,
                           stdout=subprocess.DEVNULL, timeout=900)
            with open(terminal) as f:
                host["terminal"] = json.load(f)
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            host["terminal"] = f"failed: {e}"
        other = os.path.join(work, "host.json")
        try:
            subprocess.run([os.path.join(scripts, "host-bench"), *(["--smoke"] if args.smoke else ["--runs", str(args.runs)]),
                            "--json", other], check=True, stdout=subprocess.DEVNULL, timeout=900)
            with open(other) as f:
                host.update(json.load(f))
        except (subprocess.SubprocessError, OSError, ValueError) as e:
            host["modules"] = f"failed: {e}"
    return host


def print_host(host):
    print("\nhost micro-benchmarks (release builds, this machine)")
    terminal = host.get("terminal")
    if isinstance(terminal, dict):
        print(f"  {'terminal payload':24} {'Lumen MB/s':>11} {'libvterm MB/s':>14} {'libtsm MB/s':>12} "
              f"{'/libvterm':>10} {'/libtsm':>8}")
        for name, entry in terminal["payloads"].items():
            print(f"  {name:24} {number(entry['lumen_mbps']['median']):>11} "
                  f"{number(entry['libvterm_mbps']['median']):>14} {number(entry['libtsm_mbps']['median']):>12} "
                  f"{entry['ratio']:>9.2f}× {entry['ratio_libtsm']:>7.2f}×")
    else:
        print(f"  terminal vs libvterm and libtsm: {terminal}")
    for key, label, unit in (("glyph_blend_mcells_per_s", "glyph blending over the surface", "Mcells/s"),
                             ("glyph_blend_onto_background_mcells_per_s", "glyph blending onto a background", "Mcells/s"),
                             ("surface_fill_mbps", "1024x768 surface fill", "MB/s"),
                             ("surface_scroll_mbps", "1024x768 surface scroll by 16 px", "MB/s"),
                             ("damage_tracking_mrects_per_s", "damage tracking, 9x17 cells", "M rects/s"),
                             ("fat_ramdisk_write_mbps", "FAT32 RAM disk: file write", "MB/s"),
                             ("fat_ramdisk_read_mbps", "FAT32 RAM disk: file read", "MB/s"),
                             ("fat_ramdisk_small_files_per_s", "FAT32 RAM disk: small files", "files/s"),
                             ("tcp_loopback_mbps", "TCP over a loopback pair (16 MiB)", "MB/s")):
        value = host.get(key, "missing")
        if isinstance(value, dict):
            print(f"  {label:40} {number(value['median']):>10}  ({number(value['min'])} – {number(value['max'])}) {unit}")
        else:
            print(f"  {label:40} {value:>10}  {unit}")


def image_sizes(kernel):
    """File size and the sum of PT_LOAD memory sizes (what occupies RAM)."""
    with open(kernel, "rb") as f:
        data = f.read()
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    loaded = 0
    for i in range(phnum):
        p_type, = struct.unpack_from("<I", data, phoff + i * phentsize)
        if p_type == 1:
            loaded += struct.unpack_from("<Q", data, phoff + i * phentsize + 40)[0]
    return len(data), loaded


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--smoke", action="store_true", help="smallest sizes: 1 run, 1 s idle")
    parser.add_argument("--against", choices=["linux"],
                        help="also run the workloads on Debian's arm64 Linux (scripts/bench_linux.py)")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.idle_seconds = 1, 1.0

    qemu_version = subprocess.run([QEMU, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    results = {name: "not yet" for name, _, _ in WORKLOADS}
    print(f"Lumen benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {qemu_version} (TCG) — "
          f"{platform.machine()}, {os.cpu_count()} cores", flush=True)

    print(f"boot to prompt and first frame, every device: {args.runs} runs …", file=sys.stderr, flush=True)
    results["boot_to_prompt_ms"], results["boot_to_first_frame_ms"] = bench_boot(args.kernel, args.runs)
    print(f"idle CPU: {args.idle_seconds:g} s × 3 …", file=sys.stderr, flush=True)
    idle, ram = bench_idle(args.kernel, args.idle_seconds, 1 if args.smoke else 3)
    results["idle_cpu_percent"] = idle
    if ram is not None:
        results["ram_in_use_bytes"] = ram
    print(f"display: {args.runs} runs …", file=sys.stderr, flush=True)
    results["gpu_fps_1024x768"], results["gpu_line_flush_us"], results["gpu_console_redraw_ms"] = \
        bench_display(args.kernel, args.runs, GPU)
    results["ramfb_fps_1024x768"], _, _ = bench_display(args.kernel, args.runs, RAMFB)
    print(f"console: cat 1 MiB, key-to-pixel …", file=sys.stderr, flush=True)
    results["cat_1mib_mbps"] = bench_cat(args.kernel, args.runs, size=(64 << 10) if args.smoke else (1 << 20))
    results["key_to_pixel_ms"] = bench_key_to_pixel(args.kernel, 1, keys=5 if args.smoke else 50)
    print(f"threads: Caps Lock and Ctrl-C during a long cat, context switch …", file=sys.stderr, flush=True)
    results["caps_led_during_cat_ms"], results["ctrl_c_during_cat_ms"] = bench_responsiveness(
        args.kernel, args.runs, size=(4 << 20) if args.smoke else (16 << 20))
    results["context_switch_us"], results["timer_wakeup_us"] = bench_threads(args.kernel, args.runs)
    print(f"rng: {args.runs} runs per mode …", file=sys.stderr, flush=True)
    results["rng_bytes_per_s"] = bench_rng(args.kernel, args.runs, modern=False)
    results["rng_modern_bytes_per_s"] = bench_rng(args.kernel, args.runs, modern=True)
    for event_idx, suffix in ((True, ""), (False, "_no_event_idx")):
        k, i = bench_rng_notifications(args.kernel, args.runs, event_idx)
        results["rng_kicks_per_1000" + suffix] = k
        results["rng_interrupts_per_1000" + suffix] = i
    print(f"network: {args.runs} runs of wget and ping …", file=sys.stderr, flush=True)
    results["net_tcp_download_mbps"], results["net_ping_rtt_ms"] = bench_net(
        args.kernel, args.runs, size=(1 << 20) if args.smoke else (16 << 20), pings=2 if args.smoke else 5)
    results["net_tap_offload_mbps"], results["net_tap_no_offload_mbps"] = bench_net_tap(
        args.kernel, args.runs, size=(1 << 20) if args.smoke else (16 << 20))
    print(f"disk: {args.runs} runs of disk-bench …", file=sys.stderr, flush=True)
    disk = bench_disk(args.kernel, args.runs, mebibytes=8 if args.smoke else 64)
    results["block_raw_read_mbps"] = disk["raw"]
    # The same Lumen figure, compared with Linux's O_DIRECT reads in the next row.
    results["block_raw_read_direct_mbps"] = disk["raw"]
    results["block_file_read_mbps"] = disk["read"]
    results["block_file_write_mbps"] = disk["write"]
    results["block_small_files_per_s"] = disk["small"]
    file_size, loaded = image_sizes(args.kernel)
    results["image_bytes"] = file_size
    results["image_loaded_bytes"] = loaded

    print("host micro-benchmarks …", file=sys.stderr, flush=True)
    host = bench_host(args)

    linux = run_against_linux(args) if args.against == "linux" else None

    print()
    if linux is not None:
        bench_linux().print_comparison(WORKLOADS, results, linux, number)
    else:
        print(f"{'workload':44} {'Lumen':>10}  {'spread (min – max)':<22} unit")
    for name, label, unit in WORKLOADS if linux is None else ():
        value = results[name]
        if isinstance(value, dict):
            spread = f"{number(value['min'])} – {number(value['max'])}"
            line = f"{number(value['median']):>10}  {spread:<22}"
        elif isinstance(value, (int, float)):
            line = f"{number(value):>10}  {'':<22}"
        else:
            line = f"{value:>10}  {'':<22}"
        print(f"{label:44} {line} {unit}")

    print_host(host)

    os.makedirs(args.out, exist_ok=True)
    report = {"host": host, "date": time.strftime("%Y-%m-%dT%H:%M:%S"), "qemu": qemu_version,
              "machine": f"{platform.machine()}, {os.cpu_count()} cores", "kernel": args.kernel,
              "workloads": {name: {"label": label, "unit": unit, "lumen": results[name]}
                            for name, label, unit in WORKLOADS}}
    chart = None
    if linux is not None:
        chart = bench_linux().add_to_report(report, WORKLOADS, results, linux, args.out)
    path = os.path.join(args.out, "bench.json")
    with open(path, "w") as f:
        json.dump(report, f, indent=2)
    print(f"\nwrote {path}" + (f" and {chart}" if chart else ""))


# --- `--against linux`: the Linux side lives in scripts/bench_linux.py ----------------

def bench_linux():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.dont_write_bytecode = True   # no scripts/__pycache__ in the work tree
    import bench_linux as module
    return module


def run_against_linux(args):
    """The same workloads on Debian's arm64 Linux + busybox initramfs, same QEMU."""
    module = bench_linux()
    print(f"Linux: {args.runs} runs (fetches Debian's kernel into .bench-linux/ once) …",
          file=sys.stderr, flush=True)
    sizes = module.SMOKE_SIZES if args.smoke else {}
    return module.run_linux_or_reason(WORKLOADS, args.runs, args.idle_seconds, **sizes)


if __name__ == "__main__":
    main()
