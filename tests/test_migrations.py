"""The committed migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db


def test_migrations_match_the_models(tmp_path, monkeypatch):
    monkeypatch.setenv("MARKETPLACE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    app = create_app(TestConfig)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == []
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()
