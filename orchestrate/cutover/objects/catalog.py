"""The non-row objects of some schemas of a PostgreSQL database, as schema-free definitions.

One reader serves both sides. It reads the source's schemas (core, telemetry, ...) and the
target's candidate schema with `search_path` set to exactly those schemas, so PostgreSQL's
own deparsers (pg_get_functiondef, pg_get_viewdef, pg_get_triggerdef, pg_get_expr,
pg_get_indexdef) print the objects of those schemas unqualified. The same object therefore
reads as the same text on both sides, whatever its schema is called, and:

* `DbObject.ddl(schema)` is the idempotent statement that creates it in `schema`;
* parity compares the definitions read back from the target with the source's.

Two things cannot be unqualified this way and are renamed by the `schema_map`
(source schema -> the target's application schema):

* function bodies (their text is stored verbatim, and resolved when the function runs,
  which is after the switch: so they name the application's schema, not the candidate);
* a function's `SET search_path` list.

Not read: objects that belong to an extension (they come with the extension), and
passwords (a role is created without one: set it on the target).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

SCHEMA = "⟪schema⟫"  # where the target schema goes (jsonb, where captured, refuses NUL)

# The order objects are applied in: each may depend on the kinds before it.
ORDER = (
    "role",
    "schema owner",
    "function",
    "view",
    "materialized view",
    "index",
    "default",
    "trigger",
    "row security",
    "policy",
    "owner",
    "grant",
    "default privilege",
    "sequence",
    "comment",
)
# pg_class.relkind -> the word GRANT/ALTER/COMMENT use for it
RELATION_WORDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "S": "SEQUENCE",
}
PRIVILEGE_TARGETS = {"r": "TABLE", "p": "TABLE", "v": "TABLE", "m": "TABLE", "S": "SEQUENCE"}
DEFAULT_ACL_OBJECTS = {
    "r": "TABLES",
    "S": "SEQUENCES",
    "f": "FUNCTIONS",
    "T": "TYPES",
    "n": "SCHEMAS",
}
POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}


@dataclass(frozen=True)
class DbObject:
    kind: str  # one of ORDER
    name: str  # schema-free identity: "device_health(p_device_id bigint)", "devices.devices_touch"
    definition: str  # schema-free text; SCHEMA marks the object's own schema
    statements: tuple[str, ...]  # idempotent SQL, SCHEMA where the target schema goes
    value: int | None = None  # a sequence's last value (compared as "at least")
    cluster_wide: bool = False  # roles: not in any database

    def ddl(self, schema: str) -> list[str]:
        name = plain_or_quoted(schema)
        return [s.replace(SCHEMA, name) for s in self.statements]

    def shown(self) -> str:
        text = SEQUENCE_OF.sub(r"<sequence of \1.\2>", self.definition)
        return text.replace(SCHEMA, "<schema>")


@dataclass(frozen=True)
class Catalog:
    schemas: tuple[str, ...]
    objects: tuple[DbObject, ...]

    def of(self, kind: str) -> list[DbObject]:
        return [o for o in self.objects if o.kind == kind]

    def ordered(self) -> list[DbObject]:
        return sorted(self.objects, key=lambda o: ORDER.index(o.kind))


def qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def plain_or_quoted(name: str) -> str:
    """As PostgreSQL prints a name: bare when it can be, else quoted."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_$]*", name) else qident(name)


def qliteral(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def qualified(name: str) -> str:
    return f"{SCHEMA}.{qident(name)}"


SEQUENCE_OF = re.compile("\x01([^\x01]*)\x01([^\x01]*)\x01")


def sequence_of(table: str, column: str) -> str:
    """A column's sequence, whatever it is called on each side (resolved when applied:
    the target's identity column owns a sequence named by PostgreSQL)."""
    return f"\x01{table}\x01{column}\x01"


def rename_schemas(text: str, schema_map: Mapping[str, str]) -> str:
    """`core.devices` -> `ecoanp.devices` (quoted or not) for every schema of the map."""
    for old, new in schema_map.items():
        pattern = rf'(?<![\w."$])(?:"{re.escape(old)}"|{re.escape(old)})\.(?=["\w])'
        text = re.sub(pattern, lambda _m, n=new: plain_or_quoted(n) + ".", text)
    return text


def _search_path_list(text: str, schema_map: Mapping[str, str]) -> str:
    """A `SET search_path TO 'pg_catalog', 'audit'` line with the schemas renamed."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1).strip('"')
        return qliteral(schema_map.get(name, name)) if name in schema_map else match.group(0)

    return re.sub(r"'([^']*)'", one, text)


def read_catalog(
    conn: psycopg.Connection,
    schemas: Sequence[str],
    *,
    schema_map: Mapping[str, str] | None = None,
    tables: Sequence[str] | None = None,
) -> Catalog:
    """The objects of `schemas` (read in a read-only transaction, rolled back).

    `schema_map` renames schemas inside function bodies and settings (source -> the
    application's schema); `tables` limits table-bound objects (triggers, policies, row
    security, grants, comments) to those tables, e.g. the ones migrated."""
    schema_map = dict(schema_map or {})
    with conn.transaction(force_rollback=True):
        conn.execute("set transaction read only")
        path = sql.SQL(", ").join(sql.Identifier(s) for s in [*schemas, "public"])
        conn.execute(sql.SQL("set local search_path to {}").format(path))
        cursor = conn.cursor(row_factory=dict_row)
        keep = set(tables) if tables is not None else None
        reader = _Reader(cursor, list(schemas), schema_map, keep)
        objects = reader.read()
    return Catalog(tuple(schemas), tuple(objects))


class _Reader:
    def __init__(
        self,
        cursor: psycopg.Cursor[dict[str, Any]],
        schemas: list[str],
        schema_map: dict[str, str],
        tables: set[str] | None,
    ) -> None:
        self.cursor = cursor
        self.schemas = schemas
        self.map = schema_map
        self.tables = tables
        self.role_names: set[str] = set()

    def role(self, name: str) -> str:
        self.role_names.add(name)
        return qident(name)

    def rows(self, query: str, *params: Any) -> list[dict[str, Any]]:
        return self.cursor.execute(query, (self.schemas, *params)).fetchall()  # type: ignore[arg-type]

    def keep(self, relkind: str, relname: str) -> bool:
        return relkind not in ("r", "p") or self.tables is None or relname in self.tables

    def read(self) -> list[DbObject]:
        objects: list[DbObject] = []
        relations = self.relations()
        objects += self.functions()
        objects += self.views(relations)
        objects += self.defaults()
        objects += self.triggers()
        objects += self.row_security(relations)
        objects += self.policies()
        objects += self.owners(relations)
        objects += self.grants(relations)
        objects += self.default_privileges()
        objects += self.sequences()
        objects += self.comments(relations)
        objects += self.schema_owner()
        objects += self.roles()
        return objects

    def relations(self) -> list[dict[str, Any]]:
        rows = self.rows(
            """
            select c.oid, c.relname, c.relkind, c.relacl::text[] as acl, r.rolname as owner,
                   c.relrowsecurity, c.relforcerowsecurity, c.reloptions,
                   obj_description(c.oid, 'pg_class') as comment
              from pg_class c join pg_namespace n on n.oid = c.relnamespace
              join pg_roles r on r.oid = c.relowner
             where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm', 'S')
               and not c.relispartition
               and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass
                               and d.objid = c.oid and d.deptype = 'e')
             order by c.oid
            """
        )
        return [r for r in rows if self.keep(r["relkind"], r["relname"])]

    def own_functions(self) -> list[dict[str, Any]]:
        """Functions and procedures of the schemas, not an extension's, by name and args."""
        if not hasattr(self, "_functions"):
            self._functions = self.rows(
                """
                select p.oid, p.proname, pg_get_function_identity_arguments(p.oid) as args,
                       r.rolname as owner, p.prokind, pg_get_functiondef(p.oid) as definition,
                       obj_description(p.oid, 'pg_proc') as comment
                  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  join pg_roles r on r.oid = p.proowner
                 where n.nspname = any(%s) and p.prokind in ('f', 'p')
                   and not exists (select 1 from pg_depend d
                                   where d.classid = 'pg_proc'::regclass
                                     and d.objid = p.oid and d.deptype = 'e')
                 order by p.proname, 3
                """
            )
        return self._functions

    # -- functions -----------------------------------------------------------------
    def functions(self) -> list[DbObject]:
        found = []
        for row in self.own_functions():
            text = self.function_text(row["definition"], row["proname"])
            found.append(DbObject("function", f"{row['proname']}({row['args']})", text, (text,)))
        return found

    def function_text(self, definition: str, name: str) -> str:
        header, _, rest = definition.partition("\n")
        # pg_get_functiondef always qualifies the name: `... FUNCTION core.f(`.
        header = re.sub(
            r"^(CREATE OR REPLACE (?:FUNCTION|PROCEDURE) )(?:\"[^\"]+\"|[^.(\s]+)\.",
            lambda m: m.group(1) + SCHEMA + ".",
            header,
        )
        lines = []
        for line in rest.split("\n"):
            if line.startswith(" SET search_path TO "):
                line = _search_path_list(line, self.map)
            lines.append(line)
        return header + "\n" + rename_schemas("\n".join(lines), self.map)

    # -- views and materialized views ---------------------------------------------------
    def views(self, relations: list[dict[str, Any]]) -> list[DbObject]:
        found = []
        for row in relations:
            if row["relkind"] not in ("v", "m"):
                continue
            self.cursor.execute("select pg_get_viewdef(%s::oid, true) as d", (row["oid"],))
            body = self.cursor.fetchone()["d"].rstrip().rstrip(";")  # type: ignore[index]
            name = qualified(row["relname"])
            options = f" WITH ({', '.join(row['reloptions'])})" if row["reloptions"] else ""
            if row["relkind"] == "v":
                definition = f"CREATE VIEW {name}{options} AS\n{body}"
                statements = (f"DROP VIEW IF EXISTS {name} CASCADE", definition)
                found.append(DbObject("view", row["relname"], definition, statements))
                continue
            definition = f"CREATE MATERIALIZED VIEW {name}{options} AS\n{body}\nWITH NO DATA"
            statements = (f"DROP MATERIALIZED VIEW IF EXISTS {name} CASCADE", definition)
            found.append(DbObject("materialized view", row["relname"], definition, statements))
            found += self.matview_indexes(row["oid"], row["relname"])
        return found

    def matview_indexes(self, oid: int, relname: str) -> list[DbObject]:
        """Indexes of a materialized view (a table's indexes come with its dbt contract)."""
        found = []
        for row in self.cursor.execute(
            "select i.relname, pg_get_indexdef(x.indexrelid) as d from pg_index x "
            "join pg_class i on i.oid = x.indexrelid where x.indrelid = %s order by 1",
            (oid,),
        ).fetchall():
            text = re.sub(r"^(CREATE (?:UNIQUE )?INDEX )", r"\1IF NOT EXISTS ", row["d"])
            # pg_get_indexdef qualifies the relation whatever the search_path.
            text = re.sub(
                r" ON (ONLY )?(?:(?:\"[^\"]+\"|[\w$]+)\.)?(?:\"[^\"]+\"|[\w$]+) USING ",
                lambda m: f" ON {m.group(1) or ''}{qualified(relname)} USING ",
                text,
                count=1,
            )
            found.append(DbObject("index", f"{relname}.{row['relname']}", text, (text,)))
        return found

    # -- column defaults -------------------------------------------------------------------
    def defaults(self) -> list[DbObject]:
        """Column defaults (`now()`, `'active'`, `gen_random_uuid()`): the final tables are
        built without them. Identity and serial columns number rows by their sequence."""
        found = []
        for row in self.rows(
            """
            select c.relname, c.relkind, a.attname, pg_get_expr(d.adbin, d.adrelid) as expr
              from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
              join pg_class c on c.oid = d.adrelid join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = any(%s) and c.relkind in ('r', 'p') and not c.relispartition
               and a.attidentity = '' and a.attgenerated = '' and not a.attisdropped
               and pg_get_expr(d.adbin, d.adrelid) not like 'nextval(%%'
             order by 1, 3
            """
        ):
            if not self.keep(row["relkind"], row["relname"]):
                continue
            text = (
                f"ALTER TABLE {qualified(row['relname'])} ALTER COLUMN {qident(row['attname'])} "
                f"SET DEFAULT {row['expr']}"
            )
            name = f"{row['relname']}.{row['attname']}"
            found.append(DbObject("default", name, text, (text,)))
        return found

    # -- triggers, row security, policies ------------------------------------------------
    def triggers(self) -> list[DbObject]:
        found = []
        for row in self.rows(
            """
            select c.relname, c.relkind, t.tgname, t.tgenabled,
                   pg_get_triggerdef(t.oid, true) as d
              from pg_trigger t join pg_class c on c.oid = t.tgrelid
              join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = any(%s) and not t.tgisinternal and t.tgparentid = 0
               and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass
                               and d.objid = t.tgfoid and d.deptype = 'e')
             order by 1, 3
            """
        ):
            if not self.keep(row["relkind"], row["relname"]):
                continue
            on = qualified(row["relname"])
            text = (
                row["d"]
                .replace(f" ON {qident(row['relname'])} ", f" ON {on} ", 1)
                .replace(f" ON {row['relname']} ", f" ON {on} ", 1)
            )
            text = text.replace("CREATE TRIGGER ", "CREATE OR REPLACE TRIGGER ", 1)
            text = text.replace(
                "CREATE CONSTRAINT TRIGGER ", "CREATE OR REPLACE CONSTRAINT TRIGGER ", 1
            )
            statements = [text]
            state = {"D": "DISABLE", "R": "ENABLE REPLICA", "A": "ENABLE ALWAYS"}.get(
                row["tgenabled"]
            )
            if state:
                statements.append(f"ALTER TABLE {on} {state} TRIGGER {qident(row['tgname'])}")
                text += f" -- {state}"
            name = f"{row['relname']}.{row['tgname']}"
            found.append(DbObject("trigger", name, text, tuple(statements)))
        return found

    def row_security(self, relations: list[dict[str, Any]]) -> list[DbObject]:
        found = []
        for row in relations:
            if row["relkind"] not in ("r", "p"):
                continue
            if not (row["relrowsecurity"] or row["relforcerowsecurity"]):
                continue
            table = qualified(row["relname"])
            enable = "ENABLE" if row["relrowsecurity"] else "DISABLE"
            force = "FORCE" if row["relforcerowsecurity"] else "NO FORCE"
            statements = (
                f"ALTER TABLE {table} {enable} ROW LEVEL SECURITY",
                f"ALTER TABLE {table} {force} ROW LEVEL SECURITY",
            )
            definition = f"{enable} ROW LEVEL SECURITY, {force} ROW LEVEL SECURITY"
            found.append(DbObject("row security", row["relname"], definition, statements))
        return found

    def policies(self) -> list[DbObject]:
        found = []
        for row in self.rows(
            """
            select c.relname, c.relkind, p.polname, p.polcmd, p.polpermissive,
                   array(select case when r = 0 then null else pg_get_userbyid(r) end
                           from unnest(p.polroles) r order by 1) as roles,
                   pg_get_expr(p.polqual, p.polrelid) as qual,
                   pg_get_expr(p.polwithcheck, p.polrelid) as with_check
              from pg_policy p join pg_class c on c.oid = p.polrelid
              join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = any(%s)
             order by 1, 3
            """
        ):
            if not self.keep(row["relkind"], row["relname"]):
                continue
            table = qualified(row["relname"])
            text = (
                f"CREATE POLICY {qident(row['polname'])} ON {table} AS "
                f"{'PERMISSIVE' if row['polpermissive'] else 'RESTRICTIVE'} "
                f"FOR {POLICY_COMMANDS[row['polcmd']]} TO "
                + ", ".join("PUBLIC" if r is None else self.role(r) for r in row["roles"])
            )
            if row["qual"] is not None:
                text += f" USING ({row['qual']})"
            if row["with_check"] is not None:
                text += f" WITH CHECK ({row['with_check']})"
            statements = (f"DROP POLICY IF EXISTS {qident(row['polname'])} ON {table}", text)
            name = f"{row['relname']}.{row['polname']}"
            found.append(DbObject("policy", name, text, statements))
        return found

    # -- owners, grants, default privileges ------------------------------------------
    def owners(self, relations: list[dict[str, Any]]) -> list[DbObject]:
        found = []
        for row in relations:
            if row["relkind"] == "S" and self.owned_by_column(row["oid"]):
                continue  # follows its table
            word = RELATION_WORDS[row["relkind"]]
            text = f"ALTER {word} {qualified(row['relname'])} OWNER TO {self.role(row['owner'])}"
            found.append(DbObject("owner", f"{word.lower()} {row['relname']}", text, (text,)))
        for row in self.own_functions():
            word = "PROCEDURE" if row["prokind"] == "p" else "FUNCTION"
            signature = f"{qualified(row['proname'])}({row['args']})"
            text = f"ALTER {word} {signature} OWNER TO {self.role(row['owner'])}"
            name = f"function {row['proname']}({row['args']})"
            found.append(DbObject("owner", name, text, (text,)))
        return found

    def owned_by_column(self, sequence_oid: int) -> tuple[str, str] | None:
        row = self.cursor.execute(
            """
            select c.relname, a.attname from pg_depend d
              join pg_class c on c.oid = d.refobjid
              join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
             where d.classid = 'pg_class'::regclass and d.objid = %s
               and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
            """,
            (sequence_oid,),
        ).fetchone()
        return (row["relname"], row["attname"]) if row else None

    def grants(self, relations: list[dict[str, Any]]) -> list[DbObject]:
        """Every ACL entry but the owner's own, one object per (object, grantee, privilege):
        REVOKE everything from the grantees first, so a rerun leaves exactly the source's."""
        found = []
        for row in relations:
            if row["acl"] is None:
                continue
            if row["relkind"] == "S":
                column = self.owned_by_column(row["oid"])
                target = sequence_of(*column) if column else qualified(row["relname"])
                label = (
                    f"sequence {column[0]}.{column[1]}" if column else f"sequence {row['relname']}"
                )
            else:
                target = qualified(row["relname"])
                label = f"{RELATION_WORDS[row['relkind']].lower()} {row['relname']}"
            word = PRIVILEGE_TARGETS[row["relkind"]]
            found += self.acl_objects(
                row["oid"], "pg_class", row["owner"], f"{word} {target}", label
            )
        for row in self.rows(
            """
            select c.relname, c.relkind, a.attname, r.rolname as owner, e.grantee, e.privilege_type,
                   e.is_grantable
              from pg_attribute a join pg_class c on c.oid = a.attrelid
              join pg_namespace n on n.oid = c.relnamespace
              join pg_roles r on r.oid = c.relowner, aclexplode(a.attacl) e
             where n.nspname = any(%s) and a.attacl is not null and not a.attisdropped
             order by 1, 3, 5, 6
            """
        ):
            if not self.keep(row["relkind"], row["relname"]):
                continue
            grantee = self.grantee(row["grantee"])
            privilege = f"{row['privilege_type']} ({qident(row['attname'])})"
            text = f"GRANT {privilege} ON TABLE {qualified(row['relname'])} TO {grantee}"
            text += " WITH GRANT OPTION" if row["is_grantable"] else ""
            name = f"column {row['relname']}.{row['attname']}: {grantee} {row['privilege_type']}"
            found.append(DbObject("grant", name, text, (text,)))
        for row in self.own_functions():
            word = "PROCEDURE" if row["prokind"] == "p" else "FUNCTION"
            target = f"{word} {qualified(row['proname'])}({row['args']})"
            label = f"function {row['proname']}({row['args']})"
            found += self.acl_objects(row["oid"], "pg_proc", row["owner"], target, label)
        found += self.schema_grants()
        return found

    def acl_objects(
        self, oid: int, catalog: str, owner: str, target: str, label: str
    ) -> list[DbObject]:
        """`target` is e.g. `TABLE <schema>."devices"`; a NULL ACL means the defaults (the
        owner alone, and EXECUTE for PUBLIC on functions), which a new target object has."""
        column = {"pg_class": "relacl", "pg_proc": "proacl"}[catalog]
        entries = self.cursor.execute(
            f"select e.grantee, e.privilege_type, e.is_grantable from {catalog} o, "
            f"aclexplode(o.{column}) e where o.oid = %s and o.{column} is not null "
            "order by 1, 2",
            (oid,),
        ).fetchall()
        if not entries:
            return []
        grantees = {self.grantee(e["grantee"]) for e in entries} | {"PUBLIC"}
        grantees.discard(qident(owner))
        revoke = f"REVOKE ALL ON {target} FROM {', '.join(sorted(grantees))}"
        found = []
        has_public = False
        for entry in entries:
            grantee = self.grantee(entry["grantee"])
            if grantee == qident(owner):
                continue
            has_public |= grantee == "PUBLIC"
            text = f"GRANT {entry['privilege_type']} ON {target} TO {grantee}"
            text += " WITH GRANT OPTION" if entry["is_grantable"] else ""
            name = f"{label}: {grantee} {entry['privilege_type']}"
            # The object's REVOKE goes before its first GRANT only.
            statements = (text,) if found else (revoke, text)
            found.append(DbObject("grant", name, text, statements))
        if not found:  # everything revoked from everyone but the owner
            found.append(DbObject("grant", f"{label}: owner only", revoke, (revoke,)))
        elif catalog == "pg_proc" and not has_public:
            name = f"{label}: not PUBLIC"
            found.append(
                DbObject(
                    "grant",
                    name,
                    f"REVOKE EXECUTE ON {target} FROM PUBLIC",
                    (f"REVOKE EXECUTE ON {target} FROM PUBLIC",),
                )
            )
        return found

    def schema_grants(self) -> list[DbObject]:
        """The schemas' grants, on the one target schema they are folded into."""
        found: dict[str, DbObject] = {}
        for row in self.rows(
            """
            select r.rolname as owner, e.grantee, e.privilege_type, e.is_grantable
              from pg_namespace n join pg_roles r on r.oid = n.nspowner, aclexplode(n.nspacl) e
             where n.nspname = any(%s) and e.grantee <> n.nspowner
             order by 2, 3
            """
        ):
            grantee = self.grantee(row["grantee"])
            text = f"GRANT {row['privilege_type']} ON SCHEMA {SCHEMA} TO {grantee}"
            text += " WITH GRANT OPTION" if row["is_grantable"] else ""
            name = f"schema: {grantee} {row['privilege_type']}"
            found[name] = DbObject("grant", name, text, (text,))
        return list(found.values())

    def grantee(self, oid: int) -> str:
        if oid == 0:
            return "PUBLIC"
        row = self.cursor.execute("select rolname from pg_roles where oid = %s", (oid,)).fetchone()
        return self.role(row["rolname"]) if row else f"<role {oid}>"

    def default_privileges(self) -> list[DbObject]:
        found = []
        for row in self.rows(
            """
            select r.rolname as role, d.defaclobjtype as kind, e.grantee, e.privilege_type,
                   e.is_grantable
              from pg_default_acl d join pg_namespace n on n.oid = d.defaclnamespace
              join pg_roles r on r.oid = d.defaclrole, aclexplode(d.defaclacl) e
             where n.nspname = any(%s)
             order by 1, 2, 3, 4
            """
        ):
            objects = DEFAULT_ACL_OBJECTS[row["kind"]]
            grantee = self.grantee(row["grantee"])
            text = (
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {self.role(row['role'])} IN SCHEMA {SCHEMA} "
                f"GRANT {row['privilege_type']} ON {objects} TO {grantee}"
            )
            text += " WITH GRANT OPTION" if row["is_grantable"] else ""
            name = f"{row['role']} {objects.lower()}: {grantee} {row['privilege_type']}"
            found.append(DbObject("default privilege", name, text, (text,)))
        return found

    def schema_owner(self) -> list[DbObject]:
        owners = sorted(
            {
                r["owner"]
                for r in self.rows(
                    "select r.rolname as owner from pg_namespace n join pg_roles r "
                    "on r.oid = n.nspowner where n.nspname = any(%s)"
                )
            }
        )
        if len(owners) != 1:
            return []  # several owners cannot own one folded schema: left as is
        text = f"ALTER SCHEMA {SCHEMA} OWNER TO {self.role(owners[0])}"
        return [DbObject("schema owner", "schema", text, (text,))]

    # -- sequences (values and identity generation) -----------------------------------
    def sequences(self) -> list[DbObject]:
        """Each column-owned sequence: the target's must reach the source's last value, and
        an identity column keeps its ALWAYS / BY DEFAULT."""
        found = []
        for row in self.rows(
            """
            select t.relname, t.relkind, a.attname, a.attidentity, s.last_value
              from pg_depend d
              join pg_class q on q.oid = d.objid and q.relkind = 'S'
              join pg_class t on t.oid = d.refobjid
              join pg_namespace n on n.oid = t.relnamespace
              join pg_attribute a on a.attrelid = t.oid and a.attnum = d.refobjsubid
              join pg_sequences s on s.schemaname = n.nspname and s.sequencename = q.relname
             where n.nspname = any(%s) and d.classid = 'pg_class'::regclass
               and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
             order by 1, 3
            """
        ):
            if not self.keep(row["relkind"], row["relname"]):
                continue
            table, column = row["relname"], row["attname"]
            last = int(row["last_value"]) if row["last_value"] is not None else 0
            # A serial column takes explicit values like an identity BY DEFAULT, which is
            # what the target's contract makes of it.
            generation = "ALWAYS" if row["attidentity"] == "a" else "BY DEFAULT"
            statements = [
                f"ALTER TABLE {qualified(table)} ALTER COLUMN {qident(column)} "
                f"SET GENERATED {generation}"
            ]
            sequence = f"pg_get_serial_sequence({qliteral(qualified(table))}, {qliteral(column)})"
            statements.append(
                f"SELECT setval({sequence}, greatest({last}, "
                f"coalesce((SELECT max({qident(column)}) FROM {qualified(table)}), 0), "
                f"coalesce(pg_sequence_last_value({sequence}::regclass), 0), 1))"
            )
            definition = f"{table}.{column} GENERATED {generation}"
            found.append(
                DbObject("sequence", f"{table}.{column}", definition, tuple(statements), last)
            )
        return found

    # -- comments ----------------------------------------------------------------------
    def comments(self, relations: list[dict[str, Any]]) -> list[DbObject]:
        found = []
        for row in relations:
            if row["comment"] is None or row["relkind"] == "S":
                continue
            word = RELATION_WORDS[row["relkind"]]
            text = f"COMMENT ON {word} {qualified(row['relname'])} IS {qliteral(row['comment'])}"
            found.append(DbObject("comment", f"{word.lower()} {row['relname']}", text, (text,)))
        kept = {r["relname"] for r in relations}
        for row in self.rows(
            """
            select c.relname, a.attname, col_description(c.oid, a.attnum) as comment
              from pg_attribute a join pg_class c on c.oid = a.attrelid
              join pg_namespace n on n.oid = c.relnamespace
             where n.nspname = any(%s) and a.attnum > 0 and not a.attisdropped
               and c.relkind in ('r', 'p', 'v', 'm') and not c.relispartition
               and col_description(c.oid, a.attnum) is not null
             order by 1, 2
            """
        ):
            if row["relname"] not in kept:
                continue
            text = (
                f"COMMENT ON COLUMN {qualified(row['relname'])}.{qident(row['attname'])} "
                f"IS {qliteral(row['comment'])}"
            )
            name = f"column {row['relname']}.{row['attname']}"
            found.append(DbObject("comment", name, text, (text,)))
        for row in self.own_functions():
            if row["comment"] is None:
                continue
            word = "PROCEDURE" if row["prokind"] == "p" else "FUNCTION"
            signature = f"{qualified(row['proname'])}({row['args']})"
            text = f"COMMENT ON {word} {signature} IS {qliteral(row['comment'])}"
            name = f"function {row['proname']}({row['args']})"
            found.append(DbObject("comment", name, text, (text,)))
        schema_comments = self.rows(
            "select n.nspname, obj_description(n.oid, 'pg_namespace') as comment "
            "from pg_namespace n where n.nspname = any(%s) "
            "and obj_description(n.oid, 'pg_namespace') is not null order by 1"
        )
        if schema_comments:
            # Several schemas fold into one: their comments are joined, none is dropped.
            joined = (
                schema_comments[0]["comment"]
                if len(self.schemas) == 1
                else "; ".join(f"{r['nspname']}: {r['comment']}" for r in schema_comments)
            )
            text = f"COMMENT ON SCHEMA {SCHEMA} IS {qliteral(joined)}"
            found.append(DbObject("comment", "schema", text, (text,)))
        return found

    # -- roles -------------------------------------------------------------------------
    def roles(self) -> list[DbObject]:
        """The roles the objects name (owners, grantees, policy roles) and the roles those
        are members of: created when missing, without a password."""
        rows = self.cursor.execute(
            """
            with recursive wanted(oid) as (
                select oid from pg_roles where rolname = any(%s)
                union
                select m.roleid from pg_auth_members m join wanted w on w.oid = m.member
            )
            select r.rolname, r.rolcanlogin, r.rolinherit, r.rolcreatedb, r.rolcreaterole,
                   r.rolbypassrls, r.rolconnlimit,
                   array(select g.rolname from pg_auth_members m join pg_roles g on g.oid = m.roleid
                          where m.member = r.oid order by 1) as member_of
              from pg_roles r join wanted w on w.oid = r.oid
             where not r.rolsuper and r.rolname !~ '^pg_'
             order by 1
            """,
            (sorted(self.role_names),),
        ).fetchall()
        found = []
        for row in rows:
            attributes = " ".join(
                [
                    "LOGIN" if row["rolcanlogin"] else "NOLOGIN",
                    "INHERIT" if row["rolinherit"] else "NOINHERIT",
                    "CREATEDB" if row["rolcreatedb"] else "NOCREATEDB",
                    "CREATEROLE" if row["rolcreaterole"] else "NOCREATEROLE",
                    "BYPASSRLS" if row["rolbypassrls"] else "NOBYPASSRLS",
                    f"CONNECTION LIMIT {row['rolconnlimit']}",
                ]
            )
            name = row["rolname"]
            create = (
                "DO $role$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
                f"{qliteral(name)}) THEN CREATE ROLE {qident(name)} {attributes}; "
                "END IF; END $role$"
            )
            members = [f"GRANT {qident(g)} TO {qident(name)}" for g in row["member_of"]]
            definition = f"ROLE {qident(name)} {attributes}" + "".join(
                f"; MEMBER OF {qident(g)}" for g in row["member_of"]
            )
            found.append(DbObject("role", name, definition, (create, *members), cluster_wide=True))
        return found
