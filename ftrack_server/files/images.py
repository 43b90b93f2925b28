"""Thumbnail images: scaling with Pillow when it is installed, and the placeholder.

Pillow is not a dependency of the server. Without it thumbnails are served at their
uploaded size, which every client accepts (they only display the image).
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Optional, Tuple

MAX_THUMBNAIL_SIZE = 4096
PLACEHOLDER_SIZE = 64
PLACEHOLDER_GREY = 0xC8

_FORMAT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}


def can_scale() -> bool:
    """Whether Pillow is importable, so thumbnails can be scaled."""
    try:
        import PIL.Image  # noqa: F401
    except ImportError:
        return False
    return True


def scaled(path: Path, size: int) -> Optional[Tuple[bytes, str]]:
    """The image at ``path`` scaled to fit ``size`` x ``size``: (bytes, media type).

    Returns None when Pillow is missing or the data is not an image Pillow reads;
    the caller then serves the data as it is. Images already small enough keep their
    size (thumbnails are never enlarged).
    """
    try:
        from PIL import Image
    except ImportError:
        return None
    size = max(1, min(int(size), MAX_THUMBNAIL_SIZE))
    try:
        with Image.open(path) as image:
            source_format = image.format or "PNG"
            image.thumbnail((size, size))
            output_format = source_format if source_format in _FORMAT_TYPES else "PNG"
            if output_format == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            buffer = io.BytesIO()
            image.save(buffer, format=output_format)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return buffer.getvalue(), _FORMAT_TYPES[output_format]


def placeholder_png(size: int = PLACEHOLDER_SIZE, grey: int = PLACEHOLDER_GREY) -> bytes:
    """A plain grey square PNG, written without any imaging library."""
    row = b"\x00" + bytes([grey]) * size  # filter type 0, then one byte per pixel
    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(row * size))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)
