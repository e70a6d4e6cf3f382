import assert from "node:assert/strict";
import { buildJoinGraph } from "./join_graph.ts";
import type { TableInfo } from "./types.ts";

function table(name: string, columns: string[], extra: Partial<TableInfo> = {}): TableInfo {
  return {
    schema: "s",
    name,
    kind: "table",
    columns: columns.map((c) => ({ name: c, type: "text", nullable: true })),
    primaryKey: [],
    foreignKeys: [],
    ...extra,
  };
}

function edges(tables: TableInfo[]): string[] {
  const g = buildJoinGraph(tables);
  const out: string[] = [];
  g.neighbours.forEach((ns, i) => {
    for (const j of ns) if (i < j) out.push([tables[i].name, tables[j].name].sort().join("-"));
  });
  return out.sort();
}

Deno.test("buildJoinGraph() links declared foreign keys both ways", () => {
  const tables = [
    table("orders", ["id", "buyer"], {
      foreignKeys: [{
        name: "f",
        columns: ["buyer"],
        refSchema: "s",
        refTable: "people",
        refColumns: ["id"],
      }],
    }),
    table("people", ["id"]),
  ];
  const g = buildJoinGraph(tables);
  assert.deepEqual(g.neighbours, [[1], [0]]);
  assert.equal(g.inferred.size, 0);
});

Deno.test("buildJoinGraph() infers joins from columns naming a table", () => {
  assert.deepEqual(
    edges([
      table("races", ["raceid", "year"]),
      table("results", ["resultid", "raceid", "driverid"]),
      table("drivers", ["driverid", "surname"]),
      table("colour", ["id", "colour"]),
      table("superhero", ["id", "eye_colour_id"]),
      table("event", ["event_id", "event_name"]),
      table("attendance", ["link_to_event", "link_to_member"]),
      table("atom", ["atom_id"], { primaryKey: ["atom_id"] }),
      table("connected", ["atom_id", "atom_id2"]),
    ]),
    [
      "atom-connected",
      "attendance-event",
      "colour-superhero",
      "drivers-results",
      "races-results",
    ],
  );
});

Deno.test("buildJoinGraph() links a shared key column to the table owning it", () => {
  assert.deepEqual(
    edges([
      table("frpm", ["cdscode", "enrollment"]),
      table("schools", ["cdscode", "city"]),
      table("notes", ["id", "text"]),
      table("memo", ["id", "text"]),
    ]),
    ["frpm-schools"],
    "a bare id links nothing",
  );
  // laptimes' first column refers to races: laptimes does not own raceid.
  assert.deepEqual(
    edges([
      table("races", ["raceid"]),
      table("laptimes", ["raceid", "lap"]),
      table("pitstops", ["raceid", "stop"]),
    ]),
    ["laptimes-races", "pitstops-races"],
  );
});
