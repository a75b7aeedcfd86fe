"""The text both systems `cat` in scripts/bench: one definition for the Lumen
side (bench.py) and the Linux side (bench_linux.py)."""


def text_file(size, line=68):
    """Printable ASCII lines of `line` bytes (67 characters and a newline),
    exactly `size` bytes."""
    out, i = bytearray(), 0
    while len(out) < size:
        text = f"{i:06d} The quick brown fox jumps over the lazy dog. 0123456789 ABCDEFGHIJKLMNOPQRS"
        out += text[:line - 1].encode() + b"\n"
        i += 1
    del out[size:]
    if size:
        out[-1:] = b"\n"
    return bytes(out)
