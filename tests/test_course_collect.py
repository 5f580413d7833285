"""`collect` under size limits: a large file or a zip bomb is skipped and reported, never read whole.

The zips are made of zeros, so that hundreds of megabytes expanded take a few hundred kilobytes on disk.
"""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from corpus.helpers import CH, cli, make_course, submission
from dlgrade.collect import CHUNK, collect, copy_bounded
from dlgrade.course import Course

MB = 1024 * 1024
ZEROS = bytes(MB)


def _zeros_entry(zf: zipfile.ZipFile, name: str, megabytes: int) -> None:
    info = zipfile.ZipInfo(name, (2024, 1, 2, 10, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w") as fh:
        for _ in range(megabytes):
            fh.write(ZEROS)


def _declare_size(path, name: str, size: int) -> None:
    """Make the zip say that entry ``name`` expands to ``size`` bytes (a lie, as a zip bomb tells)."""
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")                                    # end of central directory
    record = struct.unpack("<I", data[end + 16:end + 20])[0]               # first central directory record
    while data[record:record + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack("<HHH", data[record + 28:record + 34])
        if data[record + 46:record + 46 + n].decode() == name:
            data[record + 24:record + 28] = struct.pack("<I", size)          # uncompressed size, central record
            local = struct.unpack("<I", data[record + 42:record + 46])[0]
            data[local + 22:local + 26] = struct.pack("<I", size)            # and in the local header
            path.write_bytes(bytes(data))
            return
        record += 46 + n + m + k
    raise KeyError(name)


class _Counting:
    """Counts what ZipExtFile.read hands out (bytes decompressed for the caller)."""

    def __init__(self, monkeypatch):
        self.total = 0
        original = zipfile.ZipExtFile.read

        def read(fh, n=-1):
            data = original(fh, n)
            self.total += len(data)
            return data
        monkeypatch.setattr(zipfile.ZipExtFile, "read", read)


def _not_collected(root) -> dict[str, str]:
    report = (root / "submitted" / "_collect-report.txt").read_text()
    return {line.split()[2].rstrip(":"): line for line in report.splitlines() if line.startswith("NOT COLLECTED")}


def test_a_zip_bomb_is_stopped_at_its_declared_size_and_reported(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course", chapters=(CH,))
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.writestr(f"ann/{CH}.ipynb", submission("correct").read_bytes())
        _zeros_entry(zf, f"bob/{CH}.ipynb", 64)          # 64 MB of zeros ...
    _declare_size(download, f"bob/{CH}.ipynb", 1000)   # ... said to be 1000 bytes
    assert download.stat().st_size < MB
    counted = _Counting(monkeypatch)
    lines = []
    assert collect(Course.open(root), str(download), out=lines.append, max_file=MB) == 0
    assert counted.total < 2 * MB, f"{counted.total} bytes decompressed: the bomb was not stopped at its size"
    assert (root / "submitted" / "ann" / CH / f"{CH}.ipynb").read_bytes() == submission("correct").read_bytes()
    assert not (root / "submitted" / "bob").exists()
    why = _not_collected(root)[f"bob/{CH}.ipynb"]
    assert "zip bomb" in why and "skipped" in why, why
    assert any(f"bob/{CH}.ipynb" in line and "zip bomb" in line for line in lines), lines   # on screen too
    assert not list((root / "submitted").rglob("*bob*")), "nothing of the bomb may be kept"


def test_a_file_over_the_limit_is_skipped_unread_and_reported(tmp_path, monkeypatch):
    root = make_course(tmp_path / "course", chapters=(CH,))
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as zf:
        zf.writestr(f"ann/{CH}.ipynb", submission("correct").read_bytes())
        _zeros_entry(zf, f"bob/{CH}.ipynb", 101)         # honest, and over the default 100 MB
    counted = _Counting(monkeypatch)
    lines = []
    collect(Course.open(root), str(download), out=lines.append)
    assert counted.total < MB, "the large entry was decompressed although its declared size is over the limit"
    why = _not_collected(root)[f"bob/{CH}.ipynb"]
    assert "101 MB" in why and "per-file limit of 100 MB" in why and "--max-file-mb" in why, why
    assert "1 file(s) NOT collected" in "\n".join(lines) and (root / "submitted" / "ann" / CH).is_dir()
    assert not (root / "submitted" / "_unmatched").exists(), "a file skipped for its size is not copied either"


def test_the_download_limit_stops_the_rest_and_the_command_takes_both_options(tmp_path):
    root = make_course(tmp_path / "course", chapters=(CH,))
    download = tmp_path / "download.zip"
    filler = b" " * (400 * 1024)
    with zipfile.ZipFile(download, "w", compression=zipfile.ZIP_STORED) as zf:
        for student in ("ann", "bob", "cat"):
            zf.writestr(f"{student}/{CH}.ipynb", submission("correct").read_bytes() + filler)
    out = cli(root, "collect", download, "--max-download-mb", "1", "--max-file-mb", "0.5")
    assert sorted(p.name for p in (root / "submitted").iterdir() if not p.name.startswith("_")) == ["ann", "bob"]
    why = _not_collected(root)[f"cat/{CH}.ipynb"]
    assert "download's limit of 1.0 MB" in why and "--max-download-mb" in why, why
    assert f"cat/{CH}.ipynb" in out.stdout


def test_a_folder_download_skips_a_large_file_without_reading_it(tmp_path):
    root = make_course(tmp_path / "course", chapters=(CH,))
    folder = tmp_path / "download"
    (folder / "ann").mkdir(parents=True)
    (folder / "ann" / f"{CH}.ipynb").write_bytes(submission("correct").read_bytes())
    (folder / "bob").mkdir()
    with open(folder / "bob" / f"{CH}.ipynb", "wb") as fh:
        fh.truncate(3 * MB)                              # sparse: no disk used
    collect(Course.open(root), str(folder), out=lambda *_: None, max_file=2 * MB)
    assert "per-file limit of 2.0 MB" in _not_collected(root)[f"bob/{CH}.ipynb"]
    assert (root / "submitted" / "ann" / CH / f"{CH}.ipynb").exists()


class _Endless(io.RawIOBase):
    def __init__(self):
        self.given = 0

    def readable(self):
        return True

    def readinto(self, buf):
        buf[:] = bytes(len(buf))
        self.given += len(buf)
        return len(buf)


@pytest.mark.parametrize("limit", [0, 1, CHUNK - 1, CHUNK, 3 * CHUNK + 7])
def test_copy_bounded_reads_at_most_one_byte_past_the_limit(tmp_path, limit):
    src = _Endless()
    assert copy_bounded(src, tmp_path / "out", limit) is None
    assert src.given <= limit + 1 and not (tmp_path / "out").exists()
    small = io.BytesIO(b"x" * limit)
    assert copy_bounded(small, tmp_path / "ok", limit) == limit and (tmp_path / "ok").stat().st_size == limit
