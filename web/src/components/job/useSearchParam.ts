// One query-string value as state, so chart settings and the open folder are part of the URL.
import { useSearchParams } from "react-router";

export function useSearchParam(name: string, fallback = ""): [string, (v: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get(name) ?? fallback;
  const set = (v: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (v === fallback || v === "") next.delete(name);
      else next.set(name, v);
      return next;
    }, { replace: true });
  return [value, set];
}
