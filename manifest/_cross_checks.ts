// Checks that relate one part of a manifest to another. They read the raw
// manifest defensively, so they still report while other fields are invalid.
import { EXTENSION_TYPES } from "./manifest_schema.ts";
import { checkNetEntry } from "./check_net_entry.ts";
import { formatFieldPath, type Problem } from "./problem.ts";

const DEPENDENCY_TABLES = ["dependencies", "optional_dependencies", "peer_dependencies"] as const;

export function crossChecks(raw: Record<string, unknown>): Problem[] {
  return [...typeSections(raw), ...dependencyTables(raw), ...calls(raw), ...endpoint(raw)];
}

function typeSections(raw: Record<string, unknown>): Problem[] {
  const type = raw["type"];
  if (typeof type !== "string" || !(EXTENSION_TYPES as readonly string[]).includes(type)) return [];
  const problems: Problem[] = [];
  if (raw[type] === undefined) {
    problems.push({ path: type, message: `is required: this manifest's type is "${type}"` });
  }
  for (const other of EXTENSION_TYPES) {
    if (other !== type && raw[other] !== undefined) {
      problems.push({
        path: other,
        message:
          `does not belong in a manifest of type "${type}": remove [${other}] or change type`,
      });
    }
  }
  return problems;
}

function dependencyTables(raw: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  for (const table of DEPENDENCY_TABLES) {
    for (const id of Object.keys(record(raw[table]))) {
      const path = formatFieldPath([table, id]);
      if (id === raw["id"]) {
        problems.push({ path, message: "an extension cannot depend on itself" });
      }
      const earlier = seen.get(id);
      if (earlier !== undefined) {
        problems.push({ path, message: `is also listed in ${earlier}; list it once` });
      } else seen.set(id, table);
    }
  }
  return problems;
}

function calls(raw: Record<string, unknown>): Problem[] {
  const listed = strings(record(raw["events"])["calls"]);
  const known = new Set(DEPENDENCY_TABLES.flatMap((t) => Object.keys(record(raw[t]))));
  return listed.flatMap(([id, index]) =>
    known.has(id) ? [] : [{
      path: formatFieldPath(["events", "calls", index]),
      message:
        `"${id}" is not in dependencies: an extension may only call extensions it depends on`,
    }]
  );
}

function endpoint(raw: Record<string, unknown>): Problem[] {
  const value = record(raw["instrument"])["endpoint"];
  if (typeof value !== "string" || !URL.canParse(value)) return [];
  const url = new URL(value);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.toLowerCase();
  const covered = strings(record(raw["permissions"])["net"]).some(([entry]) => {
    const net = checkNetEntry(entry);
    return net.ok && (net.wildcard || (net.host === host && (net.port ?? port) === port));
  });
  return covered ? [] : [{
    path: "instrument.endpoint",
    message: `the endpoint's host is not in permissions.net: add "${host}:${port}"`,
  }];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : {};
}

function strings(value: unknown): [string, number][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item, index) => typeof item === "string" ? [[item, index]] : []);
}
