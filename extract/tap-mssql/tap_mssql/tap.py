"""The ``tap-mssql`` Singer tap."""

from __future__ import annotations

import json
import typing as t

from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.helpers.capabilities import (
    EMIT_ACTIVATE_VERSION_CONFIG,
    PluginCapabilities,
    TapCapabilities,
)

from tap_mssql.audit import AuditLog
from tap_mssql.catalog import DatabaseInfo, quote_name, read_database_info, read_tables
from tap_mssql.connection import (
    DEFAULT_CHARSET,
    DEFAULT_LOGIN_TIMEOUT,
    DEFAULT_PORT,
    ENCRYPTION_LEVELS,
    TDS_VERSIONS,
    ConnectionSettings,
    connect,
    one_line,
)
from tap_mssql.discovery import (
    AUDIT_STREAM_NAME,
    SourceObject,
    apply_config_filters,
    check_name_collisions,
    list_objects,
)
from tap_mssql.errors import MSSQLError, UnsupportedDataError
from tap_mssql.plan import TablePlan, plan_table
from tap_mssql.streams import AuditStream, MSSQLStream
from tap_mssql.types import variant_base_types_sql

if t.TYPE_CHECKING:
    from singer_sdk.singerlib import Catalog


def _config_schema() -> dict[str, t.Any]:
    schema = th.PropertiesList(
        th.Property("host", th.StringType, required=True, title="Host",
                    description="SQL Server host name or address (host\\instance works)."),
        th.Property("port", th.IntegerType, default=DEFAULT_PORT, title="Port",
                    description="TCP port (1433)."),
        th.Property("user", th.StringType, title="User",
                    description="SQL Server login. Omit user and password for Kerberos."),
        th.Property("password", th.StringType, secret=True, title="Password",
                    description="Password of the login."),
        th.Property("database", th.StringType, required=True, title="Database",
                    description="The database to copy."),
        th.Property("characterset", th.StringType, default=DEFAULT_CHARSET,
                    title="Client character set",
                    description="pymssql charset: FreeTDS converts every char column "
                    "from its collation's code page (CP949 for Korean_Wansung) to it, and "
                    "Python decodes with it. Keep utf8 (README)."),
        th.Property("tds_version", th.StringType(allowed_values=list(TDS_VERSIONS)),
                    title="TDS version",
                    description="TDS protocol version; default: FreeTDS negotiates."),
        th.Property("schemas", th.ArrayType(th.StringType), title="Schemas",
                    description="Only tables of these schemas (exact names). Default: all."),
        th.Property("tables", th.ArrayType(th.StringType), title="Tables",
                    description="Only these tables (fnmatch globs on table, schema.table "
                    "or stream name). Default: all."),
        th.Property("exclude_tables", th.ArrayType(th.StringType), title="Exclude tables",
                    description="Tables to leave out (fnmatch globs)."),
        th.Property("batch_size", th.IntegerType(minimum=1), default=10_000,
                    title="Batch size", description="Rows per cursor.fetchmany() call."),
        th.Property("login_timeout", th.IntegerType(minimum=1),
                    default=DEFAULT_LOGIN_TIMEOUT, title="Login timeout",
                    description="Seconds to wait for the connection and login."),
        th.Property("encryption", th.StringType(allowed_values=list(ENCRYPTION_LEVELS)),
                    title="Encryption",
                    description="FreeTDS TLS level: default, off, request or require."),
    ).to_dict()  # fmt: skip
    schema["properties"].update(EMIT_ACTIVATE_VERSION_CONFIG["properties"])
    return schema


class TapMSSQL(Tap):
    """Copy every table of a SQL Server database, faithfully, as Singer streams."""

    name = "tap-mssql"
    dynamic_catalog = True
    config_jsonschema: t.ClassVar[dict] = _config_schema()
    capabilities: t.ClassVar[list] = [
        TapCapabilities.CATALOG,
        TapCapabilities.STATE,
        TapCapabilities.DISCOVER,
        TapCapabilities.ACTIVATE_VERSION,
        PluginCapabilities.ABOUT,
        PluginCapabilities.STREAM_MAPS,
        PluginCapabilities.FLATTENING,
        PluginCapabilities.BATCH,
        PluginCapabilities.STRUCTURED_LOGGING,
    ]

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the tap; the server is contacted on first discovery."""
        self._connection: t.Any = None
        self._database: DatabaseInfo | None = None
        self._audit: AuditLog | None = None
        self.source_objects: list[SourceObject] = []
        self.plans: dict[str, TablePlan] = {}
        super().__init__(*args, **kwargs)

    @property
    def settings(self) -> ConnectionSettings:
        """Connection settings from the config."""
        return ConnectionSettings.from_config(self.config)

    @property
    def driver_errors(self) -> tuple[type[BaseException], ...]:
        """pymssql's exception classes (none when pymssql is not importable)."""
        try:
            import pymssql
        except ImportError:
            return ()
        return (pymssql.Error,)

    @property
    def connection(self) -> t.Any:
        """The open pymssql connection (opened on first use)."""
        if self._connection is None:
            settings = self.settings
            self._connection = connect(settings)
            try:
                self._database = read_database_info(self._connection.cursor())
            except self.driver_errors as exc:
                msg = f"cannot read the catalog of {settings.label}: {one_line(exc)}"
                raise MSSQLError(msg) from exc
            info = self._database
            self.logger.info(
                "Connected to %s: SQL Server %s (%s), snapshot isolation %s",
                settings.label,
                info.product_version,
                info.edition,
                "allowed: counts and rows from one snapshot" if info.snapshot_allowed else
                "not allowed: each table is counted just before it is read",
            )  # fmt: skip
        return self._connection

    @property
    def database(self) -> DatabaseInfo:
        """Name, version and snapshot isolation state of the database."""
        _ = self.connection  # opens it
        assert self._database is not None
        return self._database

    @property
    def audit(self) -> AuditLog:
        """The run's audit log (one run_id per tap run)."""
        if self._audit is None:
            self._audit = AuditLog(host=self.settings.host, database=self.database)
        return self._audit

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @property
    def catalog(self) -> Catalog:
        """The working catalog: fresh schemas, selection from the input catalog."""
        if self._catalog is None:
            self._catalog = self._singer_catalog
        return self._catalog

    @property
    def streams(self) -> dict[str, Stream]:
        """Discovered streams, with ``_source_audit`` always last."""
        streams = super().streams
        if AUDIT_STREAM_NAME in streams and list(streams)[-1] != AUDIT_STREAM_NAME:
            streams[AUDIT_STREAM_NAME] = streams.pop(AUDIT_STREAM_NAME)
        return streams

    def discover_streams(self) -> list[Stream]:
        """One stream per user table (unless deselected by settings), then the audit."""
        cursor = self.connection.cursor()
        try:
            tables = read_tables(cursor)
        except self.driver_errors as exc:
            msg = f"cannot read the catalog of {self.settings.label}: {one_line(exc)}"
            raise MSSQLError(msg) from exc
        objects = list_objects(tables)
        unmatched = apply_config_filters(
            objects,
            schemas=self.config.get("schemas"),
            tables=self.config.get("tables"),
            exclude_tables=self.config.get("exclude_tables"),
        )
        for pattern in unmatched:
            self.logger.warning("'tables' pattern %r matches no table", pattern)
        check_name_collisions(objects)
        streams: list[Stream] = []
        for obj in objects:
            if not obj.streamed:
                continue
            plan = plan_table(obj.table)
            self._scan_variants(cursor, plan)
            self.plans[obj.stream_name] = plan
            streams.append(MSSQLStream(self, obj, plan))
            for problem in plan.problems:
                self.logger.warning("%s", problem)
        self.source_objects = objects
        self.logger.info(
            "Found %d tables and %d views; %d tables streamed",
            sum(obj.object_type == "table" for obj in objects),
            sum(obj.object_type == "view" for obj in objects),
            len(streams),
        )
        streams.append(AuditStream(self))
        return streams

    def _scan_variants(self, cursor: t.Any, plan: TablePlan) -> None:
        """Base types held by each sql_variant column (annotation; a GROUP BY scan)."""
        for column_plan in plan.columns:
            if column_plan.column.system_type.lower() != "sql_variant":
                continue
            sql = variant_base_types_sql(quote_name(column_plan.name), plan.table.sql_name)
            try:
                cursor.execute(sql)
                found = {str(base): int(count) for base, count in cursor.fetchall()}
            except self.driver_errors as exc:
                msg = f"cannot read table {plan.table.qualified!r}: {one_line(exc)}"
                raise MSSQLError(msg) from exc
            plan.variant_base_types[column_plan.name] = found

    def check_selected(self) -> None:
        """Refuse to start if a selected table has a column that cannot be copied.

        Raises:
            UnsupportedDataError: naming every such table and column.
        """
        problems = [
            problem
            for stream in self.streams.values()
            if isinstance(stream, MSSQLStream) and stream.selected
            for problem in stream.plan.problems
        ]
        if problems:
            msg = "; ".join(problems)
            if len(problems) > 1:
                msg = f"{len(problems)} columns cannot be copied faithfully: {msg}"
            raise UnsupportedDataError(msg)

    def sync_all(self) -> None:
        """Check every selected table first (nothing is emitted if one cannot be copied)."""
        self.check_selected()
        super().sync_all()

    def check_row_counts(self) -> None:
        """Raise if any stream emitted another number of rows than it counted."""
        mismatches = self.audit.mismatches
        if mismatches:
            details = ", ".join(
                f"{name} (source {res.source_row_count}, emitted {res.emitted_row_count})"
                for name, res in sorted(mismatches.items())
            )
            msg = f"row count self-check failed: {details}"
            raise MSSQLError(msg)

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        state: t.IO[str] | None = None,
        catalog: t.IO[str] | None = None,
    ) -> None:
        """Run a sync (as ``Tap.invoke``), then the row-count self-check."""
        super(Tap, cls).invoke(about=about, about_format=about_format)
        cls.print_version(print_fn=cls.logger.info)
        tap = cls(
            config=config.config if config is not None else {},
            state=None if state is None else json.load(state),
            catalog=None if catalog is None else json.load(catalog),
            parse_env_config=config.parse_env if config is not None else False,
            validate_config=True,
        )
        try:
            tap.sync_all()
            tap.check_row_counts()
        finally:
            tap.close()
