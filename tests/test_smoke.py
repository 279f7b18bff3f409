"""The app starts and the schema holds the basic constraints."""

import pytest
from sqlalchemy.exc import IntegrityError


def test_home_answers(client):
    assert client.get("/").status_code == 200


def test_lot_available_cannot_go_negative(db, make):
    product = make.product(stock=1)
    lot = product.variants[0].lots[0]
    lot.available = -1
    with pytest.raises(IntegrityError):
        db.session.flush()
