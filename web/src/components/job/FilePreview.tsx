// A preview of one file (a run's output, or its code): text, pretty JSON, the head of a CSV, or an image. Only the
// first PREVIEW_BYTES are read (the API has no ranges, so the read is cut off here).
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { fetchRaw } from "../../api/client";
import { formatBytes } from "../../lib/format";
import { ErrorBox, Loading } from "../Feedback";
import { imageMime, looksLikeText, parseCsv, previewKind } from "./files";

const PREVIEW_BYTES = 256 * 1024;
const MAX_IMAGE_BYTES = 20 * 1024 * 1024;
const CSV_ROWS = 50;

/** `url` is where the file is read from (with the token header); `path` names it. */
type Props = { url: string; path: string; size: number | null };

/** The first `limit` bytes of a response body, and whether there was more. */
async function readHead(response: Response, limit: number): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) {
    const all = new Uint8Array(await response.arrayBuffer());
    return { bytes: all.slice(0, limit), truncated: all.length > limit };
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.length;
    if (total >= limit) {
      truncated = total > limit || !(await reader.read()).done;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(total, limit));
  let at = 0;
  for (const p of parts) {
    const take = Math.min(p.length, bytes.length - at);
    bytes.set(p.subarray(0, take), at);
    at += take;
    if (at >= bytes.length) break;
  }
  return { bytes, truncated };
}

export function FilePreview({ url, path, size }: Props) {
  const kind = previewKind(path);
  return (
    <div className="card file-preview" data-testid="file-preview" data-path={path}>
      <div className="file-preview-head">
        <strong className="mono ellipsis" title={path}>{path}</strong>
        <span className="muted small nowrap">{formatBytes(size)}</span>
        <DownloadButton url={url} path={path} />
      </div>
      {kind === "image" ? (
        size != null && size > MAX_IMAGE_BYTES
          ? <p className="muted">Too large to preview; download it.</p>
          : <ImagePreview url={url} path={path} />
      ) : (
        <TextPreview url={url} path={path} />
      )}
    </div>
  );
}

function TextPreview({ url, path }: Omit<Props, "size">) {
  const q = useQuery({
    queryKey: ["file-head", url],
    queryFn: async () => readHead(await fetchRaw(url), PREVIEW_BYTES),
  });
  if (q.isPending) return <Loading what="Reading" />;
  if (q.error) return <ErrorBox error={q.error} />;
  const { bytes, truncated } = q.data;
  if (!looksLikeText(bytes)) return <p className="muted">A binary file: download it to open it.</p>;
  const text = new TextDecoder().decode(bytes);
  const note = truncated && <p className="muted small">The first {formatBytes(PREVIEW_BYTES)} are shown; download the file for the rest.</p>;
  const kind = previewKind(path);
  if (kind === "csv") return <><CsvTable text={text} tab={path.toLowerCase().endsWith(".tsv")} truncated={truncated} />{note}</>;
  return <><pre className="light preview-text">{kind === "json" ? prettyJson(text) : text}</pre>{note}</>;
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // cut off or not JSON after all: show it as it is
  }
}

function CsvTable({ text, tab, truncated }: { text: string; tab: boolean; truncated: boolean }) {
  const rows = parseCsv(text, CSV_ROWS + 1, tab ? "\t" : ",", truncated);
  if (rows.length === 0) return <p className="muted">Empty file.</p>;
  const [head, ...body] = rows;
  return (
    <div className="preview-table">
      <table className="grid">
        <thead><tr>{head.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
        <tbody>
          {body.map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j} className="mono">{c}</td>)}</tr>)}
        </tbody>
      </table>
      <p className="muted small">First {body.length} rows.</p>
    </div>
  );
}

/** An image through an object URL, so the request carries the token header. */
function ImagePreview({ url, path }: Omit<Props, "size">) {
  const q = useQuery({
    queryKey: ["file-blob", url],
    queryFn: async () => new Blob([await (await fetchRaw(url)).arrayBuffer()], { type: imageMime(path) }),
  });
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!q.data) return;
    const u = URL.createObjectURL(q.data);
    setObjectUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [q.data]);
  if (q.isPending) return <Loading what="Loading the image" />;
  if (q.error) return <ErrorBox error={q.error} />;
  return objectUrl ? <img className="preview-image" src={objectUrl} alt={path} /> : null;
}

/** Download with the token header: fetch, then save the blob under the file's name. */
function DownloadButton({ url, path }: Omit<Props, "size">) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const blob = await (await fetchRaw(url)).blob();
      const objectUrl = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = objectUrl;
      a.download = path.slice(path.lastIndexOf("/") + 1);
      a.click();
      setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button onClick={download} disabled={busy}>{busy ? "Downloading…" : "Download"}</button>
      {error != null && <ErrorBox error={error} />}
    </>
  );
}
