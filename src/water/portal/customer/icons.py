"""Draw the installable app's icons: the white IndoWater drop on the brand water blue.

Standard library only (zlib + struct). Run ``python -m water.portal.customer.icons`` to
write the PNGs into ``static/water_portal/icons/``; they are kept in the repository.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

BLUE = (0x0A, 0x75, 0xB5)  # --water in app.css
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 4  # per axis: 16 samples a pixel smooth the edges
OUT = Path(__file__).resolve().parent.parent / "static" / "water_portal" / "icons"


def _in_drop(x: float, y: float) -> bool:
    """The favicon's drop on a 32-unit grid: a circle and the two tangents from its tip."""
    cx, cy, r, tip = 16.0, 18.6, 7.4, 4.6
    if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
        return True
    d = cy - tip
    touch_y = cy - r * r / d  # where the tangents from the tip meet the circle
    touch_half: float = r * (1 - (r / d) ** 2) ** 0.5
    if tip <= y <= touch_y:
        return abs(x - cx) <= touch_half * (y - tip) / (touch_y - tip)
    return False


def _in_rounded_square(x: float, y: float, radius: float) -> bool:
    nx, ny = min(max(x, radius), 32 - radius), min(max(y, radius), 32 - radius)
    return (x - nx) ** 2 + (y - ny) ** 2 <= radius * radius


def _pixel(px: int, py: int, size: int, *, maskable: bool, rounded: bool) -> tuple[int, ...]:
    scale = 32 / size
    # A maskable icon keeps its drawing inside the central 80 % safe zone.
    shrink = 0.72 if maskable else 1.0
    bg = ink = 0
    for sy in range(SAMPLES):
        for sx in range(SAMPLES):
            x = (px + (sx + 0.5) / SAMPLES) * scale
            y = (py + (sy + 0.5) / SAMPLES) * scale
            if rounded and not _in_rounded_square(x, y, 7.0):
                continue
            bg += 1
            if _in_drop(16 + (x - 16) / shrink, 16.6 + (y - 16.6) / shrink):
                ink += 1
    total = SAMPLES * SAMPLES
    if bg == 0:
        return (0, 0, 0, 0)
    colour = tuple(round((b * (bg - ink) + w * ink) / bg) for b, w in zip(BLUE, WHITE, strict=True))
    return (*colour, round(255 * bg / total))


def png(size: int, *, maskable: bool = False, rounded: bool = True) -> bytes:
    """An RGBA PNG of the icon, `size` pixels square."""
    rows = bytearray()
    for py in range(size):
        rows.append(0)  # no filter
        for px in range(size):
            rows.extend(_pixel(px, py, size, maskable=maskable, rounded=rounded))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


ICONS = {
    "icon-192.png": (192, False, True),
    "icon-512.png": (512, False, True),
    "maskable-192.png": (192, True, False),
    "maskable-512.png": (512, True, False),
    "apple-touch-icon.png": (180, False, False),
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (size, maskable, rounded) in ICONS.items():
        (OUT / name).write_bytes(png(size, maskable=maskable, rounded=rounded))


if __name__ == "__main__":
    main()
