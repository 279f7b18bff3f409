"""The public media route serves product photos only, whatever the path says."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/media/products/%00.jpg",
        "/media/products/x%00y/320.webp",
        "/media/products/../evidence/abc.jpg",
        "/media/products/..%2Fevidence%2Fabc.jpg",
        "/media/evidence/abc",
        "/media/../../etc/passwd",
        "/media/products/nothing/320.webp",
    ],
)
def test_odd_paths_are_not_found(client, path):
    assert client.get(path).status_code == 404
