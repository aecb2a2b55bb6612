// Small pieces shared by the views.
import type { ComponentChildren } from "preact";

export function Status({ value, label }: { value: string; label?: string }) {
  return (
    <span
      class={`status status-${value}`}
      role={label ? "status" : undefined}
      aria-label={label}
    >
      {value}
    </span>
  );
}

export function Failure({ message }: { message: string | null }) {
  return message ? (
    <p role="alert" class="error">
      {message}
    </p>
  ) : null;
}

interface PagerProps {
  page: number;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  children?: ComponentChildren;
}

export function Pager({ page, hasNext, onPrevious, onNext, children }: PagerProps) {
  return (
    <div class="pager">
      <button type="button" onClick={onPrevious} disabled={page <= 1}>
        Previous page
      </button>
      <span class="muted">Page {page}</span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Next page
      </button>
      {children}
    </div>
  );
}

export interface Edge<T> {
  node: T;
}

export interface Page<T> {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: Edge<T>[];
}

export function nodes<T>(page: { edges: Edge<T>[] } | null | undefined): T[] {
  return page ? page.edges.map((edge) => edge.node) : [];
}
