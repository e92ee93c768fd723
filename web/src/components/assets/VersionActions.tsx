// Changes to one version: point a label at it, archive or restore it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorBox } from "../Feedback";
import type { AssetKind } from "../../lib/assets";
import { setArchived, setLabel, type Asset } from "./api";

export function VersionActions({ workspace, kind, asset }: { workspace: string; kind: AssetKind; asset: Asset }) {
  const client = useQueryClient();
  const [label, setLabelText] = useState("");
  const refresh = () => client.invalidateQueries({ queryKey: ["assets", workspace, kind] });
  const labelIt = useMutation({
    mutationFn: (l: string) => setLabel(workspace, kind, asset.name, l, asset.version),
    onSuccess: () => { setLabelText(""); return refresh(); },
  });
  const archive = useMutation({
    mutationFn: () => setArchived(workspace, kind, asset.name, asset.version, !asset.archived),
    onSuccess: refresh,
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (label.trim()) labelIt.mutate(label.trim());
  };
  return (
    <div className="asset-actions">
      <form className="toolbar" onSubmit={submit}>
        <input aria-label="Label" placeholder="label, e.g. prod" value={label} size={14}
          onChange={(e) => setLabelText(e.target.value)} />
        <button type="submit" disabled={!label.trim() || labelIt.isPending}>Set label on v{asset.version}</button>
        <button type="button" className={asset.archived ? undefined : "danger"} disabled={archive.isPending}
          onClick={() => archive.mutate()}>
          {asset.archived ? "Restore" : "Archive"} v{asset.version}
        </button>
      </form>
      <ErrorBox error={labelIt.error ?? archive.error} />
    </div>
  );
}

