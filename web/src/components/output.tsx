// Windowed output: only the lines in view are in the DOM, so a run of 100,000
// lines scrolls as lightly as one of ten.
import { useEffect, useRef, useState } from "preact/hooks";

export interface Line {
  host: string;
  stream: string;
  text: string;
}

/** Lines collected outside Preact's state: appending is O(1) and renders are batched. */
export class OutputStore {
  readonly lines: Line[] = [];
  /** Lines the hosts wrote (the notes between them not counted). */
  written = 0;
  private listeners = new Set<() => void>();

  add(host: string, stream: string, texts: string[]): void {
    for (const text of texts) this.lines.push({ host, stream, text });
    this.written += texts.length;
    this.changed();
  }

  note(text: string): void {
    this.lines.push({ host: "", stream: "meta", text });
    this.changed();
  }

  clear(): void {
    this.lines.length = 0;
    this.written = 0;
    this.changed();
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  text(): string {
    return this.lines
      .filter((line) => line.stream !== "meta")
      .map((line) => `${line.host} | ${line.text}\n`)
      .join("");
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

const ROW = 18;
const OVERSCAN = 20;

export function OutputView({ store }: { store: OutputStore }) {
  const box = useRef<HTMLDivElement>(null);
  const [, setVersion] = useState(0);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(500);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(follow);
  followRef.current = follow;

  useEffect(() => {
    let frame = 0;
    const unlisten = store.listen(() => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setVersion((v) => v + 1);
      });
    });
    return () => {
      unlisten();
      cancelAnimationFrame(frame);
    };
  }, [store]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    setHeight(el.clientHeight);
    if (followRef.current) el.scrollTop = el.scrollHeight;
  });

  const onScroll = () => {
    const el = box.current!;
    setTop(el.scrollTop);
    const atEnd = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    if (!atEnd && followRef.current) setFollow(false);
  };

  const total = store.lines.length;
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(total, Math.ceil((top + height) / ROW) + OVERSCAN);
  const shown = store.lines.slice(first, last);
  return (
    <div>
      <div class="toolbar">
        <label class="inline">
          <input
            type="checkbox"
            checked={follow}
            onChange={(e) => setFollow((e.target as HTMLInputElement).checked)}
          />
          Follow output
        </label>
        <span class="muted">{store.written.toLocaleString()} lines</span>
      </div>
      <div
        class="output"
        ref={box}
        role="log"
        aria-label="Output"
        aria-live="off"
        tabIndex={0}
        data-lines={store.written}
        onScroll={onScroll}
      >
        <div style={{ height: `${total * ROW}px` }} />
        <div class="rows" style={{ top: `${first * ROW}px` }}>
          {shown.map((line, i) => (
            <div key={first + i} class={`line ${line.stream}`}>
              {line.host && <span class="host">{line.host} | </span>}
              <span class="text">{line.text}</span>
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}

/** Offer `text` as a file download. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
