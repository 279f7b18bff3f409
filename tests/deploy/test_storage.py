"""File storage behind one interface: the same contract on the local folder and on S3."""

import urllib.request

import pytest

from marketplace.storage import LocalStorage, build_storage, check_key, copy_all, storage


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """Each backend in turn: a temp folder, then a fresh bucket on the S3 API on loopback."""
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    request.getfixturevalue("s3_bucket")
    return storage()


def test_put_read_exists_delete(store):
    assert not store.exists("evidence/abc.pdf")
    store.put("evidence/abc.pdf", b"%PDF-1.4 evidence")
    assert store.exists("evidence/abc.pdf")
    assert store.read("evidence/abc.pdf") == b"%PDF-1.4 evidence"
    store.put("evidence/abc.pdf", b"%PDF-1.4 replaced")  # overwriting is allowed
    assert store.read("evidence/abc.pdf") == b"%PDF-1.4 replaced"
    store.delete("evidence/abc.pdf")
    store.delete("evidence/abc.pdf")  # a missing file is not an error
    assert not store.exists("evidence/abc.pdf")
    with pytest.raises(FileNotFoundError):
        store.read("evidence/abc.pdf")


def test_put_file_streams_a_large_file_in(store, tmp_path):
    # Over boto3's 8 MiB multipart threshold: the S3 store uploads it in parts.
    source = tmp_path / "export.csv"
    with source.open("wb") as handle:
        for n in range(300_000):
            handle.write(f"{n:09d},ครัวเรือน,{n * 7 % 1000}\n".encode())
    size = source.stat().st_size
    assert size > 9 * 2**20
    with source.open("rb") as handle:
        store.put_file("exports/t1/area.csv", handle, content_type="text/csv")
    assert store.exists("exports/t1/area.csv")
    assert store.read("exports/t1/area.csv") == source.read_bytes()
    # Replaced in one step: nothing half-written is ever there under the key.
    with source.open("rb") as handle:
        store.put_file("exports/t1/area.csv", handle)
    assert len(store.read("exports/t1/area.csv")) == size
    if isinstance(store, LocalStorage):
        assert [p.name for p in (tmp_path / "uploads/exports/t1").iterdir()] == ["area.csv"]


def test_delete_prefix_removes_one_folder_only(store):
    for width in (320, 800):
        store.put(f"products/k1/{width}.webp", b"one")
        store.put(f"products/k10/{width}.webp", b"ten")
    store.delete_prefix("products/k1")
    assert sorted(store.keys("products/")) == ["products/k10/320.webp", "products/k10/800.webp"]


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/etc/passwd",
        "../secret_key",
        "products/../secret_key",
        "products/./x",
        "a\x00b",
        "products//x",
        "products\\..\\x",
    ],
)
def test_unsafe_keys_are_refused(store, key):
    with pytest.raises(FileNotFoundError):
        store.put(key, b"x")
    with pytest.raises(FileNotFoundError):
        store.read(key)
    assert not store.exists(key)


def test_keys_are_kept_within_their_folder():
    assert check_key("products/k/320.webp", "products") == "products/k/320.webp"
    with pytest.raises(FileNotFoundError):
        check_key("evidence/k.pdf", "products")
    with pytest.raises(FileNotFoundError):
        check_key("productsX/k.pdf", "products")


def test_only_public_keys_get_a_public_url(app, s3_bucket, monkeypatch):
    monkeypatch.setitem(app.config, "S3_PUBLIC_URL", "https://cdn.example.org/media/")
    store = build_storage(app.config)
    assert (
        store.public_url("products/k/320.webp")
        == "https://cdn.example.org/media/products/k/320.webp"
    )
    assert store.public_url("slips/k.jpg") is None
    assert store.public_url("evidence/k.pdf") is None
    store.put("slips/k.jpg", b"private slip")
    link = store.signed_url("slips/k.jpg", seconds=60)
    assert "X-Amz-Signature" in link and "X-Amz-Expires=60" in link
    with urllib.request.urlopen(link, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.read() == b"private slip"


def test_migrate_command_copies_the_instance_folder_into_the_bucket(
    app, runner, s3_bucket, tmp_path, monkeypatch
):
    # An instance folder of its own: the session's holds other tests' photos.
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    local = LocalStorage(app.config["UPLOAD_FOLDER"])
    local.put("products/m1/320.webp", b"photo")
    local.put("slips/s1.jpg", b"slip")
    result = runner.invoke(args=["storage", "migrate"])
    assert result.exit_code == 0, result.output
    assert "copied 2 files" in result.output
    bucket = storage()
    assert bucket.read("products/m1/320.webp") == b"photo"
    assert bucket.read("slips/s1.jpg") == b"slip"
    again = runner.invoke(args=["storage", "migrate"])
    assert "copied 0 files" in again.output and "2 were there already" in again.output
    other = tmp_path / "elsewhere"
    LocalStorage(other).put("evidence/e1.pdf", b"%PDF")
    moved = runner.invoke(args=["storage", "migrate", "--from-folder", str(other)])
    assert "copied 1 file into" in moved.output
    assert bucket.read("evidence/e1.pdf") == b"%PDF"


def test_migrate_command_needs_a_bucket(runner):
    result = runner.invoke(args=["storage", "migrate"])
    assert result.exit_code != 0
    assert "S3_BUCKET" in result.output


def test_copy_all_skips_what_is_there(tmp_path):
    source, target = LocalStorage(tmp_path / "a"), LocalStorage(tmp_path / "b")
    source.put("products/x/1.webp", b"1")
    source.put("evidence/y.pdf", b"2")
    target.put("evidence/y.pdf", b"2")
    assert copy_all(source, target) == (1, 1)
    assert target.read("products/x/1.webp") == b"1"


def test_pages_allow_photos_from_the_public_address(app, client, s3_bucket, monkeypatch):
    def img_src():
        policy = client.get("/").headers["Content-Security-Policy"]
        return next(part for part in policy.split("; ") if part.startswith("img-src "))

    assert img_src() == "img-src 'self' data:"
    for public, origin in [
        ("https://cdn.example.org/media/", "https://cdn.example.org"),
        ("http://127.0.0.1:9000/uploads", "http://127.0.0.1:9000"),
    ]:
        monkeypatch.setitem(app.config, "S3_PUBLIC_URL", public)
        monkeypatch.setitem(app.extensions, "storage", build_storage(app.config))
        assert img_src() == f"img-src 'self' data: {origin}"
