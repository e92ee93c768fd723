// Queries shared by the job and compare pages: one run, a metric's history, runs by name.
import { useQueries, useQuery, type QueryClient } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import type { MetricSeries, Run } from "../../api/types";
import { nameFilter } from "../../lib/metrics";

/** Points per chart (about one per pixel of a chart's width): the server keeps each bucket's
 * min and max, so spikes still show. */
export const MAX_POINTS = 1000;

const TERMINAL = new Set(["Completed", "Failed", "Canceled"]);

export function isTerminal(status: string | null | undefined): boolean {
  return status != null && TERMINAL.has(status);
}

export function runLabel(run: Pick<Run, "name" | "display_name">): string {
  return run.display_name || run.name;
}

export function jobPath(workspace: string, name: string): string {
  return `/workspaces/${encodeURIComponent(workspace)}/jobs/${encodeURIComponent(name)}`;
}

function runQuery(workspace: string, name: string) {
  return {
    queryKey: ["run", workspace, name],
    queryFn: (): Promise<Run> =>
      unwrap(api.GET("/api/v1/workspaces/{workspace}/runs/{name}", { params: { path: { workspace, name } } })),
  };
}

export function useRun(workspace: string, name: string, enabled = true) {
  return useQuery({
    ...runQuery(workspace, name),
    enabled,
    // A live run changes under us: status, metrics, children.
    refetchInterval: (q) => (q.state.data && !isTerminal(q.state.data.status) ? 2000 : false),
  });
}

/**
 * Starts loading a job page's data while the page's own code is still downloading (the route
 * calls it), so a pasted link to a job's metrics does not wait for one before the other.
 */
export async function prefetchJob(client: QueryClient, workspace: string, name: string, charts: boolean) {
  const run = await client.fetchQuery({ ...runQuery(workspace, name), staleTime: 2000 });
  if (!charts) return;
  for (const key of Object.keys(run.metrics ?? {})) {
    void client.prefetchQuery(metricQuery(workspace, name, key, !isTerminal(run.status)));
  }
}

function metricQuery(workspace: string, run: string, key: string, live: boolean) {
  return {
    queryKey: ["metric", workspace, run, key, MAX_POINTS],
    queryFn: (): Promise<MetricSeries> =>
      unwrap(api.GET("/api/v1/workspaces/{workspace}/runs/{name}/metrics/{key}", {
        params: { path: { workspace, name: run, key }, query: { max_points: MAX_POINTS } },
      })),
    refetchInterval: live ? 3000 : (false as const),
  };
}

export function useMetric(workspace: string, run: string, key: string, live: boolean) {
  return useQuery(metricQuery(workspace, run, key, live));
}

/** One query per (run, key) pair, in the order given. */
export function useMetrics(workspace: string, pairs: { run: string; key: string; live: boolean }[]) {
  return useQueries({ queries: pairs.map((p) => metricQuery(workspace, p.run, p.key, p.live)) });
}

/** Runs by name in one search (order as asked; names that do not exist are left out). */
export function useRunsByName(workspace: string, names: string[], live = false) {
  return useQuery({
    queryKey: ["runs-by-name", workspace, names],
    enabled: names.length > 0,
    queryFn: async (): Promise<Run[]> => {
      const page = await unwrap(api.POST("/api/v1/workspaces/{workspace}/runs/search", {
        params: { path: { workspace } },
        body: { filter: nameFilter(names), max_results: Math.min(names.length, 10_000), include_archived: true, order_by: [] },
      }));
      const byName = new Map(page.items.map((r) => [r.name, r]));
      return names.map((n) => byName.get(n)).filter((r): r is Run => r != null);
    },
    refetchInterval: (q) => (live && q.state.data?.some((r) => !isTerminal(r.status)) ? 3000 : false),
  });
}
