/** What pg-mcp knows of the connected database's catalog. */
export interface ColumnInfo {
  name: string;
  /** The full type as PostgreSQL prints it: modifiers, arrays, domain and enum names. */
  type: string;
  nullable: boolean;
  default?: string;
  /** `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`. */
  identity?: "always" | "by_default";
  /** The expression of a `GENERATED ALWAYS AS (...) STORED` column. */
  generated?: string;
  comment?: string;
  /** `schema.name` of the enum type (or of the enum behind an array or domain). */
  enumType?: string;
  /** `schema.name` of the domain type. */
  domainType?: string;
}

export interface ForeignKeyInfo {
  name: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface UniqueInfo {
  name: string;
  columns: string[];
}

export interface IndexInfo {
  name: string;
  /** Key columns; an expression key appears as its text. */
  columns: string[];
  unique: boolean;
  primary: boolean;
  method: string;
  /** The partial index's WHERE, when there is one. */
  predicate?: string;
  /** Rebuilt from the fields above (opclasses, INCLUDE and sort order are not shown). */
  definition: string;
}

export interface CheckInfo {
  name: string;
  definition: string;
}

export type TableKind =
  | "table"
  | "view"
  | "materialized_view"
  | "partitioned_table"
  | "foreign_table";

export interface TableInfo {
  schema: string;
  name: string;
  kind: TableKind;
  comment?: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  foreignKeys: ForeignKeyInfo[];
  /** Optional so snapshots built before these fields existed stay valid. */
  uniqueConstraints?: UniqueInfo[];
  checks?: CheckInfo[];
  indexes?: IndexInfo[];
  /** From pg_class.reltuples (summed over partitions); absent when never analyzed. */
  estimatedRows?: number;
}

export interface EnumInfo {
  schema: string;
  name: string;
  values: string[];
  comment?: string;
}

export interface DomainInfo {
  schema: string;
  name: string;
  baseType: string;
  nullable: boolean;
  default?: string;
  checks: string[];
  comment?: string;
}

export interface SchemaInfo {
  name: string;
  comment?: string;
  owner?: string;
}

export interface SchemaSnapshot {
  database: string;
  tables: TableInfo[];
  /** When it was loaded, by the injected clock (ms). */
  loadedAt: number;
  /** The schemas the role may use, within SCHEMA_INCLUDE/SCHEMA_EXCLUDE. */
  schemas?: SchemaInfo[];
  enums?: EnumInfo[];
  domains?: DomainInfo[];
  /** The catalog fingerprint read in the same statement as the snapshot. */
  fingerprint?: string;
}
