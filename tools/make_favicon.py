"""Write bot/static/favicon.ico: the widget's chat bubble, white on its blue (#2563eb), 16 and
32 px, as PNG images inside an ICO file. Standard library only; run it after changing the design:

    python3 tools/make_favicon.py
"""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE, WHITE = (37, 99, 235, 255), (255, 255, 255, 255)
OUT = Path(__file__).resolve().parent.parent / "bot" / "static" / "favicon.ico"


def pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """The icon on a unit square: a blue disc holding a white speech bubble with two text lines."""
    dx, dy = x - 0.5, y - 0.5
    if dx * dx + dy * dy > 0.25:
        return (0, 0, 0, 0)
    in_bubble = (0.22 <= x <= 0.78 and 0.26 <= y <= 0.64) or (
        0.30 <= x <= 0.46 and 0.64 <= y <= 0.80 and (y - 0.64) <= (0.46 - x))  # tail
    on_line = 0.30 <= x <= 0.70 and (0.36 <= y <= 0.42 or (0.48 <= y <= 0.54 and x <= 0.58))
    return WHITE if in_bubble and not on_line else BLUE


def png(size: int) -> bytes:
    rows = b"".join(b"\x00" + b"".join(bytes(pixel((i + 0.5) / size, (j + 0.5) / size))
                                        for i in range(size)) for j in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def ico(sizes: tuple[int, ...] = (16, 32)) -> bytes:
    images = [png(s) for s in sizes]
    offset = 6 + 16 * len(images)
    head = struct.pack("<HHH", 0, 1, len(images))
    for s, data in zip(sizes, images):
        head += struct.pack("<BBBBHHII", s, s, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return head + b"".join(images)


if __name__ == "__main__":
    OUT.write_bytes(ico())
    print(f"{OUT}: {OUT.stat().st_size} bytes")
