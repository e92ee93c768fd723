// The outputs tab: folders derived from the run's flat file list, the open path in ?path=.
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../../api/client";
import { formatBytes } from "../../lib/format";
import { Code, Empty, ErrorBox, Loading } from "../Feedback";
import { folderEntries, parentDir, pathCrumbs } from "./files";
import { FilePreview } from "./FilePreview";
import { isTerminal } from "./runs";
import { useSearchParam } from "./useSearchParam";

export function FileBrowser({ workspace, run, status }: { workspace: string; run: string; status: string }) {
  const [path, setPath] = useSearchParam("path");
  const q = useQuery({
    queryKey: ["run-files", workspace, run],
    queryFn: () => unwrap(api.GET("/api/v1/workspaces/{workspace}/runs/{name}/files", {
      params: { path: { workspace, name: run } },
    })),
    refetchInterval: isTerminal(status) ? false : 5000,
  });
  if (q.isPending) return <Loading what="Listing files" />;
  if (q.error) return <ErrorBox error={q.error} />;
  if (q.data.length === 0) {
    return (
      <Empty title="No output files">
        A job's named outputs and its <Code>user_logs</Code> land here when it ends; from a script,
        use <Code>basalt.log_artifact("model.pkl")</Code>.
      </Empty>
    );
  }
  // ?path= names a folder or a file; a file opens in its folder, with its preview beside.
  const file = q.data.find((f) => f.path === path && !f.is_dir);
  const dir = file ? parentDir(file.path) : path;
  const entries = folderEntries(q.data, dir);
  return (
    <div className="file-browser-split">
      <div data-testid="file-browser" className="file-browser">
        <div className="crumbs file-crumbs">
          <button className="link" onClick={() => setPath("")}>outputs</button>
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
                    {formatBytes(e.size)}{e.isDir && <span className="muted small"> · {e.files} files</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      {file ? (
        <FilePreview workspace={workspace} run={run} path={file.path} size={file.size ?? null} />
      ) : (
        <div className="muted small file-hint">Pick a file to preview it.</div>
      )}
    </div>
  );
}
