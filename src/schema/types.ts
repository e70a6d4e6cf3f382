/** What pg-mcp knows of the connected database's catalog. */
export interface ColumnInfo {
  name: string;
  type: string;
  nullable: boolean;
  default?: string;
  comment?: string;
}

export interface ForeignKeyInfo {
  name: string;
  columns: string[];
  refSchema: string;
  refTable: string;
  refColumns: string[];
}

export interface TableInfo {
  schema: string;
  name: string;
  kind:
    | "table"
    | "view"
    | "materialized_view"
    | "partitioned_table"
    | "foreign_table";
  comment?: string;
  columns: ColumnInfo[];
  primaryKey: string[];
  foreignKeys: ForeignKeyInfo[];
  estimatedRows?: number;
}

export interface SchemaSnapshot {
  database: string;
  tables: TableInfo[];
  /** When it was loaded, by the injected clock (ms). */
  loadedAt: number;
}
