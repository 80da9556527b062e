"""Alembic environment: the engine comes in through ``config.attributes`` (see migrate.py)."""

from alembic import context

from pocketstack.store import image_models  # noqa: F401 - registers the image tables
from pocketstack.store.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
