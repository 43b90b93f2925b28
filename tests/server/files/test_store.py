"""Component data on disk: atomic writes, streaming reads, removal and multipart joins."""

from __future__ import annotations

import hashlib
import os

import pytest

from ftrack_server.files.store import (
    CHUNK_SIZE,
    FileStore,
    IntegrityError,
    UploadNotFound,
)

from .conftest import md5_base64


@pytest.fixture
def store(tmp_path) -> FileStore:
    return FileStore(str(tmp_path / "data"))


def _incoming(store: FileStore) -> list:
    return list((store.root / "incoming").iterdir())


def test_written_data_reads_back_in_chunks(store):
    data = os.urandom(CHUNK_SIZE * 2 + 123)
    assert store.write("c1", [data[:1000], data[1000:]]) == len(data)
    chunks = list(store.read("c1"))
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, CHUNK_SIZE, 123]
    assert b"".join(chunks) == data
    assert store.exists("c1")


def test_data_appears_only_when_the_writer_commits(store):
    store.write("c1", [b"old"])
    with store.writer("c1") as writer:
        writer.write(b"new data")
        assert store.path("c1").read_bytes() == b"old"
        assert len(_incoming(store)) == 1
        writer.commit()
    assert store.path("c1").read_bytes() == b"new data"
    assert _incoming(store) == []


def test_a_failed_write_leaves_the_old_data_and_no_temporary_file(store):
    store.write("c1", [b"old"])
    with pytest.raises(RuntimeError), store.writer("c1") as writer:
        writer.write(b"half")
        raise RuntimeError("connection lost")
    assert store.path("c1").read_bytes() == b"old"
    assert _incoming(store) == []


def test_a_write_never_committed_leaves_nothing(store):
    with store.writer("c2") as writer:
        writer.write(b"abandoned")
    assert not store.exists("c2")
    assert _incoming(store) == []


def test_writers_check_the_announced_size_and_checksum(store):
    with store.writer("c1") as writer:
        writer.write(b"payload")
        writer.check(size=7, md5_base64=md5_base64(b"payload"))
        with pytest.raises(IntegrityError, match="7 bytes but 8"):
            writer.check(size=8)
        with pytest.raises(IntegrityError, match="MD5"):
            writer.check(md5_base64=md5_base64(b"other"))
    assert writer.md5_hex == hashlib.md5(b"payload").hexdigest()
    assert not store.exists("c1")


def test_remove_reports_whether_there_was_data(store):
    store.write("c1", [b"x"])
    assert store.remove("c1") is True
    assert not store.exists("c1")
    assert store.remove("c1") is False
    with pytest.raises(FileNotFoundError):
        list(store.read("c1"))


@pytest.mark.parametrize("component_id", ["../../escape", "/etc/passwd", "a/b", "..", ".x", ""])
def test_any_id_maps_to_a_file_inside_the_store(store, component_id):
    path = store.path(component_id)
    assert path.resolve().is_relative_to((store.root / "components").resolve())
    store.write(component_id, [b"inside"])
    assert b"".join(store.read(component_id)) == b"inside"


def test_distinct_ids_never_share_a_file(store):
    ids = ["abc", "ABC", "a/bc", "ab/c", "../abc", "_abc"]
    # ... not even on a file system that ignores case.
    assert len({str(store.path(component_id)).lower() for component_id in ids}) == len(ids)


def test_adopt_copies_an_outside_file_in(store, tmp_path):
    source = tmp_path / "out.mp4"
    source.write_bytes(b"video")
    assert store.adopt("c1", source) == 5
    assert store.path("c1").read_bytes() == b"video"
    assert source.read_bytes() == b"video"
    assert _incoming(store) == []


def test_adopt_moves_a_file_from_a_scratch_directory(store):
    source = store.scratch_directory() / "out.jpg"
    source.write_bytes(b"still")
    assert store.adopt("c1", source) == 5
    assert store.path("c1").read_bytes() == b"still"
    assert not source.exists()


def test_leftovers_of_a_crashed_run_are_swept_on_start(tmp_path):
    store = FileStore(str(tmp_path / "data"))
    writer = store.writer("c1")
    writer.write(b"half written")  # the process dies here
    store.scratch_directory()
    assert len(_incoming(store)) == 2
    FileStore(str(tmp_path / "data"))
    assert _incoming(store) == []


def test_without_a_directory_the_store_uses_a_temporary_one():
    store = FileStore()
    root = store.root
    store.write("c1", [b"x"])
    assert root.is_dir()
    store._temporary.cleanup()
    assert not root.exists()


# -- multipart ---------------------------------------------------------------------------


def _put_part(store, component_id, upload_id, number, data) -> str:
    with store.part_writer(component_id, upload_id, number) as writer:
        writer.write(data)
        writer.commit()
    return f'"{writer.md5_hex}"'


def test_parts_are_joined_in_part_order(store):
    upload_id = store.start_upload("c1")
    tags = {}
    for number, data in ((3, b"three"), (1, b"one-"), (2, b"two-")):
        tags[number] = _put_part(store, "c1", upload_id, number, data)
    size = store.complete_upload("c1", upload_id, [(2, tags[2]), (3, tags[3]), (1, tags[1])])
    assert size == len(b"one-two-three")
    assert store.path("c1").read_bytes() == b"one-two-three"
    with pytest.raises(UploadNotFound):  # the upload is finished and forgotten
        store.complete_upload("c1", upload_id, [(1, tags[1])])


def test_a_reuploaded_part_replaces_the_earlier_one(store):
    upload_id = store.start_upload("c1")
    _put_part(store, "c1", upload_id, 1, b"first try")
    tag = _put_part(store, "c1", upload_id, 1, b"second")
    store.complete_upload("c1", upload_id, [(1, tag.strip('"'))])
    assert store.path("c1").read_bytes() == b"second"


def test_completion_checks_every_part_and_stores_nothing_on_mismatch(store):
    upload_id = store.start_upload("c1")
    tag = _put_part(store, "c1", upload_id, 1, b"one")
    with pytest.raises(IntegrityError, match="Part 2"):
        store.complete_upload("c1", upload_id, [(1, tag), (2, tag)])
    with pytest.raises(IntegrityError, match="ETag"):
        store.complete_upload("c1", upload_id, [(1, '"0123456789abcdef0123456789abcdef"')])
    with pytest.raises(IntegrityError, match="at least one"):
        store.complete_upload("c1", upload_id, [])
    assert not store.exists("c1")


@pytest.mark.parametrize("upload_id", ["nope", "0" * 32, "../../components"])
def test_unknown_uploads_are_refused(store, upload_id):
    with pytest.raises(UploadNotFound):
        store.part_writer("c1", upload_id, 1)


def test_an_upload_belongs_to_its_component(store):
    upload_id = store.start_upload("c1")
    with pytest.raises(UploadNotFound, match="not for component"):
        store.part_writer("c2", upload_id, 1)
