/**
 * The default SECURITY_BLOCKED_FUNCTIONS, by family, each with the reason a refusal gives
 * ("Cannot call "pg_sleep": <why>"). A name added by configuration and in no family is refused
 * because it is configured so.
 */
export interface BlockedFamily {
  family: string;
  why: string;
  names: readonly string[];
}

export const BLOCKED_FAMILIES: readonly BlockedFamily[] = [
  {
    family: "sleep",
    why: "it holds a database connection idle for as long as it sleeps",
    names: ["pg_sleep", "pg_sleep_for", "pg_sleep_until"],
  },
  {
    family: "server_files",
    why: "it reads, lists or writes files on the database server",
    names: [
      "pg_read_file",
      "pg_read_binary_file",
      "pg_stat_file",
      "pg_ls_dir",
      "pg_ls_logdir",
      "pg_ls_waldir",
      "pg_ls_tmpdir",
      "pg_ls_archive_statusdir",
      "pg_ls_logicalsnapdir",
      "pg_ls_logicalmapdir",
      "pg_ls_replslotdir",
      "pg_file_write",
      "pg_file_rename",
      "pg_file_unlink",
      "pg_file_sync",
      "pg_logdir_ls",
      "pg_current_logfile",
    ],
  },
  {
    family: "large_objects",
    why: "it reads, writes or creates large objects (data stored outside tables, or server files)",
    names: [
      "lo_import",
      "lo_export",
      "lo_create",
      "lo_creat",
      "lo_unlink",
      "lo_open",
      "lo_close",
      "lo_write",
      "lowrite",
      "loread",
      "lo_put",
      "lo_get",
      "lo_from_bytea",
      "lo_truncate",
      "lo_truncate64",
      "lo_lseek",
      "lo_lseek64",
    ],
  },
  {
    family: "other_servers",
    why: "it connects to another database server (or this one) and runs SQL there",
    names: [
      "dblink",
      "dblink_exec",
      "dblink_connect",
      "dblink_connect_u",
      "dblink_disconnect",
      "dblink_open",
      "dblink_fetch",
      "dblink_close",
      "dblink_send_query",
      "dblink_get_result",
      "dblink_cancel_query",
    ],
  },
  {
    family: "settings",
    why: "it changes a server setting, which could lift the read-only guard or the timeouts",
    names: ["set_config"],
  },
  {
    family: "server_administration",
    why: "it changes the server's configuration or state (reload, logs, WAL, backups, " +
      "collations, statistics)",
    names: [
      "pg_reload_conf",
      "pg_rotate_logfile",
      "pg_promote",
      "pg_switch_wal",
      "pg_create_restore_point",
      "pg_backup_start",
      "pg_backup_stop",
      "pg_start_backup",
      "pg_stop_backup",
      "pg_import_system_collations",
      "pg_stat_reset",
      "pg_stat_reset_shared",
      "pg_stat_reset_single_table_counters",
      "pg_stat_reset_single_function_counters",
      "pg_stat_reset_slru",
      "pg_stat_reset_replication_slot",
      "pg_stat_reset_subscription_stats",
      "pg_log_backend_memory_contexts",
    ],
  },
  {
    family: "replication",
    why: "it creates, drops, advances or reads replication slots and origins (changed rows of " +
      "every table)",
    names: [
      "pg_replication_origin_create",
      "pg_replication_origin_drop",
      "pg_create_physical_replication_slot",
      "pg_create_logical_replication_slot",
      "pg_drop_replication_slot",
      "pg_copy_physical_replication_slot",
      "pg_copy_logical_replication_slot",
      "pg_logical_emit_message",
      "pg_logical_slot_get_changes",
      "pg_logical_slot_get_binary_changes",
      "pg_logical_slot_peek_changes",
      "pg_logical_slot_peek_binary_changes",
      "pg_replication_slot_advance",
    ],
  },
  {
    family: "sessions",
    why: "it cancels, ends or signals other sessions",
    names: ["pg_terminate_backend", "pg_cancel_backend", "pg_notify"],
  },
  {
    family: "locks",
    why: "it takes or releases advisory locks, which can block other sessions",
    names: [
      "pg_advisory_lock",
      "pg_advisory_lock_shared",
      "pg_advisory_xact_lock",
      "pg_advisory_xact_lock_shared",
      "pg_try_advisory_lock",
      "pg_try_advisory_lock_shared",
      "pg_try_advisory_xact_lock",
      "pg_try_advisory_xact_lock_shared",
      "pg_advisory_unlock",
      "pg_advisory_unlock_shared",
      "pg_advisory_unlock_all",
    ],
  },
  {
    family: "sequences",
    why: "it advances or sets a sequence, a change no rollback undoes",
    names: ["nextval", "setval"],
  },
  {
    family: "transaction_ids",
    why: "it assigns a transaction id, a lasting change to the server's state",
    names: ["txid_current", "pg_current_xact_id"],
  },
  {
    family: "sql_text",
    why: "it runs SQL given as text, or reads tables named by its arguments, out of the " +
      "validator's sight",
    names: [
      "query_to_xml",
      "query_to_xmlschema",
      "query_to_xml_and_xmlschema",
      "cursor_to_xml",
      "cursor_to_xmlschema",
      "ts_stat",
      "xpath_table",
      "crosstab",
      "crosstab2",
      "crosstab3",
      "crosstab4",
      "connectby",
    ],
  },
];

const FAMILY_OF: ReadonlyMap<string, BlockedFamily> = new Map(
  BLOCKED_FAMILIES.flatMap((f) => f.names.map((n) => [n, f] as const)),
);

/** The family of a blocked name (lower case, unqualified), if it has one. */
export function blockedFamily(name: string): BlockedFamily | undefined {
  return FAMILY_OF.get(name);
}
