"""Upload and download one large file through the ``ftrack.server`` location.

Starts ``ftrack-server serve`` in a subprocess (file database, component data on disk
in a temporary directory), writes a file of ``--size`` bytes, then:

* upload: ``session.create_component(path, location=server_location)``;
* download: adding the component from the server location to a disk location.

Prints the throughput each way, the client's tracemalloc peak and peak resident set,
and the server process's peak resident set (Linux, from ``/proc``). Transfers stream
in chunks, so every peak should stay far below the file size (the target: 100 MB).

Run: ``.venv/bin/python benchmarks/transfer.py [--size BYTES] [--keep]``
(default size 1 GiB; sizes accept suffixes: ``256M``, ``1G``).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Optional

import requests

import ftrack_api
import ftrack_api.accessor.disk
import ftrack_api.structure.id
import ftrack_api.symbol

MB = 1_000_000
MIB = 1 << 20
LIMIT = 100 * MB
_SUFFIXES = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str) -> int:
    text = text.strip().upper().rstrip("B").rstrip("I")
    if text and text[-1] in _SUFFIXES:
        return int(float(text[:-1]) * _SUFFIXES[text[-1]])
    return int(text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(directory: Path, api_key: str) -> tuple:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ftrack_server",
            "serve",
            "--db",
            str(directory / "site.sqlite"),
            "--data-dir",
            str(directory / "data"),
            "--port",
            str(port),
            "--api-key",
            api_key,
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("ftrack-server exited during start-up")
        try:
            requests.get(url + "/img/thumbnail2.png", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("ftrack-server did not start within 60 s")


def peak_rss(pid: Optional[int] = None) -> Optional[int]:
    """Peak resident set (VmHWM) in bytes, Linux only."""
    try:
        with open(f"/proc/{pid or 'self'}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    if pid is None:  # elsewhere: ru_maxrss (kilobytes on Linux, bytes on macOS)
        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    return None


def write_file(path: Path, size: int) -> str:
    digest = hashlib.md5()
    block = os.urandom(MIB)
    with open(path, "wb") as stream:
        written = 0
        while written < size:
            chunk = block[: min(MIB, size - written)]
            # Vary every block a little so nothing downstream can deduplicate.
            chunk = written.to_bytes(8, "little") + chunk[8:] if len(chunk) >= 8 else chunk
            digest.update(chunk)
            stream.write(chunk)
            written += len(chunk)
    return digest.hexdigest()


def md5_of(path: str) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(MIB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def megabytes(value: Optional[int]) -> str:
    return "n/a" if value is None else f"{value / MB:,.1f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=1 << 30, help="bytes (default 1G)")
    parser.add_argument("--dir", help="working directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    arguments = parser.parse_args()

    directory = Path(arguments.dir or tempfile.mkdtemp(prefix="ftrack-transfer-"))
    directory.mkdir(parents=True, exist_ok=True)
    api_key = str(uuid.uuid4())
    process, url = start_server(directory, api_key)
    try:
        source = directory / "source.bin"
        print(f"file: {arguments.size:,} bytes ({arguments.size / MIB:,.0f} MiB) in {directory}")
        checksum = write_file(source, arguments.size)

        session = ftrack_api.Session(url, api_key, "admin", plugin_paths=[])
        server = session.get("Location", ftrack_api.symbol.SERVER_LOCATION_ID)
        disk = session.create("Location", {"name": f"benchmark.disk.{uuid.uuid4().hex}"})
        disk.accessor = ftrack_api.accessor.disk.DiskAccessor(prefix=str(directory / "disk"))
        disk.structure = ftrack_api.structure.id.IdStructure()
        session.commit()
        server_baseline = peak_rss(process.pid)

        tracemalloc.start()
        started = time.perf_counter()
        component = session.create_component(str(source), location=server)
        upload_seconds = time.perf_counter() - started
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()

        started = time.perf_counter()
        disk.add_component(component, server)
        download_seconds = time.perf_counter() - started
        _, download_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        copy = disk.get_filesystem_path(component)
        identical = md5_of(copy) == checksum
        server_peak = peak_rss(process.pid)
        client_peak = peak_rss()
        session.close()
    finally:
        process.terminate()
        process.wait(timeout=30)

    size = arguments.size
    print(f"upload:   {size / upload_seconds / MB:8.1f} MB/s ({upload_seconds:.1f} s)")
    print(f"download: {size / download_seconds / MB:8.1f} MB/s ({download_seconds:.1f} s)")
    print(f"data identical after the round trip: {identical}")
    print(
        f"client tracemalloc peak: upload {megabytes(upload_peak)}, "
        f"download {megabytes(download_peak)}"
    )
    print(f"client peak resident set: {megabytes(client_peak)}")
    print(
        f"server peak resident set: {megabytes(server_peak)} "
        f"(after start-up: {megabytes(server_baseline)})"
    )
    peaks = [upload_peak, download_peak, client_peak, server_peak]
    within = all(peak is None or peak < LIMIT for peak in peaks)
    print(f"all peaks under {LIMIT // MB} MB: {within}")

    if not arguments.keep and not arguments.dir:
        import shutil

        shutil.rmtree(directory, ignore_errors=True)
    return 0 if identical and within else 1


if __name__ == "__main__":
    sys.exit(main())
