"""Tests for ftrack_api.data: the file-like wrappers used to move component data."""

from __future__ import annotations

import io
import os

import pytest

import ftrack_api.data
from ftrack_api.symbol import CHUNK_SIZE


class MemoryData(ftrack_api.data.Data):
    """Smallest concrete Data: keeps written content in a list and counts flushes."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list = []
        self.flushes = 0

    def read(self, limit=None):
        return b"".join(self.written)

    def write(self, content):
        self.written.append(content)

    def flush(self):
        self.flushes += 1


class ReadAheadStream(io.RawIOBase):
    """A stream whose reads fetch ahead, like a buffered file without position syncing.

    Reading moves the underlying position past what the caller received; only ``seek``
    puts it back where ``tell`` says it is. Writing without that seek would land after the
    read-ahead block.
    """

    block = 4

    def __init__(self, content: bytes) -> None:
        self.content = bytearray(content)
        self.raw_position = 0
        self.position = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def read(self, limit=-1):
        if limit is None or limit < 0:
            limit = len(self.content) - self.position
        end = self.position + limit
        self.raw_position = min(len(self.content), max(end, self.position + self.block))
        result = bytes(self.content[self.position : end])
        self.position = min(end, len(self.content))
        return result

    def write(self, data):
        self.content[self.raw_position : self.raw_position + len(data)] = data
        self.raw_position += len(data)
        self.position = self.raw_position
        return len(data)

    def seek(self, offset, whence=0):
        self.raw_position = self.position = offset
        return offset

    def tell(self):
        return self.position


# Data --------------------------------------------------------------------------------------


def test_data_is_abstract():
    with pytest.raises(TypeError):
        ftrack_api.data.Data()


def test_data_starts_open():
    assert MemoryData().closed is False


def test_data_close_flushes_once_and_marks_closed():
    data = MemoryData()
    data.close()
    assert data.closed is True
    assert data.flushes == 1

    data.close()
    assert data.flushes == 1


def test_data_default_flush_does_nothing():
    class Plain(ftrack_api.data.Data):
        def read(self, limit=None):
            return b""

        def write(self, content):
            pass

    data = Plain()
    assert data.flush() is None
    data.close()
    assert data.closed is True


def test_data_seek_is_unsupported_by_default():
    with pytest.raises(NotImplementedError, match=r"^Seek not supported\.$"):
        MemoryData().seek(0)


def test_data_tell_is_unsupported_by_default():
    with pytest.raises(NotImplementedError, match=r"^Tell not supported\.$"):
        MemoryData().tell()


# FileWrapper -------------------------------------------------------------------------------


def test_file_wrapper_reads_with_and_without_limit():
    wrapper = ftrack_api.data.FileWrapper(io.BytesIO(b"abcdef"))
    assert wrapper.read(2) == b"ab"
    assert wrapper.tell() == 2
    assert wrapper.read() == b"cdef"
    assert wrapper.read(10) == b""


def test_file_wrapper_write_seek_and_tell_act_on_wrapped_file():
    wrapped = io.BytesIO()
    wrapper = ftrack_api.data.FileWrapper(wrapped)
    wrapper.write(b"hello world")
    assert wrapper.tell() == 11

    wrapper.seek(6)
    assert wrapper.read() == b"world"
    wrapper.seek(-5, os.SEEK_END)
    assert wrapper.read(2) == b"wo"
    assert wrapped.getvalue() == b"hello world"


def test_file_wrapper_write_after_read_lands_at_read_position():
    stream = ReadAheadStream(b"0123456789")
    wrapper = ftrack_api.data.FileWrapper(stream)

    assert wrapper.read(2) == b"01"
    wrapper.write(b"ab")
    wrapper.write(b"cd")

    assert bytes(stream.content) == b"01abcd6789"


def test_file_wrapper_close_closes_wrapped_file():
    wrapped = io.BytesIO(b"data")
    wrapper = ftrack_api.data.FileWrapper(wrapped)
    wrapper.close()
    assert wrapper.closed is True
    assert wrapped.closed is True

    wrapper.close()
    assert wrapper.closed is True


def test_file_wrapper_keeps_wrapped_file():
    wrapped = io.BytesIO()
    assert ftrack_api.data.FileWrapper(wrapped).wrapped_file is wrapped


# File --------------------------------------------------------------------------------------


def test_file_write_then_read_back(tmp_path):
    path = tmp_path / "file.bin"
    data = ftrack_api.data.File(str(path), "wb")
    data.write(b"hello world")
    data.close()
    assert path.read_bytes() == b"hello world"

    data = ftrack_api.data.File(str(path))
    assert data.read(5) == b"hello"
    assert data.read() == b" world"
    data.close()


def test_file_default_mode_is_binary_read(tmp_path):
    path = tmp_path / "file.txt"
    path.write_bytes(b"text")
    data = ftrack_api.data.File(str(path))
    try:
        assert data.read() == b"text"
        with pytest.raises(io.UnsupportedOperation):
            data.write(b"more")
    finally:
        data.close()


def test_file_text_mode_reads_text(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("text", encoding="utf-8")
    data = ftrack_api.data.File(str(path), "r")
    try:
        assert data.read() == "text"
    finally:
        data.close()


def test_file_update_mode_overwrites_after_read(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"hello world")
    data = ftrack_api.data.File(str(path), "r+b")
    assert data.read(5) == b"hello"
    data.write(b"_")
    assert data.tell() == 6
    data.seek(0)
    assert data.read() == b"hello_world"
    data.close()


def test_file_reads_in_chunks(tmp_path):
    path = tmp_path / "large.bin"
    content = os.urandom(CHUNK_SIZE) + b"tail"
    path.write_bytes(content)

    data = ftrack_api.data.File(str(path))
    chunks = []
    while True:
        chunk = data.read(CHUNK_SIZE)
        if not chunk:
            break
        chunks.append(chunk)
    data.close()

    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, 4]
    assert b"".join(chunks) == content


def test_file_missing_path_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        ftrack_api.data.File(str(tmp_path / "missing"))


def test_file_close_closes_the_file(tmp_path):
    path = tmp_path / "file.bin"
    path.write_bytes(b"x")
    data = ftrack_api.data.File(str(path))
    data.close()
    assert data.closed is True
    assert data.wrapped_file.closed is True
    with pytest.raises(ValueError):
        data.read()


# String ------------------------------------------------------------------------------------


def test_string_without_content_is_empty_and_binary():
    data = ftrack_api.data.String()
    assert data.is_binary is True
    assert data.read() == b""
    assert data.tell() == 0


def test_string_with_text_reads_text_from_start():
    data = ftrack_api.data.String("abc")
    assert data.is_binary is False
    assert data.tell() == 0
    assert data.read() == "abc"
    assert data.tell() == 3


def test_string_with_empty_text_is_text():
    assert ftrack_api.data.String("").is_binary is False
    assert ftrack_api.data.String(b"").is_binary is True


def test_string_with_bytes_reads_bytes():
    data = ftrack_api.data.String(b"abc")
    assert data.is_binary is True
    assert data.read() == b"abc"


def test_string_appends_after_reading_to_end():
    data = ftrack_api.data.String("abc")
    data.read()
    data.write("def")
    assert data.tell() == 6
    data.seek(0)
    assert data.read() == "abcdef"


def test_string_writing_text_switches_to_text_reads():
    data = ftrack_api.data.String(b"abc")
    data.read()
    data.write("def")
    assert data.is_binary is False
    data.seek(0)
    assert data.read() == "abcdef"


def test_string_writing_bytes_keeps_text_reads():
    data = ftrack_api.data.String("abc")
    data.write(b"xy")
    assert data.is_binary is False
    data.seek(0)
    assert data.read() == "xyc"


def test_string_without_content_written_with_text_reads_text():
    data = ftrack_api.data.String()
    data.write("hi")
    data.seek(0)
    assert data.read() == "hi"


def test_string_stores_text_as_utf8_and_limit_counts_bytes():
    data = ftrack_api.data.String("héllo")
    assert data.read(3) == "hé"
    assert data.tell() == 3
    assert data.read() == "llo"

    data.seek(0)
    data.is_binary = True
    assert data.read() == "héllo".encode()


def test_string_write_in_middle_overwrites():
    data = ftrack_api.data.String(b"abcdef")
    data.read(2)
    data.write(b"ZZ")
    assert data.tell() == 4
    data.seek(0)
    assert data.read() == b"abZZef"


def test_string_seek_from_end():
    data = ftrack_api.data.String(b"abc")
    data.seek(0, os.SEEK_END)
    assert data.tell() == 3
    data.seek(-1, os.SEEK_END)
    assert data.read() == b"c"


def test_string_read_limits():
    data = ftrack_api.data.String(b"abcdef")
    assert data.read(0) == b""
    assert data.read(2) == b"ab"
    assert data.read(-1) == b"cdef"


def test_string_close():
    data = ftrack_api.data.String(b"abc")
    data.close()
    assert data.closed is True
    with pytest.raises(ValueError):
        data.read()
    with pytest.raises(ValueError):
        data.write(b"x")
    data.close()
    assert data.closed is True


def test_string_rejects_content_that_is_neither_text_nor_bytes():
    with pytest.raises(TypeError):
        ftrack_api.data.String(123)
