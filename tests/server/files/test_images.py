"""Thumbnail images: the placeholder PNG, and scaling that needs Pillow only if present."""

from __future__ import annotations

import struct
import sys
import zlib

import pytest

from ftrack_server.files import images


def _png_chunks(data: bytes) -> list:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (checksum,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert checksum == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        chunks.append((kind, body))
        offset += 12 + length
    return chunks


def test_the_placeholder_is_a_well_formed_grey_png():
    chunks = _png_chunks(images.placeholder_png(size=5, grey=100))
    assert [kind for kind, _body in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (width, height, depth, colour) == (5, 5, 8, 0)
    pixels = zlib.decompress(chunks[1][1])
    assert pixels == (b"\x00" + bytes([100]) * 5) * 5


def test_without_pillow_nothing_is_scaled(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    path = tmp_path / "image.png"
    path.write_bytes(images.placeholder_png())
    assert images.can_scale() is False
    assert images.scaled(path, 10) is None


def test_with_pillow_images_are_scaled_to_fit(tmp_path):
    image_module = pytest.importorskip("PIL.Image")
    path = tmp_path / "wide.png"
    image_module.new("RGB", (400, 100), (255, 0, 0)).save(path)
    content, media_type = images.scaled(path, 40)
    assert media_type == "image/png"
    path.with_name("small.png").write_bytes(content)
    with image_module.open(path.with_name("small.png")) as small:
        assert small.size == (40, 10)
    # Never enlarged; data that is not an image is left to the caller.
    content, _media_type = images.scaled(path, 1000)
    path.with_name("same.png").write_bytes(content)
    with image_module.open(path.with_name("same.png")) as same:
        assert same.size == (400, 100)
    path.with_name("text.png").write_bytes(b"not an image")
    assert images.scaled(path.with_name("text.png"), 10) is None
