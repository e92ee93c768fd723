// Every version of one name; the selected one is highlighted and each links to its own URL.
import { Link } from "react-router";
import { assetHref, type AssetKind } from "../../lib/assets";
import { formatDate } from "../../lib/format";
import type { Asset } from "./api";
import { ArchivedBadge, Labels } from "./Labels";

export function VersionsTable({ workspace, kind, versions, selected }: {
  workspace: string; kind: AssetKind; versions: Asset[]; selected: string | undefined;
}) {
  return (
    <table className="grid" data-testid="versions-table">
      <thead>
        <tr><th>Version</th><th>Labels</th><th>Description</th><th>Created by</th><th>Created</th><th>Archived</th></tr>
      </thead>
      <tbody>
        {versions.map((v) => (
          <tr key={v.version} className={v.version === selected ? "asset-selected" : undefined} data-version={v.version}>
            <td><Link to={assetHref(workspace, kind, v.name, v.version)}>{v.version}</Link></td>
            <td className="asset-badges"><Labels labels={v.labels} /></td>
            <td className="asset-desc">{v.description || <span className="muted">—</span>}</td>
            <td>{v.created_by ?? "—"}</td>
            <td className="nowrap">{formatDate(v.created_at)}</td>
            <td><ArchivedBadge archived={v.archived} /></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
