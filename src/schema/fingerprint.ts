import type { CatalogReader } from "../db/catalog_reader.ts";
import { ok, type Result } from "../errors.ts";

/**
 * One text value that changes whenever DDL changes what introspection would read: relations
 * created, dropped, renamed or re-granted; columns added, dropped or altered; defaults,
 * constraints, comments, enum values and domains. Counts catch deletions; row versions (xmin) or
 * a hash of the relevant fields catch inserts and updates. Temporary tables of other sessions are
 * left out, and so are ANALYZE, VACUUM, TRUNCATE and REFRESH (pg_class is hashed by name, kind,
 * schema and ACL, not by row version), so statistics updates never force a reload.
 * Object ids below 16384 are the system's own (FirstNormalObjectId).
 */
export const FINGERPRINT_EXPR = `md5(concat_ws('|',
  (SELECT count(*) || '.' || sum(hashtext(n.oid::text || n.nspname || coalesce(n.nspacl::text, '')))
     FROM pg_namespace n WHERE n.nspname !~ '^pg_(toast_)?temp_'),
  (SELECT count(*) || '.' || sum(hashtext(c.oid::text || c.relname || c.relnamespace::text
       || c.relkind::text || c.relispartition::text || coalesce(c.relacl::text, '')))
     FROM pg_class c WHERE c.oid >= 16384 AND c.relpersistence <> 't'),
  (SELECT count(*) || '.' || sum(a.xmin::text::bigint)
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE a.attrelid >= 16384 AND c.relpersistence <> 't'),
  (SELECT count(*) || '.' || sum(xmin::text::bigint) FROM pg_attrdef WHERE adrelid >= 16384),
  (SELECT count(*) || '.' || sum(xmin::text::bigint) FROM pg_constraint WHERE oid >= 16384),
  (SELECT count(*) || '.' || sum(xmin::text::bigint) FROM pg_description WHERE objoid >= 16384),
  (SELECT count(*) || '.' || sum(xmin::text::bigint) FROM pg_enum),
  (SELECT count(*) || '.' || sum(xmin::text::bigint) FROM pg_type
     WHERE oid >= 16384 AND typtype IN ('d', 'e'))))`;

/** Reads the catalog fingerprint: one small query, no rows of user data. */
export async function readFingerprint(db: CatalogReader): Promise<Result<string>> {
  const rows = await db.catalog<{ fingerprint: string }>(
    `SELECT ${FINGERPRINT_EXPR} AS fingerprint`,
  );
  if (!rows.ok) return rows;
  return ok(rows.value[0]?.fingerprint ?? "");
}
