"""A minimal QMP client for the benchmark harnesses (scripts/bench.py and
scripts/bench_linux.py): connect to QEMU's unix socket, negotiate capabilities,
run commands, skip asynchronous events."""
import json
import socket
import time


class QMPClient:
    def __init__(self, path, timeout=10.0, retry=False, raise_errors=True):
        """Connects to `path`; with `retry`, keeps trying until `timeout` while QEMU
        starts. `raise_errors` turns QMP error replies into exceptions."""
        deadline = time.monotonic() + timeout
        while True:
            sock = socket.socket(socket.AF_UNIX)
            try:
                sock.connect(path)
                break
            except OSError:
                sock.close()
                if not retry or time.monotonic() > deadline:
                    raise
                time.sleep(0.002)
        sock.settimeout(timeout)
        self.raise_errors = raise_errors
        self.file = sock.makefile("rw")
        self.file.readline()  # the greeting
        self.execute("qmp_capabilities")

    def execute(self, command, arguments=None):
        message = {"execute": command}
        if arguments:
            message["arguments"] = arguments
        self.file.write(json.dumps(message) + "\n")
        self.file.flush()
        while True:
            reply = json.loads(self.file.readline())
            if "event" in reply:
                continue
            if self.raise_errors and "error" in reply:
                raise RuntimeError(f"QMP: {reply['error']}")
            return reply

    def close(self):
        self.file.close()
