// A browser of a run's files (its outputs, or its code snapshot): folders derived from the flat
// file list, the open path in the URL (?path= for outputs, ?file= for code).
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { formatBytes } from "../../lib/format";
import { Code, Empty, ErrorBox, Loading } from "../Feedback";
import { type FileSource, runOutputs, runSnapshot } from "./fileSources";
import { folderEntries, parentDir, pathCrumbs } from "./files";
import { FilePreview } from "./FilePreview";
import { useSearchParam } from "./useSearchParam";

/** The outputs tab. */
export function OutputsBrowser({ workspace, run, status }: { workspace: string; run: string; status: string }) {
  return (
    <FileBrowser source={runOutputs(workspace, run, status)} empty={
      <Empty title="No output files">
        A job's named outputs and its <Code>user_logs</Code> land here when it ends; from a script,
        use <Code>basalt.log_artifact("model.pkl")</Code>.
      </Empty>
    } />
  );
}

/** The code tab: the folder the job was submitted with, as stored at submission. */
export function SnapshotBrowser({ workspace, run }: { workspace: string; run: string }) {
  return (
    <FileBrowser source={runSnapshot(workspace, run)} empty={
      <Empty title="No code">The job's code snapshot holds no files.</Empty>
    } />
  );
}

export function FileBrowser({ source, empty }: { source: FileSource; empty: ReactNode }) {
  const [path, setPath] = useSearchParam(source.param);
  const q = useQuery({
    queryKey: source.key,
    queryFn: source.list,
    refetchInterval: source.refetchMs,
  });
  if (q.isPending) return <Loading what="Listing files" />;
  if (q.error) return <ErrorBox error={q.error} />;
  if (q.data.length === 0) return <>{empty}</>;
  // The path names a folder or a file; a file opens in its folder, with its preview beside.
  const file = q.data.find((f) => f.path === path && !f.is_dir);
  const dir = file ? parentDir(file.path) : path;
  const entries = folderEntries(q.data, dir);
  return (
    <div className="file-browser-split">
      <div data-testid={source.testId} className="file-browser">
        <div className="crumbs file-crumbs">
          <button className="link" onClick={() => setPath("")}>{source.root}</button>
          {pathCrumbs(dir).map(([label, p]) => (
            <span key={p}> / <button className="link" onClick={() => setPath(p)}>{label}</button></span>
          ))}
        </div>
        {entries.length === 0 ? <p className="muted">No file under <Code>{dir}</Code>.</p> : (
          <table className="grid">
            <thead><tr><th>Name</th><th className="num">Size</th></tr></thead>
            <tbody>
              {dir && (
                <tr><td><button className="link file-link" onClick={() => setPath(parentDir(dir))}>..</button></td><td /></tr>
              )}
              {entries.map((e) => (
                <tr key={e.path} className={e.path === file?.path ? "selected" : undefined}>
                  <td>
                    <button className="link file-link" onClick={() => setPath(e.path)} data-path={e.path}>
                      {e.isDir ? <strong>{e.name}/</strong> : e.name}
                    </button>
                  </td>
                  <td className="num nowrap">
                    {formatBytes(e.size)}{e.isDir && <span className="muted small"> · {e.files} file{e.files === 1 ? "" : "s"}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {file ? (
        <FilePreview url={source.fileUrl(file.path)} path={file.path} size={file.size ?? null} />
      ) : (
        <div className="muted small file-hint">Pick a file to preview it.</div>
      )}
    </div>
  );
}
