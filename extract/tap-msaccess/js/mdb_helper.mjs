// tap-msaccess Node helper: reads an MS Access file with mdb-reader 3.2.0 and writes
// NDJSON (one JSON value per line) on stdout. The Python package starts it; it is not
// meant to be used by hand.
//
//   node mdb_helper.mjs <file> describe
//   node mdb_helper.mjs <file> rows <table> <batch_size> [<JSON array of columns>]
//
// Environment: MDB_PASSWORD (encrypted files), TZ must be UTC (set by the caller).
// Jet 3 text is handed over undecoded (Latin-1, see jet3_raw_hooks.mjs); the Python
// side decodes it with the configured code page.
//
// Values: null/boolean/string/number as JSON, except
//   bigint  -> {"$bigint": "<decimal text>"}
//   Buffer  -> {"$bytes": "<base64>"}
//   Date    -> {"$ms": <epoch ms, UTC>}           (Python undoes mdb-reader's linear
//                                                  mapping of negative OLE dates)
//   non-finite or -0 numbers -> {"$float": "NaN" | "Infinity" | "-Infinity" | "-0"}
// The last line of `rows` is {"$end": {"rows": <rows read>}}. An error is reported as
// one line {"$error": "<message>", "kind": "...", "column": "..."} and exit code 2.
import { readFileSync } from "node:fs";
import { register } from "node:module";

register("./jet3_raw_hooks.mjs", import.meta.url);
const { default: MDBReader } = await import("mdb-reader");

const [file, cmd, table, batchArg, columnsArg] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

function enc(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (typeof v === "number") {
    if (Number.isNaN(v)) return { $float: "NaN" };
    if (v === Infinity) return { $float: "Infinity" };
    if (v === -Infinity) return { $float: "-Infinity" };
    if (Object.is(v, -0)) return { $float: "-0" };
    return v;
  }
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("base64") };
  if (v instanceof Date) return { $ms: v.getTime() };
  if (Array.isArray(v)) return v.map(enc);
  if (typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]));
  return v;
}

class HelperError extends Error {
  constructor(message, kind, column) {
    super(message);
    this.kind = kind;
    this.column = column;
  }
}

function openDatabase() {
  let buffer;
  try {
    buffer = readFileSync(file);
  } catch (e) {
    throw new HelperError(`cannot read ${file}: ${e.message}`, "io");
  }
  try {
    return new MDBReader(buffer, { password: process.env.MDB_PASSWORD || undefined });
  } catch (e) {
    if (/Wrong password/i.test(e.message)) throw new HelperError(e.message, "password");
    throw new HelperError(e.message, "open");
  }
}

function safe(fn, fallback) {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

// Complex columns (Access 2007+): which hidden flat table holds their values, and is it an
// attachment table (FileName/FileData)? mdb-reader decodes attachments only.
function complexKinds(db) {
  const objects = safe(() => db.getTable("MSysObjects").getData({ columns: ["Id", "Name"] }), []);
  const complexColumns = safe(() => db.getTable("MSysComplexColumns").getData(), []);
  const nameById = new Map(objects.map((o) => [o.Id & 0x00ffffff, o.Name]));
  return (tableName, column, tablePage) => {
    const typeId = column.complex?.typeId;
    for (const row of complexColumns) {
      if (!row.FlatTableID || (row.ConceptualTableID & 0x00ffffff) !== tablePage) continue;
      const match =
        row.ComplexTypeObjectID === typeId ||
        row.ComplexID === typeId ||
        (typeof row.ColumnName === "string" && row.ColumnName.toLowerCase() === column.name.toLowerCase());
      if (!match) continue;
      const flatName = nameById.get(row.FlatTableID & 0x00ffffff);
      const typeName = nameById.get(row.ComplexTypeObjectID & 0x00ffffff) ?? null;
      const flatColumns = safe(() => db.getTable(flatName).getColumns().map((c) => c.name), []);
      const isAttachment = flatColumns.includes("FileData") && flatColumns.includes("FileName");
      return { flat_table: flatName ?? null, complex_type: typeName, attachment: isAttachment };
    }
    return { flat_table: null, complex_type: null, attachment: false };
  };
}

function describe() {
  const db = openDatabase();
  const sys = safe(
    () =>
      db
        .getTable("MSysObjects")
        .getData({ columns: ["Id", "Name", "Type", "Flags", "Database", "ForeignName", "Connect", "LvProp"] }),
    null,
  );
  const pageByName = new Map();
  const lvpropByName = new Map();
  const queries = [];
  const linked = [];
  for (const o of sys ?? []) {
    // Exact MSysObjects types: 1 table, 4 ODBC linked table, 5 query, 6 Access linked
    // table. Forms, reports, macros and modules have negative types (0x8000 bit set).
    const type = o.Type;
    if (type === 1) {
      pageByName.set(o.Name, o.Id & 0x00ffffff);
      if (o.LvProp) lvpropByName.set(o.Name, Buffer.from(o.LvProp).toString("base64"));
    } else if (type === 5) {
      queries.push({ name: o.Name, hidden: !!(o.Flags & 0x8) || o.Name.startsWith("~") });
    } else if (type === 4 || type === 6) {
      linked.push({
        name: o.Name,
        kind: type === 4 ? "ODBC" : "Access",
        database: o.Database ?? null,
        foreign_name: o.ForeignName ?? null,
        connect: type === 4 ? "(ODBC connect string withheld)" : (o.Connect ?? null),
      });
    }
  }
  const kindOf = complexKinds(db);
  const tables = [];
  for (const name of db.getTableNames()) {
    const entry = { name, columns: null, error: null, header_row_count: null, lvprop: lvpropByName.get(name) ?? null };
    try {
      const t = db.getTable(name);
      entry.header_row_count = t.rowCount;
      entry.columns = t.getColumns().map((c) => {
        const col = { ...c };
        if (c.type === "complex") {
          delete col.complex;
          Object.assign(col, kindOf(name, c, pageByName.get(name)));
        }
        return col;
      });
    } catch (e) {
      entry.error = e.message;
    }
    tables.push(entry);
  }
  let relationships = [];
  let relationshipsError = null;
  try {
    relationships = db
      .getTable("MSysRelationships")
      .getData()
      .filter((r) => !String(r.szObject).startsWith("MSys"));
  } catch (e) {
    relationshipsError = e.message;
  }
  out(
    enc({
      tables,
      linked,
      queries,
      relationships,
      relationships_error: relationshipsError,
      password_protected: safe(() => db.getPassword() !== null, null),
      creation_date: safe(() => db.getCreationDate(), null),
    }),
  );
}

function readPage(t, columns, offset, limit) {
  try {
    return t.getData({ columns: columns.map((c) => c.name), rowOffset: offset, rowLimit: limit });
  } catch (e) {
    // Name the failing column: read the same page one column at a time.
    for (const c of columns) {
      try {
        t.getData({ columns: [c.name], rowOffset: offset, rowLimit: limit });
      } catch (inner) {
        const cause = inner.cause ? `: ${inner.cause.message}` : "";
        throw new HelperError(`${inner.message}${cause}`, "column", c.name);
      }
    }
    throw new HelperError(e.message, "read");
  }
}

function rows() {
  const db = openDatabase();
  const batch = Math.max(1, Number.parseInt(batchArg ?? "10000", 10) || 10000);
  let t;
  try {
    t = db.getTable(table);
  } catch (e) {
    throw new HelperError(e.message, "table");
  }
  let columns;
  try {
    columns = t.getColumns();
  } catch (e) {
    throw new HelperError(e.message, "columns");
  }
  if (columnsArg) {
    const wanted = new Set(JSON.parse(columnsArg));
    columns = columns.filter((c) => wanted.has(c.name));
  }
  let count = 0;
  for (let offset = 0; ; offset += batch) {
    const page = readPage(t, columns, offset, batch);
    for (const r of page) out(enc(r));
    count += page.length;
    if (page.length < batch) break;
  }
  out({ $end: { rows: count } });
}

try {
  if (cmd === "describe") describe();
  else if (cmd === "rows") rows();
  else throw new HelperError(`unknown command ${JSON.stringify(cmd)}`, "usage");
} catch (e) {
  out({ $error: e.message, kind: e.kind ?? "internal", column: e.column ?? null });
  process.exitCode = 2;
}
