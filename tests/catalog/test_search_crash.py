"""A writer killed mid-write (SIGKILL) leaves an index that opens, serves and rebuilds."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.catalog.search import whoosh as search

from .test_search_relevance import RELEVANCE, build_catalog

pytestmark = [
    pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL"),
    pytest.mark.usefixtures("whoosh_backend"),
]

# The child opens the same index folder, takes the write lock, adds junk
# documents and stops at the chosen point, waiting to be killed.
CHILD = r"""
import sys, time
from flask import Flask
from marketplace.catalog.search import whoosh as search

folder, where = sys.argv[1], sys.argv[2]
app = Flask("crash")
app.config["SEARCH_INDEX_FOLDER"] = folder
with app.app_context():
    writer = search.acquire_writer(timeout=10)
    writer.delete_by_term("id", "1")
    for i in range(800):
        writer.add_document(id=f"junk-{i}", names="ขยะ " * 30, body="junk " * 300, featured=1)
        if where == "adding" and i == 600:
            print("ready", flush=True)
            time.sleep(120)
    if where == "committing":
        # Stop after the new segment is written, before the new TOC is renamed in.
        def stall(*args, **kwargs):
            print("ready", flush=True)
            time.sleep(120)
        writer.storage.rename_file = stall
    writer.commit()
"""


def kill_writer_at(app, where):
    """Run the child until it reports it is mid-write, then SIGKILL it."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, app.config["SEARCH_INDEX_FOLDER"], where],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as child:
        try:
            line = child.stdout.readline()
            if line.strip() != "ready":
                child.wait(timeout=30)
                pytest.fail(f"writer did not start: {child.stderr.read()}")
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("where", ["adding", "committing"])
def test_index_survives_a_writer_killed_mid_write(app, db, client, where):
    ids = build_catalog()
    expected = search.doc_count()
    assert expected == len(ids) - 3  # three hidden products
    black = ids["black-sticky-rice"]
    assert black in search.query("ข้าวเหนียวดำ").product_ids

    kill_writer_at(app, where)

    # The index still opens and serves: nothing of the killed write is visible.
    assert search.doc_count() == expected
    assert search.query("ข้าวเหนียวดำ").product_ids[0] == black
    response = client.get("/search", query_string={"q": "ข้าวเหนียวดำ"})
    assert response.status_code == 200
    assert "ข้าวเหนียวดำ" in response.get_data(as_text=True)
    # The kernel released the killed writer's lock: the next writer gets it at once.
    search.acquire_writer(timeout=1).cancel()

    # A rebuild restores the full index.
    assert search.rebuild() == expected
    assert search.doc_count() == expected
    for text, must in list(RELEVANCE.items())[:10]:
        found = set(search.query(text, per_page=5).product_ids)
        assert {ids[slug] for slug in must} <= found, text


# Whoosh's TOC.read leaves the torn file open when it raises (a third-party leak).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_damaged_index_serves_empty_results_until_rebuilt(app, db, client):
    ids = build_catalog()
    expected = search.doc_count()
    folder = Path(app.config["SEARCH_INDEX_FOLDER"])
    # A torn TOC file of a newer generation (a full disk, a bad copy).
    generations = [int(p.stem.rsplit("_", 1)[1]) for p in folder.glob("_products_v*_*.toc")]
    torn = folder / f"_{search.INDEX_NAME}_{max(generations) + 1}.toc"
    torn.write_bytes(b"\x00garbage")

    response = client.get("/search", query_string={"q": "ข้าว"})
    assert response.status_code == 200
    assert search.query("ข้าว").unavailable

    assert search.rebuild() == expected
    assert ids["black-sticky-rice"] in search.query("ข้าว").product_ids
