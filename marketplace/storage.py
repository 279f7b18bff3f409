"""File storage behind one interface: the instance folder, or S3-compatible object storage.

Every stored upload (product photos, claim evidence, transfer slips, drawn cards)
goes through `storage()`: `put`, `put_file`, `read`, `exists`, `delete`,
`delete_prefix`, `public_url` and `signed_url`. `put_file` streams from an open
file (large exports): never the whole file in memory, to a temporary file renamed
into place on disk, or through boto3's managed upload (multipart above 8 MiB) to S3.
The local folder is the default, so the one-command demo needs nothing; with
`S3_BUCKET` set, files live in a bucket every host sees.

Keys are relative paths such as `products/<key>/320.webp`. Keys under a public
prefix (product photos) may be served straight from the bucket or a CDN in front of
it (`S3_PUBLIC_URL`), with long cache headers; everything else (evidence, slips) is
private and reaches a browser only through the app, after its access checks, or
through a short-lived signed link.
"""

import functools
import logging
import os
import posixpath
import secrets
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("products/", "cards/")
LONG_CACHE = "public, max-age=31536000, immutable"
# A private upload (slip, evidence picture) opened on its own: nothing may load or run,
# but the browser's image viewer styles itself inline (Chromium fits a phone photo to the
# screen that way); an image with nosniff holds no markup, so inline style is harmless.
PRIVATE_FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
CONTENT_TYPES = {
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


COPY_CHUNK = 1024 * 1024
# The object store's defaults (S3_CONNECT_TIMEOUT, S3_READ_TIMEOUT, S3_MAX_ATTEMPTS).
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 10.0
MAX_ATTEMPTS = 2


def public_file_origins():
    """The origins pages load product photos from besides the app's own: S3_PUBLIC_URL's.

    With a public address set, pages link photos in the bucket (or the CDN in front of
    it), so the Content-Security-Policy's img-src must name that origin, or browsers
    refuse every photo.
    """
    return _origins_of(getattr(storage(), "public_base", None) or "")


@functools.lru_cache(maxsize=8)
def _origins_of(url):
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return (f"{parts.scheme}://{parts.netloc}",)
    return ()  # unset, or a path on the app's own origin ('self' covers it)


class StorageError(RuntimeError):
    """The store could not be reached or refused an operation.

    Pages answer it with a 503 in the reader's language (`register_errorhandlers`), and
    the upload forms with the form again and `upload_failed_message()`;
    commands exit with one line. Nothing was changed: the transaction rolls back.
    """


def upload_failed_message():
    """What an upload form says when the store could not keep the file (translated)."""
    from flask_babel import lazy_gettext

    return lazy_gettext(
        "The file could not be saved: our file storage cannot be reached right now. "
        "Nothing was changed. Please try again in a few minutes (choose the file again)."
    )


def check_key(key, within=""):
    """The key, normalised, or FileNotFoundError when it is unsafe or leaves `within`.

    `within` is a top folder ("products", "evidence", "slips"); "products/../evidence/x"
    and absolute, empty or NUL-carrying keys are refused.
    """
    if not isinstance(key, str) or not key or "\x00" in key or "\\" in key:
        raise FileNotFoundError(key)
    if key.startswith("/") or any(part in ("", ".", "..") for part in key.split("/")):
        raise FileNotFoundError(key)
    normal = posixpath.normpath(key)
    if within and not normal.startswith(within.rstrip("/") + "/"):
        raise FileNotFoundError(key)
    return normal


def is_public(key):
    """Whether a key may be served to anyone (product photos and share cards)."""
    return key.startswith(PUBLIC_PREFIXES)


def content_type_of(key):
    """The content type a key's suffix stands for."""
    return CONTENT_TYPES.get(posixpath.splitext(key)[1], "application/octet-stream")


class LocalStorage:
    """Files under one folder (the instance's `uploads/` unless UPLOAD_FOLDER says)."""

    name = "local"

    def __init__(self, root):
        self.root = Path(root)

    def _path(self, key):
        return self.root / check_key(key)

    def local_path(self, key):
        """The file on disk for a key (local storage only)."""
        return self._path(key)

    def put(self, key, data, content_type=None):
        """Write a file atomically (a reader never sees half of it)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of this write's own: two writers of the same key (two threads, or two
        # hosts on a shared folder, making the same photo sizes) never share a temp file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def put_file(self, key, handle, content_type=None):
        """Copy an open binary file in chunks to a temporary file beside the target, then
        rename it into place (a reader never sees half of it)."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as target:
                shutil.copyfileobj(handle, target, COPY_CHUNK)
            tmp.replace(path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def read(self, key):
        """A file's bytes; FileNotFoundError when there is none."""
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        return path.read_bytes()

    def exists(self, key):
        """Whether a file is stored under the key."""
        try:
            return self._path(key).is_file()
        except FileNotFoundError:
            return False

    def delete(self, key):
        """Remove one file; a missing one is not an error."""
        self._path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix):
        """Remove every file under a folder-like prefix."""
        shutil.rmtree(self._path(prefix.rstrip("/")), ignore_errors=True)

    def keys(self, prefix=""):
        """Every stored key (under a prefix), for moving files between stores."""
        base = self.root / prefix if prefix else self.root
        if not base.is_dir():
            return
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(self.root).as_posix()

    def public_url(self, key):
        """None: the app serves local files itself."""
        return None

    def signed_url(self, key, seconds=300):
        """None: a local file has no link of its own."""
        return None


class S3Storage:
    """Objects in an S3-compatible bucket, through boto3."""

    name = "s3"

    def __init__(
        self,
        bucket,
        endpoint_url=None,
        region=None,
        public_base=None,
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        max_attempts=MAX_ATTEMPTS,
    ):
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.public_base = (public_base or "").rstrip("/") or None
        # Bounded so that a bucket that hangs fails a request with a 503 well inside the
        # web server's timeout (gunicorn's 30 s) instead of getting the worker killed:
        # at worst max_attempts × (connect or read timeout), 2 × 10 s by default.
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url or None,
            region_name=region or None,
            config=BotoConfig(
                retries={"total_max_attempts": max_attempts, "mode": "standard"},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                s3={"addressing_style": "path"},
                signature_version="s3v4",
            ),
        )

    def local_path(self, key):
        """None: objects are not on this host's disk."""
        return None

    def _error(self, error):
        from botocore.exceptions import ClientError

        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                return FileNotFoundError(code)
        return StorageError(f"object storage: {error}")

    def put(self, key, data, content_type=None):
        """Upload an object; public ones carry long cache headers."""
        key = check_key(key)
        extra = {"ContentType": content_type or content_type_of(key)}
        extra["CacheControl"] = LONG_CACHE if is_public(key) else "private, no-store"
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **extra)
        except Exception as error:
            raise self._error(error) from error

    def put_file(self, key, handle, content_type=None):
        """Upload an open binary file in parts (boto3's managed transfer: multipart above
        8 MiB, a few parts in memory at a time), with the same headers as `put`."""
        key = check_key(key)
        extra = {"ContentType": content_type or content_type_of(key)}
        extra["CacheControl"] = LONG_CACHE if is_public(key) else "private, no-store"
        try:
            self.client.upload_fileobj(handle, self.bucket, key, ExtraArgs=extra)
        except Exception as error:
            raise self._error(error) from error

    def read(self, key):
        """An object's bytes; FileNotFoundError when there is none."""
        key = check_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            return response["Body"].read()
        except Exception as error:
            raise self._error(error) from error

    def exists(self, key):
        """Whether an object is stored under the key."""
        try:
            self.client.head_object(Bucket=self.bucket, Key=check_key(key))
        except FileNotFoundError:
            return False
        except Exception as error:
            if isinstance(self._error(error), FileNotFoundError):
                return False
            raise self._error(error) from error
        return True

    def delete(self, key):
        """Remove one object; a missing one is not an error."""
        try:
            self.client.delete_object(Bucket=self.bucket, Key=check_key(key))
        except Exception as error:
            raise self._error(error) from error

    def delete_prefix(self, prefix):
        """Remove every object under a folder-like prefix."""
        prefix = check_key(prefix.rstrip("/")) + "/"
        keys = list(self.keys(prefix))
        for start in range(0, len(keys), 1000):
            chunk = [{"Key": key} for key in keys[start : start + 1000]]
            try:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": chunk})
            except Exception as error:
                raise self._error(error) from error

    def keys(self, prefix=""):
        """Every stored key under a prefix."""
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"]
        except Exception as error:
            raise self._error(error) from error

    def public_url(self, key):
        """The bucket's (or CDN's) address of a public object, when S3_PUBLIC_URL is set."""
        if self.public_base is None or not is_public(key):
            return None
        return f"{self.public_base}/{check_key(key)}"

    def signed_url(self, key, seconds=300):
        """A link that reads one object for `seconds`, for private files after access checks."""
        return self.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": check_key(key)},
            ExpiresIn=seconds,
        )


def build_storage(config):
    """The store a configuration asks for: S3 when S3_BUCKET is set, else the local folder."""
    if config.get("S3_BUCKET"):
        return S3Storage(
            config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL"),
            region=config.get("S3_REGION"),
            public_base=config.get("S3_PUBLIC_URL"),
            connect_timeout=config.get("S3_CONNECT_TIMEOUT", CONNECT_TIMEOUT),
            read_timeout=config.get("S3_READ_TIMEOUT", READ_TIMEOUT),
            max_attempts=config.get("S3_MAX_ATTEMPTS", MAX_ATTEMPTS),
        )
    return LocalStorage(config["UPLOAD_FOLDER"])


def init_app(app):
    """Attach the configured store to the app."""
    app.extensions["storage"] = build_storage(app.config)


def storage():
    """The current app's store."""
    return current_app.extensions["storage"]


def copy_all(source, target, prefix=""):
    """Copy every file of `source` into `target` that it lacks; (copied, skipped)."""
    copied = skipped = 0
    for key in source.keys(prefix):
        if target.exists(key):
            skipped += 1
            continue
        target.put(key, source.read(key), content_type_of(key))
        copied += 1
    return copied, skipped
