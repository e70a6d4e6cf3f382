/** The database of one run: a throwaway cluster on loopback (or a given server) with the dataset. */
import { startTestCluster, uniqueName } from "../../tests/support/test_cluster.ts";
import { CREATE_DATASET_SQL } from "./dataset.ts";

export interface BenchDatabase extends AsyncDisposable {
  url: string;
}

/**
 * Starts a cluster like the tests do, or uses the server of `externalUrl` (a superuser URL);
 * either way creates a new database holding the dataset, dropped (or the cluster stopped) at the
 * end.
 */
export async function openBenchDatabase(externalUrl?: string): Promise<BenchDatabase> {
  const cluster = await startTestCluster({ external: externalUrl });
  try {
    const url = await cluster.createDatabase(uniqueName("pg_mcp_bench"), {
      sql: [CREATE_DATASET_SQL],
    });
    return { url, [Symbol.asyncDispose]: () => cluster.stop() };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
