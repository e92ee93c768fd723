// Loading, empty and error states: errors are shown as the API says them.
import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function Loading({ what = "Loading" }: { what?: string }) {
  return <div className="loading" role="status">{what}…</div>;
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  return (
    <div className="error-box" role="alert">
      <strong>{e ? `${e.code} (${e.status})` : "Error"}</strong>
      <div>{e ? e.message : String((error as Error)?.message ?? error)}</div>
      {e?.requestId && <div className="muted small">request id {e.requestId}</div>}
    </div>
  );
}

/** What an empty list means, and what to do next. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <div className="empty-title">{title}</div>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

export function Code({ children }: { children: ReactNode }) {
  return <code className="code">{children}</code>;
}
