// A version's files with their sizes; picking one previews it as text (kept in ?file=).
import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "react-router";
import { fetchRaw } from "../../api/client";
import { Empty, ErrorBox, Loading } from "../Feedback";
import type { AssetKind } from "../../lib/assets";
import { formatBytes } from "../../lib/format";
import { assetFileUrl, keys, listFiles, type AssetFile } from "./api";

const PREVIEW_MAX = 512 * 1024;

export function FilesList({ workspace, kind, name, version }: {
  workspace: string; kind: AssetKind; name: string; version: string;
}) {
  const [params, setParams] = useSearchParams();
  const files = useQuery({
    queryKey: [...keys.name(workspace, kind, name), "files", version],
    queryFn: () => listFiles(workspace, kind, name, version),
  });
  if (files.isPending) return <Loading what="Loading files" />;
  if (files.error) return <ErrorBox error={files.error} />;
  if (files.data.length === 0) return <Empty title="No files">This version holds no files.</Empty>;

  const picked = files.data.find((f) => f.path === params.get("file"));
  const pick = (path: string) => {
    const next = new URLSearchParams(params);
    next.set("file", path);
    setParams(next, { replace: true });
  };
  const total = files.data.reduce((s, f) => s + f.size, 0);
  return (
    <div className="split">
      <div>
        <p className="muted small">{files.data.length} files, {formatBytes(total)}.</p>
        <table className="grid" data-testid="asset-files">
          <thead><tr><th>Path</th><th className="num">Size</th><th>sha256</th></tr></thead>
          <tbody>
            {files.data.map((f) => (
              <tr key={f.path} className={f === picked ? "asset-selected" : undefined}>
                <td className="mono"><button className="link asset-file-link" onClick={() => pick(f.path)}>{f.path}</button></td>
                <td className="num">{formatBytes(f.size)}</td>
                <td className="mono small muted" title={f.sha256}>{f.sha256.slice(0, 12)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div>
        {picked ? <FilePreview url={assetFileUrl(workspace, kind, name, version, picked.path)} file={picked} />
          : <p className="muted">Pick a file to preview it.</p>}
      </div>
    </div>
  );
}

function FilePreview({ url, file }: { url: string; file: AssetFile }) {
  const tooBig = file.size > PREVIEW_MAX;
  const text = useQuery({
    queryKey: ["asset-file", url],
    queryFn: async () => {
      const bytes = new Uint8Array(await (await fetchRaw(url)).arrayBuffer());
      // A NUL byte in the first KiB: binary, not worth showing.
      return bytes.slice(0, 1024).includes(0) ? null : new TextDecoder().decode(bytes);
    },
    enabled: !tooBig,
  });
  return (
    <div data-testid="asset-file-preview">
      <h3 className="mono">{file.path}</h3>
      {tooBig ? <p className="muted">Too large to preview ({formatBytes(file.size)}).</p>
        : text.isPending ? <Loading what="Reading" />
        : text.error ? <ErrorBox error={text.error} />
        : text.data === null ? <p className="muted">Binary file ({formatBytes(file.size)}).</p>
        : <pre className="light asset-preview">{text.data}</pre>}
    </div>
  );
}
