"""Cover images: decoded and re-encoded with Pillow, stored by content hash.

Re-encoding drops every piece of metadata (EXIF with GPS positions, comments, ICC tricks) and
anything appended to the file; the size is bounded so a 20000x20000 image cannot be served.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1600
# Decoded size bounds, checked on the header before any pixel is decoded. A JPEG is decoded
# already scaled down by its DCT (draft mode), so a 100 Mpx photo costs a few MB; a PNG or
# WebP is decoded whole: 16 Mpx is 64 MB as RGBA.
MAX_JPEG_PIXELS = 100_000_000
MAX_PIXELS = 16_000_000
# Uploads decoded at once per process: with the bounds above a burst holds at most
# 2 x ~130 MB (a decoded image plus its converted copy), well inside the 512 MB limit.
DECODE_SLOTS = threading.BoundedSemaphore(2)
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# What an upload is stored as: a multi-picture JPEG (MPO, from phones and 3D cameras) is a JPEG
# whose first picture is kept; anything else keeps its own served format.
STORED_AS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}


class BadImage(ValueError):
    """Not a JPEG, PNG or WebP that decodes."""


@dataclass(frozen=True)
class Cover:
    data: bytes
    format: str  # JPEG | PNG | WEBP, always one of FORMATS

    @property
    def mime(self) -> str:
        return FORMATS[self.format]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _open(data: bytes) -> Image.Image:
    """The first frame, decoded within the size bounds, or BadImage."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
            limit = MAX_JPEG_PIXELS if image.format in ("JPEG", "MPO") else MAX_PIXELS
            if image.width * image.height > limit:
                raise BadImage("the image has too many pixels")
            image.seek(0)  # animated WebP/PNG, multi-picture JPEG: the first picture only
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale
            image.load()
        except BadImage:
            raise
        except (UnidentifiedImageError, Image.DecompressionBombError, Warning) as exc:
            raise BadImage("not a JPEG, PNG or WebP image") from exc
        except Exception as exc:  # truncated or corrupt: decoders raise all kinds of errors
            raise BadImage("the image could not be decoded") from exc
    return image


def reencode(data: bytes) -> Cover:
    """Decode `data` and encode it afresh as a served format, without metadata, bounded."""
    with DECODE_SLOTS:
        image = _open(data)
        fmt = STORED_AS.get(image.format or "", "PNG")
        try:
            return Cover(_encode(image, fmt), fmt)
        except Exception as exc:  # an odd mode or corrupt EXIF: still the upload's fault
            raise BadImage("the image could not be re-encoded") from exc


def _encode(image: Image.Image, fmt: str) -> bytes:
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF we drop described
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    image = _displayable(image, alpha=fmt != "JPEG")
    image.info = {}  # some encoders copy EXIF, XMP or ICC from here: nothing to copy
    out = io.BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True}, "WEBP": {"quality": 85}}
    image.save(out, fmt, **options.get(fmt, {"optimize": True}))
    return out.getvalue()


def _displayable(image: Image.Image, *, alpha: bool) -> Image.Image:
    """8-bit RGB, or RGBA where the format keeps transparency and the image has some: CMYK,
    16-bit and 32-bit greyscale, palettes and the rest are converted here."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):  # 16/32-bit: scale to 8 bits
        high = max(1.0, float(image.getextrema()[1] or 1))  # type: ignore[index, arg-type]
        image = image.convert("F").point(lambda v: v * 255.0 / high).convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La") or "transparency" in image.info
    return image.convert("RGBA" if alpha and has_alpha else "RGB")


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
