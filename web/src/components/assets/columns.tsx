// What each kind adds to the generic columns and overview: a model's flavor and size, a data
// version's type and rows, an environment's form, a component's command.
import type { ReactNode } from "react";
import type { AssetKind } from "../../lib/assets";
import { formatBytes, formatNumber } from "../../lib/format";
import type { Asset, Component, Data, Environment, Model } from "./api";

export type Column = { header: string; cell: (a: Asset) => ReactNode; num?: boolean };

/** How an environment is made, in a few words (the list shows it). */
export function environmentForm(env: Environment): string {
  const parts: string[] = [];
  if (env.image) parts.push(env.image);
  if (env.build) parts.push("docker build");
  if (env.conda_file) parts.push("conda");
  if (env.pip_requirements?.length) parts.push(`pip (${env.pip_requirements.length})`);
  return parts.join(" + ") || "—";
}

// Each column reads the fields of its own kind: the list only holds that kind's assets.
export const KIND_COLUMNS: Record<AssetKind, Column[]> = {
  models: [
    { header: "Type", cell: (a) => (a as Model).type },
    { header: "Flavor", cell: (a) => (a as Model).flavor },
    { header: "Size", cell: (a) => formatBytes((a as Model).size), num: true },
  ],
  data: [
    { header: "Type", cell: (a) => (a as Data).type },
    { header: "Rows", cell: (a) => formatNumber((a as Data).profile?.rows), num: true },
    { header: "Size", cell: (a) => formatBytes((a as Data).size), num: true },
  ],
  environments: [
    { header: "Form", cell: (a) => <span className="mono">{environmentForm(a as Environment)}</span> },
    { header: "Curated", cell: (a) => ((a as Environment).curated ? "yes" : "") },
  ],
  components: [
    { header: "Command", cell: (a) => <span className="mono asset-command">{(a as Component).command}</span> },
    { header: "Environment", cell: (a) => <span className="mono">{(a as Component).resolved_environment || "—"}</span> },
  ],
};
