"""Large files stream through the server in chunks: memory does not grow with size."""

from __future__ import annotations

import hashlib
import tracemalloc

import requests

from .conftest import new_id, upload_metadata

SIZE = 64 * 1024 * 1024
MEMORY_LIMIT = 16 * 1024 * 1024


def _write_file(path, size: int) -> str:
    digest = hashlib.md5()
    block = bytes(range(256)) * 4096  # 1 MiB
    with path.open("wb") as stream:
        for index in range(size // len(block)):
            chunk = index.to_bytes(4, "big") + block[4:]
            stream.write(chunk)
            digest.update(chunk)
    return digest.hexdigest()


def test_a_large_file_uploads_and_downloads_with_bounded_memory(api, ftrack_server, tmp_path):
    source = tmp_path / "large.bin"
    expected = _write_file(source, SIZE)
    component_id = new_id()
    metadata = upload_metadata(api, component_id, "large.bin", SIZE)
    credentials = {"username": ftrack_server.api_user, "apiKey": ftrack_server.api_key}

    tracemalloc.start()
    try:
        with source.open("rb") as stream:  # as the Python client sends it
            response = requests.put(
                metadata["url"], data=stream, headers=metadata["headers"], timeout=300
            )
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == f'"{expected}"'

        digest, received = hashlib.md5(), 0
        with requests.get(
            ftrack_server.url + "/component/get",
            params={"id": component_id, **credentials},
            stream=True,
            timeout=300,
        ) as download:
            assert download.status_code == 200
            for chunk in download.iter_content(1024 * 1024):
                digest.update(chunk)
                received += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert received == SIZE
    assert digest.hexdigest() == expected
    # Client and server share this process: a whole-file buffer anywhere would show.
    assert peak < MEMORY_LIMIT, f"peak {peak / 2**20:.1f} MiB while moving {SIZE / 2**20} MiB"
