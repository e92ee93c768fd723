// The jobs list: server-side filter, sort and paging (pages of 200 fetched as the user
// scrolls), a virtualized body so 10,000+ rows stay smooth, chosen param and metric columns,
// and multi-select to compare. Every choice lives in the URL.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { api, unwrap } from "../api/client";
import type { Run } from "../api/types";
import { Empty, ErrorBox } from "../components/Feedback";
import { PageHeader, useWorkspace } from "../components/Layout";
import { StatusBadge } from "../components/Status";
import {
  buildFilter, buildOrder, nextSort, paramsFromQuery, queryFromParams, splitColumn, STATUSES, type JobQuery,
} from "../lib/filter";
import { formatAgo, formatDuration, formatNumber } from "../lib/format";
import { jobPath } from "../components/job/runs";

const PAGE = 200;
const ROW_HEIGHT = 36;

type Column = { id: string; label: string; width: string; sort?: string; cell: (r: Run) => React.ReactNode };

function baseColumns(workspace: string): Column[] {
  return [
    {
      id: "name", label: "Name", width: "minmax(220px, 2fr)", sort: "name",
      cell: (r) => (
        <Link to={jobPath(workspace, r.name)} title={r.name}>
          {r.display_name || r.name}
        </Link>
      ),
    },
    { id: "status", label: "Status", width: "110px", sort: "status", cell: (r) => <StatusBadge status={r.status} /> },
    { id: "experiment", label: "Experiment", width: "minmax(120px, 1fr)", sort: "experiment_name", cell: (r) => r.experiment_name },
    { id: "created_by", label: "Created by", width: "110px", sort: "created_by", cell: (r) => r.created_by ?? "—" },
    { id: "created_at", label: "Created", width: "120px", sort: "created_at", cell: (r) => <span title={r.created_at}>{formatAgo(r.created_at)}</span> },
    { id: "duration", label: "Duration", width: "95px", cell: (r) => formatDuration(r.duration_s) },
  ];
}

function extraColumn(id: string): Column {
  const [kind, key] = splitColumn(id)!;
  return {
    id, label: key, width: "110px", sort: id,
    cell: (r) => (kind === "metrics" ? formatNumber(r.metrics?.[key]) : r.params?.[key] ?? "—"),
  };
}

export function Jobs() {
  const workspace = useWorkspace();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => queryFromParams(params), [params]);
  const update = (change: Partial<JobQuery>) => setParams(paramsFromQuery({ ...query, ...change }), { replace: true });
  const [selected, setSelected] = useState<string[]>([]);

  const filter = buildFilter(query);
  const order = buildOrder(query.sort);
  const runs = useInfiniteQuery({
    queryKey: ["runs", workspace, filter, order],
    queryFn: ({ pageParam }) =>
      unwrap(api.POST("/api/v1/workspaces/{workspace}/runs/search", {
        params: { path: { workspace } },
        body: { filter: filter || null, order_by: order, max_results: PAGE, page_token: pageParam, include_archived: false },
      })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_page_token ?? null,
    refetchInterval: 10_000,
    placeholderData: (prev) => prev,
  });
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.items) ?? [], [runs.data]);
  const columns = useMemo(() => [...baseColumns(workspace), ...query.columns.map(extraColumn)], [workspace, query.columns]);
  const template = `32px ${columns.map((c) => c.width).join(" ")}`;

  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12,
  });
  const items = virtual.getVirtualItems();
  const last = items.at(-1);
  useEffect(() => {
    if (last && last.index >= rows.length - 40 && runs.hasNextPage && !runs.isFetchingNextPage) void runs.fetchNextPage();
  }, [last, rows.length, runs]);

  const toggle = (name: string) =>
    setSelected((s) => (s.includes(name) ? s.filter((n) => n !== name) : [...s, name]));
  const compare = () =>
    navigate(`/workspaces/${encodeURIComponent(workspace)}/compare?runs=${selected.map(encodeURIComponent).join(",")}`);

  return (
    <div>
      <PageHeader
        title="Jobs"
        actions={
          <button className="primary" data-testid="compare-button" disabled={selected.length < 2} onClick={compare}>
            Compare{selected.length ? ` (${selected.length})` : ""}
          </button>
        }
      />
      <JobFilters workspace={workspace} query={query} rows={rows} onChange={update} />
      <ErrorBox error={runs.error} />
      {runs.isError ? null : runs.isSuccess && rows.length === 0 ? (
        filter ? (
          <Empty title="No job matches this filter">Clear the search or the status choices, or loosen the filter.</Empty>
        ) : (
          <Empty title="No jobs yet">
            Submit one with <code>basalt job create -f job.yml</code>, or log a run from Python with{" "}
            <code>basalt.start_run()</code>.
          </Empty>
        )
      ) : (
        <div className="vlist" ref={scroller} style={{ height: "calc(100vh - 230px)", minHeight: 300 }} data-testid="jobs-table">
          <div className="vrow head" style={{ gridTemplateColumns: template, height: ROW_HEIGHT }}>
            <div />
            {columns.map((c) => (
              <div key={c.id}>
                {c.sort ? (
                  <button onClick={() => update({ sort: nextSort(query.sort, c.sort!) })} title={`Sort by ${c.label}`}>
                    {c.label}{query.sort.field === c.sort ? (query.sort.dir === "DESC" ? " ↓" : " ↑") : ""}
                  </button>
                ) : c.label}
              </div>
            ))}
          </div>
          <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
            {items.map((item) => {
              const run = rows[item.index];
              const isSelected = selected.includes(run.name);
              return (
                <div key={run.name} className={isSelected ? "vrow selected" : "vrow"} data-testid="job-row"
                  style={{ gridTemplateColumns: template, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}>
                  <div>
                    <input type="checkbox" aria-label={`Select ${run.name}`} checked={isSelected} onChange={() => toggle(run.name)} />
                  </div>
                  {columns.map((c) => <div key={c.id}>{c.cell(run)}</div>)}
                </div>
              );
            })}
          </div>
        </div>
      )}
      <div className="muted small" style={{ marginTop: ".4rem" }} data-testid="jobs-count">
        {rows.length.toLocaleString("en-US")} job{rows.length === 1 ? "" : "s"} loaded
        {runs.hasNextPage ? " · more load as you scroll" : ""}
        {runs.isFetching ? " · refreshing…" : ""}
      </div>
    </div>
  );
}

function JobFilters({ workspace, query, rows, onChange }: {
  workspace: string; query: JobQuery; rows: Run[]; onChange: (q: Partial<JobQuery>) => void;
}) {
  const [text, setText] = useState(query.text);
  const [advanced, setAdvanced] = useState(query.advanced);
  const [column, setColumn] = useState("");
  useEffect(() => {
    const t = setTimeout(() => text !== query.text && onChange({ text }), 300);
    return () => clearTimeout(t);
  }, [text, query.text, onChange]);
  const experiments = useQuery({
    queryKey: ["experiments", workspace],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/experiments", {
      params: { path: { workspace }, query: { max_results: 1000 } },
    })),
  });
  // Columns one may add: the params and metrics of the jobs loaded so far.
  const known = useMemo(() => {
    const keys = new Set<string>();
    for (const r of rows.slice(0, 500)) {
      for (const k of Object.keys(r.params ?? {})) keys.add(`params.${k}`);
      for (const k of Object.keys(r.metrics ?? {})) keys.add(`metrics.${k}`);
    }
    return [...keys].filter((k) => !query.columns.includes(k)).sort();
  }, [rows, query.columns]);
  const toggleStatus = (s: string) =>
    onChange({ statuses: query.statuses.includes(s) ? query.statuses.filter((x) => x !== s) : [...query.statuses, s] });

  return (
    <div className="card filters">
      <div className="toolbar">
        <input type="search" placeholder="Search names" aria-label="Search names" value={text}
          onChange={(e) => setText(e.target.value)} data-testid="jobs-search" />
        <select aria-label="Experiment" value={query.experiment} onChange={(e) => onChange({ experiment: e.target.value })}>
          <option value="">All experiments</option>
          {experiments.data?.items.map((x) => <option key={x.name} value={x.name}>{x.name}</option>)}
        </select>
        <form className="toolbar-form" onSubmit={(e) => { e.preventDefault(); onChange({ advanced }); }}>
          <input className="grow mono" placeholder="Filter, e.g. metrics.accuracy > 0.9"
            aria-label="Filter" value={advanced} onChange={(e) => setAdvanced(e.target.value)} data-testid="jobs-filter" />
          <button type="submit">Apply</button>
        </form>
      </div>
      <div className="toolbar chips">
        {STATUSES.map((s) => (
          <label key={s} className={query.statuses.includes(s) ? "chip on" : "chip"}>
            <input type="checkbox" checked={query.statuses.includes(s)} onChange={() => toggleStatus(s)} />{s}
          </label>
        ))}
        <span className="spacer" />
        <form className="toolbar-form" onSubmit={(e) => { e.preventDefault(); if (column) onChange({ columns: [...query.columns, column] }); setColumn(""); }}>
          <select aria-label="Add a column" value={column} onChange={(e) => setColumn(e.target.value)}>
            <option value="">Add a column…</option>
            {known.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
          <button type="submit" disabled={!column}>Add</button>
        </form>
        {query.columns.map((c) => (
          <button key={c} className="chip on" title="Remove this column"
            onClick={() => onChange({ columns: query.columns.filter((x) => x !== c) })}>{c} ×</button>
        ))}
      </div>
    </div>
  );
}
