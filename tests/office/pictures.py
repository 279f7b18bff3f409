"""Picture and document bytes for upload tests, made in memory."""

import io
import struct
import zlib

from PIL import Image


def picture(fmt="JPEG", size=(40, 20), **save):
    """An image whose left half is red and right half blue, so rotation shows."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_gps_and_rotation(size=(40, 20)):
    """A JPEG carrying EXIF GPS coordinates and orientation 6 (rotate 90° clockwise)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (18.0, 48.0, 30.0)
    gps[3] = "E"
    gps[4] = (99.0, 54.0, 0.0)
    return picture("JPEG", size=size, exif=exif.tobytes())


def _chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png_bomb_header(width=60_000, height=60_000):
    """A tiny PNG whose header claims billions of pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
