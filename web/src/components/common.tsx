// Small pieces shared by the views.
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

interface Paging {
  page: number;
  previous: () => void;
  next: (cursor: string | null) => void;
}

/** Previous and next page buttons for a connection's `pageInfo`. */
export function Pager({ pager, info }: { pager: Paging; info?: PageInfo }) {
  return (
    <div class="pager">
      <button type="button" onClick={pager.previous} disabled={pager.page <= 1}>
        Previous page
      </button>
      <span class="muted">Page {pager.page}</span>
      <button type="button" onClick={() => pager.next(info?.endCursor ?? null)} disabled={!info?.hasNextPage}>
        Next page
      </button>
    </div>
  );
}

export type Option = readonly [value: string, label: string];

interface ChoiceProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly Option[];
  /** The label of the empty choice ("All", "Pick a group"), if there is one. */
  none?: string;
}

/** A labelled select. */
export function Choice({ label, value, onChange, options, none }: ChoiceProps) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {none !== undefined && <option value="">{none}</option>}
        {options.map(([key, text]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A table's header row. */
export function Head({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) => (
          <th key={column}>{column}</th>
        ))}
      </tr>
    </thead>
  );
}

export interface Edge<T> {
  node: T;
}

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface Page<T> {
  totalCount: number;
  pageInfo: PageInfo;
  edges: Edge<T>[];
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

export function nodes<T>(page: { edges: Edge<T>[] } | null | undefined): T[] {
  return page ? page.edges.map((edge) => edge.node) : [];
}
