"""Cover images: decoded and re-encoded with Pillow, stored by content hash.

Re-encoding drops every piece of metadata (EXIF with GPS positions, comments, ICC tricks) and
anything appended to the file; the size is bounded so a 20000x20000 image cannot be served.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding them
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class BadImage(ValueError):
    """Not a JPEG, PNG or WebP that decodes."""


@dataclass(frozen=True)
class Cover:
    data: bytes
    format: str  # JPEG | PNG | WEBP

    @property
    def mime(self) -> str:
        return FORMATS[self.format]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise BadImage("the image has too many pixels")
            image.load()
        except BadImage:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError, Warning) as exc:
            raise BadImage("not a JPEG, PNG or WebP image") from exc
        except Exception as exc:  # truncated or corrupt: decoders raise all kinds of errors
            raise BadImage("the image could not be decoded") from exc
    return image


def reencode(data: bytes) -> Cover:
    """Decode `data` and encode it afresh in its own format, without metadata, bounded in size."""
    image = _open(data)
    fmt = image.format or "PNG"
    try:
        return Cover(_encode(image, fmt), fmt)
    except Exception as exc:  # an odd mode or corrupt EXIF: still the upload's fault
        raise BadImage("the image could not be re-encoded") from exc


def _encode(image: Image.Image, fmt: str) -> bytes:
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF we drop described
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if fmt == "JPEG":
        image = image.convert("RGB")
    elif fmt == "PNG":
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    image.info = {}  # some encoders copy EXIF, XMP or ICC from here: nothing to copy
    out = io.BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}
    image.save(out, fmt, **options.get(fmt, {"optimize": True}))
    return out.getvalue()


class CoverStore:
    """Files named by their hash under one directory (a shared volume in Swarm)."""

    def __init__(self, directory: str) -> None:
        self.root = Path(directory)

    def path(self, sha256: str, fmt: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.{fmt.lower()}"

    def save(self, cover: Cover) -> str:
        """Write atomically (temp file + rename); the same image is stored once."""
        target = self.path(cover.sha256, cover.format)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(cover.data)
            os.replace(temp, target)
        return cover.sha256
