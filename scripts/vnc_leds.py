"""A minimal VNC (RFB 3.8) client that reads one thing: the keyboard LED state
QEMU reports through the LED pseudo-encoding (-261). For scripts/bench, which
times Caps Lock to the LED change. Updates are kept tiny: only a 1x1 area is
requested, in raw encoding."""
import socket
import struct
import time

LED_STATE = -261
RAW = 0


class VNCLeds:
    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.buffer = b""
        self.leds = None
        version = self._read(12)
        if not version.startswith(b"RFB "):
            raise RuntimeError(f"not a VNC server: {version!r}")
        self.sock.sendall(b"RFB 003.008\n")
        count = self._read(1)[0]
        types = self._read(count)
        if 1 not in types:
            raise RuntimeError("the VNC server wants authentication")
        self.sock.sendall(b"\x01")
        if struct.unpack(">I", self._read(4))[0] != 0:
            raise RuntimeError("VNC security handshake failed")
        self.sock.sendall(b"\x01")  # shared
        width, height = struct.unpack(">HH", self._read(4))
        pixel_format = self._read(16)
        self.bytes_per_pixel = pixel_format[0] // 8
        name_length = struct.unpack(">I", self._read(4))[0]
        self._read(name_length)
        self.sock.sendall(struct.pack(">BxHii", 2, 2, RAW, LED_STATE))
        self.request()

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("VNC server closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def request(self):
        self.sock.sendall(struct.pack(">BBHHHH", 3, 1, 0, 0, 1, 1))

    def _message(self):
        kind = self._read(1)[0]
        if kind == 0:  # FramebufferUpdate
            _, rects = struct.unpack(">BH", self._read(3))
            for _ in range(rects):
                x, y, w, h, encoding = struct.unpack(">HHHHi", self._read(12))
                if encoding == LED_STATE:
                    self.leds = self._read(1)[0]
                elif encoding == RAW:
                    self._read(w * h * self.bytes_per_pixel)
                else:
                    raise RuntimeError(f"unexpected VNC encoding {encoding}")
            self.request()
        elif kind == 1:  # SetColourMapEntries
            _, _, count = struct.unpack(">BHH", self._read(5))
            self._read(6 * count)
        elif kind == 2:  # Bell
            pass
        elif kind == 3:  # ServerCutText
            _, _, _, length = struct.unpack(">BBBI", self._read(7))
            self._read(length)
        else:
            raise RuntimeError(f"unexpected VNC message {kind}")

    def wait_for(self, predicate, timeout=5.0):
        """Reads messages until `predicate(leds)` holds; returns the time it did."""
        deadline = time.monotonic() + timeout
        while self.leds is None or not predicate(self.leds):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"LED state {self.leds!r} did not change within {timeout} s")
            self.sock.settimeout(remaining)
            self._message()
        return time.monotonic()

    @staticmethod
    def caps(leds):
        return bool(leds & 4)

    def close(self):
        self.sock.close()
