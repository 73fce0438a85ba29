"""The backup file: a zstd-compressed tar stream, encrypted with AES-256-GCM when
BACKUP_KEY is set, read and written as streams with bounded memory.

Layout of a file:

    GYMSITE-BACKUP\\n                 magic
    {"format": 1, ...}\\n             header (JSON, one line): compression, encryption
    body                             zstd(tar) — or, encrypted, a sequence of frames
                                     [4-byte big-endian length][AES-GCM ciphertext + tag]

Encryption is the STREAM construction: the compressed stream is cut into 1 MiB chunks,
each sealed with the key, a nonce of (random 7-byte prefix, 4-byte counter, 1-byte
"last" flag) and the header line as associated data. A changed byte fails the chunk's
tag; dropped, repeated or reordered chunks fail their nonce; a cut-off file lacks the
last flag. Nothing decrypted is used before its tag is checked.

Inside the tar: members in the order written, and `manifest.json` last, which lists every
member's size and SHA-256 (and the backup's versions and row counts). The catalog keeps
the SHA-256 of the whole file.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import io
import json
import os
import struct
import tarfile
from collections.abc import Iterator
from typing import IO, Any

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"GYMSITE-BACKUP\n"
FORMAT_VERSION = 1
CHUNK = 1 << 20
TAG = 16
MANIFEST = "manifest.json"
READ_BLOCK = 1 << 16
MAX_HEADER = 4096


class ArchiveError(Exception):
    """The file is not a readable backup: corrupted, cut off, wrong key, bad manifest."""


def backup_key() -> bytes | None:
    """BACKUP_KEY decoded (32 bytes), or None when backups are not encrypted."""
    encoded = (settings.BACKUP_KEY or "").strip()
    if not encoded:
        return None
    try:
        key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("BACKUP_KEY is not urlsafe base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("BACKUP_KEY must be 32 bytes (urlsafe base64)")
    return key


def key_id(key: bytes) -> str:
    # Names the key without revealing it, so a wrong key is told apart from a corrupt file.
    return hashlib.sha256(b"gymsite-backup-key-id" + key).hexdigest()[:16]


# --- Writing ----------------------------------------------------------------------------


class _HashingFile(io.RawIOBase):
    """Writes through to `raw`, counting bytes and hashing them."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        data = bytes(data)
        self.raw.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


class _Encrypting(io.RawIOBase):
    def __init__(self, out: IO[bytes], key: bytes, aad: bytes, prefix: bytes):
        self.out, self.aead, self.aad, self.prefix = out, AESGCM(key), aad, prefix
        self.buffer = bytearray()
        self.counter = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.buffer += data
        while len(self.buffer) > CHUNK:  # keep one chunk back: the last one is flagged
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        nonce = self.prefix + struct.pack(">IB", self.counter, 1 if last else 0)
        sealed = self.aead.encrypt(nonce, chunk, self.aad)
        self.out.write(struct.pack(">I", len(sealed)) + sealed)
        self.counter += 1

    def finish(self) -> None:
        self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()


class _MemberHash(io.RawIOBase):
    """A readable file that hashes what tarfile reads from it."""

    def __init__(self, source: IO[bytes]):
        self.source = source
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.source.read(len(buffer))
        self.sha256.update(data)
        buffer[: len(data)] = data
        return len(data)


class ArchiveWriter:
    """Write members to a backup file; `close()` appends the manifest and returns the
    file's (size, sha256)."""

    def __init__(self, path: str | os.PathLike, *, key: bytes | None):
        self.file = open(path, "xb")  # noqa: SIM115 (closed in close() or abort())
        header: dict[str, Any] = {"format": FORMAT_VERSION, "compression": "zstd", "encryption": None}
        prefix = os.urandom(7)
        if key is not None:
            header["encryption"] = {
                "algorithm": "AES-256-GCM",
                "key_id": key_id(key),
                "chunk_size": CHUNK,
                "nonce_prefix": base64.b64encode(prefix).decode(),
            }
        header_line = json.dumps(header, sort_keys=True).encode() + b"\n"
        self.hashing = _HashingFile(self.file)
        self.hashing.write(MAGIC + header_line)
        self.encrypting = _Encrypting(self.hashing, key, MAGIC + header_line, prefix) if key else None
        sink = self.encrypting or self.hashing
        self.compressor = zstandard.ZstdCompressor(level=3, threads=0).stream_writer(sink, closefd=False)
        self.tar = tarfile.open(fileobj=self.compressor, mode="w|", format=tarfile.PAX_FORMAT)  # noqa: SIM115 (closed in close())
        self.members: dict[str, dict[str, Any]] = {}

    def add_bytes(self, name: str, data: bytes) -> dict[str, Any]:
        return self.add_stream(name, io.BytesIO(data), len(data))

    def add_stream(self, name: str, source: IO[bytes], size: int, mtime: float = 0) -> dict[str, Any]:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(mtime)
        info.mode = 0o600
        hashed = _MemberHash(source)
        self.tar.addfile(info, hashed)
        entry = {"size": size, "sha256": hashed.sha256.hexdigest()}
        self.members[name] = entry
        return entry

    def close(self, manifest: dict[str, Any]) -> tuple[int, str]:
        manifest = {**manifest, "format": FORMAT_VERSION, "members": self.members}
        self.add_bytes(MANIFEST, json.dumps(manifest, sort_keys=True, default=str).encode())
        self.tar.close()
        self.compressor.flush(zstandard.FLUSH_FRAME)
        self.compressor.close()
        if self.encrypting:
            self.encrypting.finish()
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        return self.hashing.size, self.hashing.sha256.hexdigest()

    def abort(self) -> None:
        try:
            self.file.close()
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.file.name)


class ChunkedMember:
    """Collects a stream of bytes (a table's rows) into members of at most `limit` bytes,
    `<prefix>/000001`, `<prefix>/000002`…: memory stays bounded by one chunk, whatever the
    table's size, and tar learns each member's size before it is written."""

    def __init__(self, writer: ArchiveWriter, prefix: str, limit: int = 8 << 20):
        self.writer, self.prefix, self.limit = writer, prefix, limit
        self.buffer = bytearray()
        self.names: list[str] = []

    def write(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) >= self.limit:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            name = f"{self.prefix}/{len(self.names) + 1:06d}"
            self.writer.add_bytes(name, bytes(self.buffer))
            self.names.append(name)
            self.buffer.clear()


# --- Reading ----------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        self.sha256.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)

    def read_exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = self.read(n - len(data))
            if not part:
                break
            data += part
        return data


class _Decrypting(io.RawIOBase):
    def __init__(self, source: _HashingReader, key: bytes, aad: bytes, prefix: bytes):
        self.source, self.aead, self.aad, self.prefix = source, AESGCM(key), aad, prefix
        self.counter = 0
        self.pending = b""
        self.done = False

    def readable(self) -> bool:
        return True

    def _next(self) -> None:
        length_bytes = self.source.read_exact(4)
        if len(length_bytes) < 4:
            raise ArchiveError("the file is cut off (no last chunk)")
        (length,) = struct.unpack(">I", length_bytes)
        if length < TAG or length > CHUNK + TAG:
            raise ArchiveError("a chunk of the file has an impossible length")
        sealed = self.source.read_exact(length)
        if len(sealed) < length:
            raise ArchiveError("the file is cut off")
        for last in (False, True):
            nonce = self.prefix + struct.pack(">IB", self.counter, 1 if last else 0)
            try:
                self.pending = self.aead.decrypt(nonce, sealed, self.aad)
            except InvalidTag:
                continue
            self.counter += 1
            if last:
                if self.source.read(1):
                    raise ArchiveError("data after the last chunk")
                self.done = True
            return
        raise ArchiveError(f"chunk {self.counter} fails its authentication tag (corrupted or altered)")

    def readinto(self, buffer) -> int:
        while not self.pending and not self.done:
            self._next()
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


class ArchiveReader:
    """Read a backup file as a stream of tar members, checking as it goes: every member
    against the manifest's SHA-256, the whole file against `expected_sha256`."""

    def __init__(self, path: str | os.PathLike, *, expected_sha256: str | None = None):
        self.path = path
        self.expected_sha256 = expected_sha256

    def _open(self):
        raw = open(self.path, "rb")  # noqa: SIM115 (closed in members())
        hashing = _HashingReader(raw)
        magic = hashing.read_exact(len(MAGIC))
        if magic != MAGIC:
            raw.close()
            raise ArchiveError("not a gymsite backup file")
        header_line = b""
        while not header_line.endswith(b"\n"):
            byte = hashing.read(1)
            if not byte or len(header_line) > MAX_HEADER:
                raw.close()
                raise ArchiveError("the file's header is damaged")
            header_line += byte
        try:
            header = json.loads(header_line)
        except ValueError as exc:
            raw.close()
            raise ArchiveError("the file's header is damaged") from exc
        if header.get("format") != FORMAT_VERSION or header.get("compression") != "zstd":
            raw.close()
            raise ArchiveError(f"unknown backup format {header.get('format')!r}")
        body: IO[bytes] = hashing
        encryption = header.get("encryption")
        if encryption:
            key = backup_key()
            if key is None:
                raw.close()
                raise ArchiveError("the backup is encrypted and BACKUP_KEY is not set")
            if key_id(key) != encryption.get("key_id"):
                raw.close()
                raise ArchiveError("the backup was encrypted with another BACKUP_KEY")
            prefix = base64.b64decode(encryption["nonce_prefix"])
            body = _Decrypting(hashing, key, MAGIC + header_line, prefix)
        decompressed = zstandard.ZstdDecompressor().stream_reader(body, read_across_frames=True, closefd=False)
        return raw, hashing, header, decompressed

    def members(self) -> Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]:
        """Yield (info, stream) for each member but the manifest, then check the manifest
        and the file's checksum. A member's stream must be read before the next one; the
        data it yields is checked against the manifest only at the end, so a caller that
        writes it must be able to roll back (restore runs in one transaction)."""
        raw, hashing, self.header, decompressed = self._open()
        seen: dict[str, dict[str, Any]] = {}
        manifest = None
        try:
            try:
                tar = tarfile.open(fileobj=decompressed, mode="r|")  # noqa: SIM115 (a stream over raw, closed below)
                for info in tar:
                    if not info.isfile():
                        raise ArchiveError(f"unexpected entry {info.name!r}")
                    source = tar.extractfile(info)
                    if info.name == MANIFEST:
                        manifest = json.loads(source.read())
                        continue
                    if manifest is not None:
                        raise ArchiveError("members after the manifest")
                    hashed = _MemberHash(source)
                    yield info, hashed
                    while hashed.read(READ_BLOCK):  # what the caller left unread
                        pass
                    seen[info.name] = {"size": info.size, "sha256": hashed.sha256.hexdigest()}
                # Drain: zstd and the cipher see the whole body, so trailing bytes count.
                while decompressed.read(READ_BLOCK):
                    pass
                while hashing.read(READ_BLOCK):
                    pass
            except (tarfile.TarError, zstandard.ZstdError, ValueError, EOFError, OSError) as exc:
                raise ArchiveError(f"the archive cannot be read: {exc}") from exc
            if manifest is None:
                raise ArchiveError("the archive has no manifest")
            if manifest.get("members") != seen:
                raise ArchiveError("a member of the archive does not match its manifest checksum")
            self.manifest = manifest
            digest = hashing.sha256.hexdigest()
            if self.expected_sha256 and digest != self.expected_sha256:
                raise ArchiveError("the file's SHA-256 does not match the catalog")
            self.sha256, self.size = digest, hashing.size
        finally:
            raw.close()

    def verify(self) -> dict[str, Any]:
        """Read the whole file; return its manifest or raise ArchiveError."""
        for _info, stream in self.members():
            while stream.read(READ_BLOCK):
                pass
        return self.manifest


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(READ_BLOCK):
            digest.update(block)
    return digest.hexdigest()
