// The list of one kind's assets: one row per name, its newest version on this page.
import { Link } from "react-router";
import { assetHref, groupByName, type AssetKind } from "../../lib/assets";
import { formatAgo, formatDate } from "../../lib/format";
import type { Asset } from "./api";
import { KIND_COLUMNS } from "./columns";
import { ArchivedBadge, Labels, Tags } from "./Labels";

export function AssetTable({ workspace, kind, items, more }: {
  workspace: string; kind: AssetKind; items: Asset[];
  /** Another page follows: the last name may have more versions there. */
  more: boolean;
}) {
  const groups = groupByName(items);
  const extra = KIND_COLUMNS[kind];
  return (
    <table className="grid" data-testid="asset-table">
      <thead>
        <tr>
          <th>Name</th><th>Latest version</th><th className="num">Versions</th><th>Description</th>
          <th>Labels · tags</th>
          {extra.map((c) => <th key={c.header} className={c.num ? "num" : undefined}>{c.header}</th>)}
          <th>Created by</th><th>Created</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g, i) => {
          const a = g.latest;
          const open = more && i === groups.length - 1;
          return (
            <tr key={`${g.name}:${a.version}`} data-name={g.name}>
              <td><Link to={assetHref(workspace, kind, g.name)}>{g.name}</Link></td>
              <td>
                <Link to={assetHref(workspace, kind, g.name, a.version)}>{a.version}</Link>{" "}
                <ArchivedBadge archived={a.archived} />
              </td>
              <td className="num">{g.count}{open ? "+" : ""}</td>
              <td className="asset-desc">{a.description || <span className="muted">—</span>}</td>
              <td className="asset-badges"><Labels labels={a.labels} /><Tags tags={a.tags} /></td>
              {extra.map((c) => <td key={c.header} className={c.num ? "num" : undefined}>{c.cell(a)}</td>)}
              <td>{a.created_by ?? "—"}</td>
              <td className="nowrap" title={formatDate(a.created_at)}>{formatAgo(a.created_at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
