// The versioned assets: models, data, environments and components. One list page per kind
// (filters and page in the URL) and one detail page per name or version (tab in ?tab=).
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router";
import { Empty, ErrorBox, Loading } from "../components/Feedback";
import { PageHeader, useWorkspace } from "../components/Layout";
import { TabBar, useTab } from "../components/Tabs";
import { getAsset, keys, listVersions, searchAssets, type Asset } from "../components/assets/api";
import { AssetLineage } from "../components/assets/AssetLineage";
import { AssetTable } from "../components/assets/AssetTable";
import { BuildResult, Dockerfile, useEnvironmentBuild } from "../components/assets/EnvironmentBuild";
import { FilesList } from "../components/assets/FilesList";
import { ModelCompare } from "../components/assets/ModelCompare";
import { Overview } from "../components/assets/Overview";
import { VersionActions } from "../components/assets/VersionActions";
import { VersionsTable } from "../components/assets/VersionsTable";
import { ArchivedBadge } from "../components/assets/Labels";
import { assetHref, isAssetKind, KIND_INFO, parseTags, type AssetKind } from "../lib/assets";

const PAGE_SIZE = 100;

function NoSuchKind({ kind }: { kind: string | undefined }) {
  const workspace = useWorkspace();
  return (
    <Empty title="No such page">
      There is no <code>{kind}</code> section. Pick one on the left, or go{" "}
      <Link to={`/workspaces/${encodeURIComponent(workspace)}`}>home</Link>.
    </Empty>
  );
}

// ---- list ----

export function AssetList() {
  const { kind } = useParams();
  if (!isAssetKind(kind)) return <NoSuchKind kind={kind} />;
  // Keyed by kind: switching sections starts with fresh filters and paging.
  return <AssetListOf key={kind} kind={kind} />;
}

function AssetListOf({ kind }: { kind: AssetKind }) {
  const workspace = useWorkspace();
  const info = KIND_INFO[kind];
  const [params, setParams] = useSearchParams();
  const name = params.get("name") ?? "";
  const tags = params.get("tags") ?? "";
  const archived = params.get("archived") === "1";
  const page = params.get("page");
  // Tokens of the pages before this one, for Prev (a pasted link starts a fresh trail).
  const [trail, setTrail] = useState<(string | null)[]>([]);

  const list = useQuery({
    queryKey: [...keys.list(workspace, kind), { name, tags, archived, page }],
    queryFn: () => searchAssets(workspace, kind, {
      name: name || null, tags: parseTags(tags), include_archived: archived,
      page_token: page, max_results: PAGE_SIZE,
    }),
  });

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };
  const filter = (changes: Record<string, string | null>) => {
    setTrail([]);
    update({ ...changes, page: null });
  };
  const filtered = Boolean(name || tags);

  return (
    <>
      <PageHeader title={info.title} />
      <ListFilters key={`${name}|${tags}`} name={name} tags={tags} archived={archived}
        onSearch={(n, t) => filter({ name: n, tags: t })}
        onArchived={(on) => filter({ archived: on ? "1" : null })} />
      {list.isPending ? <Loading what={`Loading ${info.title.toLowerCase()}`} />
        : list.error ? <ErrorBox error={list.error} />
        : list.data.items.length === 0 ? (
          filtered ? (
            <Empty title={`No ${info.one} matches`}>
              The name must match exactly; tags are <code>key=value</code>.{" "}
              <button className="link" onClick={() => filter({ name: null, tags: null })}>Clear the filters</button>
            </Empty>
          ) : (
            <Empty title={`No ${info.title.toLowerCase()} yet`}>
              Create one with <code>{info.create}</code>
            </Empty>
          )
        ) : (
          <>
            <AssetTable workspace={workspace} kind={kind} items={list.data.items} more={Boolean(list.data.next_page_token)} />
            <div className="toolbar asset-pager">
              <button disabled={!page} onClick={() => {
                const prev = trail[trail.length - 1] ?? null;
                setTrail(trail.slice(0, -1));
                update({ page: prev });
              }}>← Prev</button>
              <button disabled={!list.data.next_page_token} onClick={() => {
                setTrail([...trail, page]);
                update({ page: list.data.next_page_token ?? null });
              }}>Next →</button>
              <span className="muted small">{list.data.items.length} versions on this page</span>
            </div>
          </>
        )}
    </>
  );
}

function ListFilters({ name, tags, archived, onSearch, onArchived }: {
  name: string; tags: string; archived: boolean;
  onSearch: (name: string, tags: string) => void; onArchived: (on: boolean) => void;
}) {
  const [n, setN] = useState(name);
  const [t, setT] = useState(tags);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(n.trim(), t.trim());
  };
  return (
    <form className="toolbar" onSubmit={submit} role="search">
      <input type="search" aria-label="Name" placeholder="Name (exact)" value={n} onChange={(e) => setN(e.target.value)} />
      <input aria-label="Tags" placeholder="Tags: key=value, key2=value2" value={t} className="grow"
        onChange={(e) => setT(e.target.value)} />
      <button type="submit" className="primary">Search</button>
      <label className="inline">
        <input type="checkbox" checked={archived} onChange={(e) => onArchived(e.target.checked)} />
        Show archived
      </label>
    </form>
  );
}

// ---- detail ----

const TABS: Record<AssetKind, readonly string[]> = {
  models: ["overview", "files", "compare", "lineage"],
  data: ["overview", "files", "lineage"],
  environments: ["overview", "dockerfile"],
  components: ["overview", "files"],
};

export function AssetDetail() {
  const { kind, name = "", version } = useParams();
  if (!isAssetKind(kind)) return <NoSuchKind kind={kind} />;
  // Keyed by version too: a build result belongs to the version it was started on.
  return <AssetDetailOf key={`${kind}/${name}/${version ?? ""}`} kind={kind} name={name} version={version} />;
}

function AssetDetailOf({ kind, name, version }: { kind: AssetKind; name: string; version: string | undefined }) {
  const workspace = useWorkspace();
  const info = KIND_INFO[kind];
  const [tab, setTab] = useTab(TABS[kind]);
  const versions = useQuery({
    queryKey: [...keys.name(workspace, kind, name), "versions"],
    queryFn: () => listVersions(workspace, kind, name),
  });
  // No version in the URL: the latest (newest not archived), as the API resolves it.
  const asset = useQuery({
    queryKey: [...keys.name(workspace, kind, name), "get", version ?? "@latest"],
    queryFn: () => getAsset(workspace, kind, name, version),
  });
  const build = useEnvironmentBuild({ workspace, name, version: asset.data?.version ?? "" });
  const listHref = `/workspaces/${encodeURIComponent(workspace)}/${kind}`;

  const actions = kind === "environments" && asset.data ? (
    <button className="primary" disabled={build.isPending} onClick={() => build.mutate()}
      title="Materialize this environment into the job cache now, ahead of jobs">
      {build.isPending ? "Building…" : `Build v${asset.data.version}`}
    </button>
  ) : undefined;

  return (
    <>
      <PageHeader
        title={<>{name}{asset.data && <span className="muted"> : {asset.data.version}</span>}</>}
        crumbs={[[info.title, listHref]]}
        actions={actions} />
      {kind === "environments" && <BuildResult build={build.data} error={build.error} />}

      <h2>Versions</h2>
      {versions.isPending ? <Loading what="Loading versions" />
        : versions.error ? <ErrorBox error={versions.error} />
        : versions.data.length === 0 ? (
          <Empty title={`No ${info.one} named ${name}`}>
            Create it with <code>{info.create}</code>, or go back to the <Link to={listHref}>list</Link>.
          </Empty>
        ) : (
          <div className="asset-versions">
            <VersionsTable workspace={workspace} kind={kind} versions={versions.data} selected={asset.data?.version} />
          </div>
        )}

      {asset.isPending ? <Loading what="Loading the version" />
        : asset.error ? <ErrorBox error={asset.error} />
        : (
          <>
            <div className="asset-version-bar">
              <h2>Version {asset.data.version} <ArchivedBadge archived={asset.data.archived} /></h2>
              {!version && <Link className="small" to={assetHref(workspace, kind, name, asset.data.version)}>link to this version</Link>}
              <VersionActions workspace={workspace} kind={kind} asset={asset.data} />
            </div>
            <TabBar tabs={TABS[kind]} tab={tab} onChange={setTab} />
            <VersionTab workspace={workspace} kind={kind} tab={tab} asset={asset.data} versions={versions.data ?? []} />
          </>
        )}
    </>
  );
}

function VersionTab({ workspace, kind, tab, asset, versions }: {
  workspace: string; kind: AssetKind; tab: string; asset: Asset; versions: Asset[];
}) {
  const ref = { workspace, name: asset.name, version: asset.version };
  switch (tab) {
    case "files": return <FilesList {...ref} kind={kind} />;
    case "compare": return <ModelCompare workspace={workspace} name={asset.name} versions={versions} />;
    case "lineage": {
      const lineageKind = KIND_INFO[kind].lineage;
      return lineageKind === "model" || lineageKind === "data"
        ? <AssetLineage {...ref} kind={lineageKind} /> : null;
    }
    case "dockerfile": return <Dockerfile {...ref} />;
    default: return <Overview workspace={workspace} kind={kind} asset={asset} />;
  }
}
