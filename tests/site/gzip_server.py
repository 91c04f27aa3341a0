"""A local static server that gzips what GitHub Pages gzips, so measured bytes match the host.

Python's ``http.server`` sends every file as it is, which roughly triples the bytes of text,
JavaScript and WebAssembly; Lighthouse and the demo's transfer check must see what a reader's
browser receives. Run as ``python gzip_server.py FOLDER`` to preview the site this way.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

# The content types that GitHub Pages compresses (images and .onnx go as they are).
COMPRESSED_TYPES = ("text/", "javascript", "json", "wasm", "svg", "xml")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files; compressible ones gzipped when the client accepts gzip."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",  # onnxruntime-web's loader is imported as a module
        ".wasm": "application/wasm",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        kind = self.guess_type(str(path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.is_file() and any(t in kind for t in COMPRESSED_TYPES)):
            return super().send_head()
        body = _compressed(path, path.stat().st_mtime_ns)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return _Bytes(body)


class _Bytes:
    """The minimal file object that ``SimpleHTTPRequestHandler`` copies to the socket."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return data

    def close(self) -> None:
        pass


@functools.lru_cache(maxsize=512)
def _compressed(path: Path, mtime_ns: int) -> bytes:
    # Compressed once per file version: the 14 MB runtime would otherwise cost a second a load.
    return gzip.compress(path.read_bytes(), compresslevel=6)


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free local port; yields the base URL."""
    handler = functools.partial(GzipHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1], "index.html").is_file():
        sys.exit("usage: python gzip_server.py BUILT_SITE_FOLDER (the folder with index.html)")
    with serve(Path(sys.argv[1])) as url:
        print(f"serving {sys.argv[1]} with gzip at {url}/ (Ctrl-C stops)")
        threading.Event().wait()
