"""A fix for meltanolabs-target-postgres 0.8.1: ACTIVATE_VERSION on a table with a column
named `version` (iMessage's `message.version`, many apps' optimistic-lock column) fails
with SQLAlchemy's "bindparam() name 'version' is reserved ..." because the soft-delete
UPDATE binds its parameters as `version` and `deletedate`.

This is the upstream method (MIT licence, target_postgres/sinks.py, PostgresSink.
activate_version, soft-delete branch) with the two parameters renamed; the rest of the
behaviour is unchanged. Remove it when upstream renames them.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy
from sqlalchemy.sql.expression import bindparam
from target_postgres.sinks import PostgresSink

_upstream = PostgresSink.activate_version


def activate_version(self: PostgresSink, new_version: int) -> None:
    if self.config.get("hard_delete") or self.config.get("activate_version") is False:
        _upstream(self, new_version)  # paths without the renamed parameters
        return
    if self._pending_batch:
        self.logger.info(
            "An activate version message for '%s' was received. Draining...",
            self.stream_name,
        )
        draining_status = self.start_drain()
        self.process_batch(draining_status)
        self.mark_drained()
    if not self.connector.table_exists(self.full_table_name):
        return
    deleted_at = dt.datetime.now(tz=dt.UTC)
    with self.connector._connect() as connection, connection.begin():
        for column in (self.version_column_name, self.soft_delete_column_name):
            if not self.connector.column_exists(
                full_table_name=self.full_table_name, column_name=column, connection=connection
            ):
                raise RuntimeError(f"{column} is required for activate version messages")
        target_table = sqlalchemy.Table(
            self.table_name,
            sqlalchemy.MetaData(),
            autoload_with=connection.engine,
            schema=self.schema_name,
        )
        version = target_table.c[self.version_column_name]
        deleted = target_table.c[self.soft_delete_column_name]
        update_stmt = (
            sqlalchemy.update(target_table)
            .values({deleted: bindparam("_cutover_deleted_at")})
            .where(
                sqlalchemy.and_(
                    sqlalchemy.or_(version < bindparam("_cutover_version"), version.is_(None)),
                    deleted.is_(None),
                )
            )
        )
        connection.execute(
            update_stmt, {"_cutover_deleted_at": deleted_at, "_cutover_version": new_version}
        )


def install() -> None:
    PostgresSink.activate_version = activate_version  # type: ignore[method-assign]
