"""Alembic's environment for accord's store: migrations run on the connection the store
hands over (``config.attributes["connection"]``), never from a configuration file."""

from alembic import context

from accord.store.migrations import VERSION_TABLE

context.configure(connection=context.config.attributes["connection"],
                  version_table=VERSION_TABLE, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
