"""Alembic environment: the engine comes in through ``config.attributes`` (see migrate.py)."""

from alembic import context

from pocketstack.store.schema import METADATA

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=METADATA,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
