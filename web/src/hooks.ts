// Small state helpers shared by the views.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { gql, live } from "./api";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Run `query` whenever `variables` change (compared as JSON); keep the last answer. */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    let current = true;
    setLoading(true);
    gql<T>(query, JSON.parse(key) as Record<string, unknown>)
      .then((answer) => {
        if (!current) return;
        setData(answer);
        setError(null);
      })
      .catch((failure: Error) => current && setError(failure.message))
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
  }, [query, key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** A function that calls `fn` at most once per `ms`, the last call winning. */
export function useThrottled(fn: () => void, ms: number): () => void {
  const timer = useRef<number | null>(null);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => {
    if (timer.current !== null) clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  }, [ms]);
}

/** Keyset paging over a connection: a stack of `after` cursors. */
export function usePager(resetKey: string) {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  useEffect(() => setStack([null]), [resetKey]);
  return {
    after: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string | null) => cursor && setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
  };
}

export function when(value: string | null | undefined): string {
  return value ? new Date(value).toLocaleString() : "—";
}

export interface Changes {
  query: string;
  variables: Record<string, unknown>;
  field: string;
}

/**
 * One page of a connection, filtered by `filter`, paged with a cursor stack and
 * paged in again (at most once per `ms`) whenever `changes` reports something.
 */
export function useLivePage<T>(
  query: string,
  filter: Record<string, unknown>,
  first: number,
  changes: Changes,
  ms = 1000,
) {
  const pager = usePager(JSON.stringify(filter));
  const list = useQuery<T>(query, { first, after: pager.after, filter });
  const refresh = useThrottled(list.reload, ms);
  const watched = JSON.stringify(changes.variables);
  useEffect(() => {
    const stream = live(changes.query, JSON.parse(watched) as Record<string, unknown>, changes.field, refresh);
    return () => stream.stop();
  }, [changes.query, changes.field, watched, refresh]);
  return { list, pager };
}
