import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { validateManifest } from "../manifest/mod.ts";
import { tempDir } from "../tests/temp_dir.ts";
import { auditHash, canonicalJson, GENESIS_HASH } from "./audit_trail.ts";
import { MIGRATIONS, openHostDatabase, SCHEMA_VERSION } from "./host_database.ts";
import type { InstalledExtension } from "./state_store.ts";

type Row = Record<string, SQLInputValue>;

/** Rows of one table, and the order that reads them back as inserted. */
interface TableRows {
  table: string;
  orderBy: string;
  rows: Row[];
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

// Version 1: an installed extension (as StateStore writes it) and two chained
// audit records (as AuditTrail writes them).
async function version1Rows(): Promise<TableRows[]> {
  const validated = validateManifest({
    manifest_version: 1,
    id: "acme.resize",
    name: "Resize",
    version: "1.2.0",
    type: "operator",
    entry: "main.ts",
    operator: { functions: [{ name: "run" }] },
  });
  assert.ok(validated.ok);
  const installed: InstalledExtension = {
    id: "acme.resize",
    version: "1.2.0",
    manifest: validated.manifest,
    installedAt: "2026-01-02T03:04:05.000Z",
    grants: {},
    settings: { quality: 80 },
  };
  const at = "2026-01-02T03:04:05.100Z";
  const install = {
    seq: 1,
    at,
    kind: "install" as const,
    extension: "acme.resize",
    actor: "cli:ada",
    detail: { version: "1.2.0" },
    prevHash: GENESIS_HASH,
  };
  const installHash = await auditHash(install);
  // A record about no extension: its column holds NULL.
  const gc = {
    seq: 2,
    at,
    kind: "gc" as const,
    actor: "conductor",
    detail: { removed: 0 },
    prevHash: installHash,
  };
  const auditRow = (record: typeof install | typeof gc, hash: string): Row => ({
    seq: record.seq,
    at: record.at,
    kind: record.kind,
    extension: "extension" in record ? record.extension : null,
    actor: record.actor,
    detail: canonicalJson(record.detail),
    prev_hash: record.prevHash,
    hash,
  });
  return [
    {
      table: "extensions",
      orderBy: "id",
      rows: [{ id: installed.id, record: JSON.stringify(installed) }],
    },
    {
      table: "versions",
      orderBy: "id, version",
      rows: [{
        id: installed.id,
        version: installed.version,
        manifest: JSON.stringify(installed.manifest),
        installed_at: installed.installedAt,
      }],
    },
    {
      table: "audit",
      orderBy: "seq",
      rows: [auditRow(install, installHash), auditRow(gc, await auditHash(gc))],
    },
  ];
}

// Version 2: one artifact, tagged and shared (as pit/_artifact_store_index.ts writes it).
async function version2Rows(): Promise<TableRows[]> {
  const id = await sha256Hex("a thumbnail");
  const createdAt = 1767323045100;
  const key = { namespace: "acme.resize", name: "thumb.png" };
  return [
    { table: "artifact_blobs", orderBy: "id", rows: [{ id, size: 11, created_at: createdAt }] },
    { table: "artifact_names", orderBy: "namespace, name", rows: [{ ...key, last_version: 1 }] },
    {
      table: "artifact_versions",
      orderBy: "namespace, name, version",
      rows: [{
        ...key,
        version: 1,
        id,
        producer: "acme.resize",
        media_type: "image/png",
        size: 11,
        tags: JSON.stringify(["preview"]),
        quality: 0.75,
        created_at: createdAt,
        last_access_at: createdAt,
        pinned: 1,
      }],
    },
    {
      table: "artifact_tags",
      orderBy: "namespace, tag, name, version",
      rows: [{ namespace: key.namespace, tag: "preview", name: key.name, version: 1 }],
    },
    {
      table: "artifact_shares",
      orderBy: "namespace, name, shared_with",
      rows: [{ ...key, shared_with: "acme.gallery" }],
    },
  ];
}

// What the tables created by migration i hold; one entry per intermediate version.
const ROWS_BY_MIGRATION: readonly (TableRows[])[] = [await version1Rows(), await version2Rows()];

function tableNames(db: DatabaseSync): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()
    .map((row) => String(row["name"]));
}

function schemaOf(db: DatabaseSync): unknown[] {
  return db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    .all().map((row) => ({ ...row }));
}

function userVersion(db: DatabaseSync): number {
  return Number(db.prepare("PRAGMA user_version").get()?.["user_version"]);
}

function readRows(db: DatabaseSync, { table, orderBy }: TableRows): Row[] {
  return db.prepare(`SELECT * FROM ${table} ORDER BY ${orderBy}`).all()
    .map((row) => ({ ...row }) as Row);
}

Deno.test("openHostDatabase() migrates a database of every older version, keeping its rows", async (t) => {
  assert.equal(
    ROWS_BY_MIGRATION.length,
    SCHEMA_VERSION - 1,
    "every intermediate version needs rows for the tables its migration adds",
  );
  await using dir = await tempDir();
  let latestSchema: unknown[];
  {
    using fresh = openHostDatabase(join(dir.path, "fresh.db"));
    latestSchema = schemaOf(fresh);
  }

  for (let k = 1; k < SCHEMA_VERSION; k++) {
    await t.step(`from version ${k}`, () => {
      const file = join(dir.path, `v${k}.db`);
      const tables = ROWS_BY_MIGRATION.slice(0, k).flat();
      {
        // A file an older host wrote: only the first k migrations.
        using old = new DatabaseSync(file);
        for (const sql of MIGRATIONS.slice(0, k)) old.exec(sql);
        old.exec(`PRAGMA user_version = ${k}`);
        assert.deepEqual(
          tableNames(old),
          tables.map((entry) => entry.table).sort(),
          `the rows cover every table of version ${k}`,
        );
        for (const { table, rows } of tables) {
          for (const row of rows) {
            const columns = Object.keys(row);
            old.prepare(
              `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?")})`,
            ).run(...Object.values(row));
          }
        }
      }

      using db = openHostDatabase(file);
      assert.equal(userVersion(db), SCHEMA_VERSION);
      assert.deepEqual(schemaOf(db), latestSchema);
      for (const table of tables) {
        assert.deepEqual(readRows(db, table), table.rows, `the rows of ${table.table}`);
      }
    });
  }
});
