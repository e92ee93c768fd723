// Labels and tags as small badges.
export function Labels({ labels }: { labels?: string[] }) {
  if (!labels?.length) return null;
  return <>{labels.map((l) => <span key={l} className="badge badge-run asset-label">{l}</span>)}</>;
}

export function Tags({ tags }: { tags?: Record<string, string> }) {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0) return null;
  return <>{entries.map(([k, v]) => <span key={k} className="badge badge-muted asset-tag">{k}={v}</span>)}</>;
}

export function ArchivedBadge({ archived }: { archived: boolean }) {
  return archived ? <span className="badge badge-wait">archived</span> : null;
}
