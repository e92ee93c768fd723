// A run's, build's or deployment's state as a coloured badge.
const TONES: Record<string, string> = {
  Completed: "ok", Succeeded: "ok", Ready: "ok", Healthy: "ok",
  Running: "run", Starting: "run", Preparing: "run", Queued: "wait", NotStarted: "wait",
  Provisioning: "run", Updating: "run", Creating: "run", Building: "run", Finalizing: "run",
  Failed: "bad", Canceled: "muted", CancelRequested: "muted", Killed: "bad", Deleting: "muted",
};

export function StatusBadge({ status }: { status: string | null | undefined }) {
  const s = status ?? "Unknown";
  return <span className={`badge badge-${TONES[s] ?? "muted"}`} data-status={s}>{s}</span>;
}
