// Tabs kept in the URL (?tab=...), so a pasted link opens the same tab.
import { useSearchParams } from "react-router";

export function useTab(tabs: readonly string[], fallback: string = tabs[0]): [string, (t: string) => void] {
  const [params, setParams] = useSearchParams();
  const current = params.get("tab");
  const tab = current && tabs.includes(current) ? current : fallback;
  const set = (t: string) => {
    const next = new URLSearchParams(params);
    next.set("tab", t);
    setParams(next, { replace: true });
  };
  return [tab, set];
}

export function TabBar({ tabs, tab, onChange, labels = {} }: {
  tabs: readonly string[]; tab: string; onChange: (t: string) => void; labels?: Record<string, string>;
}) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map((t) => (
        <button key={t} role="tab" aria-selected={t === tab} className={t === tab ? "tab active" : "tab"}
          onClick={() => onChange(t)}>
          {labels[t] ?? t[0].toUpperCase() + t.slice(1)}
        </button>
      ))}
    </div>
  );
}
