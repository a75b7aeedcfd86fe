"""What both systems run in scripts/bench (the text they `cat`, the script that
creates small files): one definition for the Lumen side (bench.py) and the
Linux side (bench_linux.py)."""


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


SMALL_FILES = 200


def small_files_script(directory, count=SMALL_FILES):
    """The small-files workload, the same script for both systems' shells:
    `count` lines that each create a 101-byte file with `echo` and a
    redirection, then `sync`. No loop (Lumen's shell has none), so neither
    side pays for one the other does not."""
    body = "x" * 100
    lines = [f"echo {body} > {directory}/file-{i}.txt" for i in range(count)]
    return ("\n".join(lines) + "\nsync\n").encode()
