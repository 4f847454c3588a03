// The DAG Tracker's checkpoints in the host database (tables of
// the host database's migrations). Statements are prepared once per connection.
//
// Each checkpoint stamps the workflow row with a fresh checkpoint id. When the
// row still carries the id this tracker wrote last, only the nodes changed
// since are written; otherwise (first checkpoint, another database, a removed
// or overwritten checkpoint) the whole state is.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { inTransaction } from "../conductor/host_database.ts";
import { NODE_STATES } from "./_dag_tracker_schema.ts";
import { type NodeRecord, PENDING } from "./_dag_tracker_state.ts";

/** What a checkpoint records of one workflow. */
export interface DagSnapshot {
  workflow: string;
  /** The definition as JSON, asked for when the whole state is written. */
  definition: () => string;
  finished: boolean;
  /** ISO 8601. */
  updatedAt: string;
  ids: readonly string[];
  /** Indices into NODE_STATES; pending nodes have no row. */
  states: Uint8Array;
  /** NaN where none was measured. */
  durations: Float64Array;
  attempts: Int32Array;
  /** The checkpoint id this tracker wrote last, and the nodes changed since (undefined: all). */
  since: { checkpointId: string; changed: Int32Array } | undefined;
}

/** A stored checkpoint. */
export interface StoredSnapshot {
  checkpointId: string;
  definition: string;
  nodes: NodeRecord[];
}

interface Statements {
  selectCheckpointId: StatementSync;
  upsertWorkflow: StatementSync;
  stampWorkflow: StatementSync;
  deleteNodes: StatementSync;
  upsertNode: StatementSync;
  deleteNode: StatementSync;
  selectWorkflow: StatementSync;
  selectNodes: StatementSync;
  selectUnfinished: StatementSync;
  deleteWorkflow: StatementSync;
}

const prepared = new WeakMap<DatabaseSync, Statements>();

function statements(db: DatabaseSync): Statements {
  let found = prepared.get(db);
  if (found === undefined) {
    found = {
      selectCheckpointId: db.prepare("SELECT checkpoint_id FROM dag_workflows WHERE id = ?"),
      upsertWorkflow: db.prepare(
        `INSERT INTO dag_workflows (id, definition, finished, updated_at, checkpoint_id)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET definition = excluded.definition,
           finished = excluded.finished, updated_at = excluded.updated_at,
           checkpoint_id = excluded.checkpoint_id`,
      ),
      stampWorkflow: db.prepare(
        "UPDATE dag_workflows SET finished = ?, updated_at = ?, checkpoint_id = ? WHERE id = ?",
      ),
      deleteNodes: db.prepare("DELETE FROM dag_node_states WHERE workflow = ?"),
      upsertNode: db.prepare(
        `INSERT INTO dag_node_states (workflow, node, state, duration_ms, attempts)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (workflow, node) DO UPDATE SET state = excluded.state,
           duration_ms = excluded.duration_ms, attempts = excluded.attempts`,
      ),
      deleteNode: db.prepare("DELETE FROM dag_node_states WHERE workflow = ? AND node = ?"),
      selectWorkflow: db.prepare(
        "SELECT definition, checkpoint_id AS checkpointId FROM dag_workflows WHERE id = ?",
      ),
      selectNodes: db.prepare(
        `SELECT node, state, duration_ms AS durationMs, attempts
         FROM dag_node_states WHERE workflow = ?`,
      ),
      selectUnfinished: db.prepare(
        "SELECT id FROM dag_workflows WHERE finished = 0 ORDER BY updated_at, id",
      ),
      deleteWorkflow: db.prepare("DELETE FROM dag_workflows WHERE id = ?"),
    };
    prepared.set(db, found);
  }
  return found;
}

/** Writes a checkpoint in one transaction; returns its checkpoint id. */
export function writeSnapshot(db: DatabaseSync, snapshot: DagSnapshot): string {
  const sql = statements(db);
  const { workflow, ids, states, since } = snapshot;
  const checkpointId = crypto.randomUUID();
  const finished = snapshot.finished ? 1 : 0;
  const writeNode = (i: number): void => {
    const state = states[i] ?? PENDING;
    if (state === PENDING) {
      sql.deleteNode.run(workflow, ids[i] ?? "");
      return;
    }
    const duration = snapshot.durations[i] ?? NaN;
    sql.upsertNode.run(
      workflow,
      ids[i] ?? "",
      NODE_STATES[state] ?? "",
      Number.isNaN(duration) ? null : duration,
      snapshot.attempts[i] ?? 0,
    );
  };
  inTransaction(db, () => {
    const stored = sql.selectCheckpointId.get(workflow) as { checkpoint_id: string } | undefined;
    if (since !== undefined && stored?.checkpoint_id === since.checkpointId) {
      sql.stampWorkflow.run(finished, snapshot.updatedAt, checkpointId, workflow);
      for (const i of since.changed) writeNode(i);
      return;
    }
    sql.upsertWorkflow.run(
      workflow,
      snapshot.definition(),
      finished,
      snapshot.updatedAt,
      checkpointId,
    );
    sql.deleteNodes.run(workflow);
    for (let i = 0; i < ids.length; i++) if (states[i] !== PENDING) writeNode(i);
  });
  return checkpointId;
}

export function readSnapshot(db: DatabaseSync, workflow: string): StoredSnapshot | undefined {
  const sql = statements(db);
  // One transaction: the workflow row and its nodes from the same checkpoint.
  return inTransaction(db, () => {
    const row = sql.selectWorkflow.get(workflow) as
      | { definition: string; checkpointId: string }
      | undefined;
    if (row === undefined) return undefined;
    const nodes = sql.selectNodes.all(workflow) as unknown as NodeRecord[];
    return { ...row, nodes };
  });
}

export function unfinishedWorkflows(db: DatabaseSync): string[] {
  return statements(db).selectUnfinished.all().map((row) => (row as { id: string }).id);
}

export function deleteSnapshot(db: DatabaseSync, workflow: string): boolean {
  const sql = statements(db);
  return inTransaction(db, () => {
    sql.deleteNodes.run(workflow);
    return Number(sql.deleteWorkflow.run(workflow).changes) > 0;
  });
}
