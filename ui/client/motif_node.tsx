/**
 * One node of a motif panel's tree, drawn with a fixed component per type.
 * Only the props each type allows are read, every string goes into the page
 * as a text node (never as HTML), and an unknown type draws nothing: the
 * server has already refused such trees, this is the second line.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { linePoints } from "./sparkline.tsx";

/** A node of a panel's tree, as `GET /api/extensions/:id/panel` answers it. */
export interface MotifNode {
  type: string;
  props?: Record<string, unknown>;
  children?: MotifNode[];
}

/** A click on a button or a committed change of an input. */
export interface MotifEvent {
  id: string;
  kind: "click" | "input";
  value?: string;
}

/** Props of {@linkcode MotifNodeView}. */
export interface MotifNodeViewProps {
  node: MotifNode;
  /** Sends an event to the motif. */
  onEvent: (event: MotifEvent) => void;
  /** True when this session may not send events (a viewer): buttons and inputs are disabled. */
  disabled: boolean;
  /** Counts the trees the panel received: each new one resets what its inputs show. */
  generation: number;
}

const str = (value: unknown): string => typeof value === "string" ? value : "";
const num = (value: unknown): number => typeof value === "number" ? value : 0;
const strings = (value: unknown): unknown[] => Array.isArray(value) ? value : [];
const cellText = (value: unknown): string =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : "";

/**
 * Draws one node and its children.
 *
 * @param props The node, what an event does, and whether controls are disabled.
 * @returns The node's elements.
 */
export function MotifNodeView(
  { node, onEvent, disabled, generation }: MotifNodeViewProps,
): JSX.Element {
  const element = drawn(node, onEvent, disabled, generation);
  const children = node.children ?? [];
  if (children.length === 0) return <>{element}</>;
  return (
    <div class="motif-group">
      {element}
      <div class="motif-children">
        {children.map((child, index) => (
          // Another control at the same place is another element: nothing typed carries over.
          <MotifNodeView
            key={`${index}:${child.type}:${str((child.props as { id?: unknown }).id)}`}
            node={child}
            onEvent={onEvent}
            disabled={disabled}
            generation={generation}
          />
        ))}
      </div>
    </div>
  );
}

function drawn(
  node: MotifNode,
  onEvent: (event: MotifEvent) => void,
  disabled: boolean,
  generation: number,
): JSX.Element | null {
  const p = node.props ?? {};
  switch (node.type) {
    case "text":
      return <p class="motif-text">{str(p["text"])}</p>;
    case "heading":
      return heading(Math.min(Math.max(num(p["level"]) || 4, 1), 6), str(p["text"]));
    case "button": {
      const id = str(p["id"]);
      return (
        <button
          type="button"
          data-motif-id={id}
          disabled={disabled}
          onClick={(): void => onEvent({ id, kind: "click" })}
        >
          {str(p["label"])}
        </button>
      );
    }
    case "input":
      return (
        <MotifInput
          id={str(p["id"])}
          label={str(p["label"])}
          value={str(p["value"])}
          onEvent={onEvent}
          disabled={disabled}
          generation={generation}
        />
      );
    case "list":
      return (
        <ul class="motif-list">
          {strings(p["items"]).map((item, i) => <li key={i}>{str(item)}</li>)}
        </ul>
      );
    case "table":
      return (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>{strings(p["columns"]).map((c, i) => <th key={i} scope="col">{str(c)}</th>)}</tr>
            </thead>
            <tbody>
              {strings(p["rows"]).map((row, i) => (
                <tr key={i}>{strings(row).map((cell, j) => <td key={j}>{cellText(cell)}</td>)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      );
    case "badge":
      return <span class={`badge motif-tone-${toneOf(p["tone"])}`}>{str(p["text"])}</span>;
    case "progress": {
      const value = Math.min(Math.max(num(p["value"]), 0), 1);
      const label = str(p["label"]);
      return (
        <label class="motif-progress">
          {label}{" "}
          <progress value={value} max={1} aria-label={label || undefined}>
            {Math.round(value * 100)}%
          </progress>
        </label>
      );
    }
    case "chart":
      return chart(
        strings(p["points"]).filter((x): x is number => Number.isFinite(x)),
        str(p["label"]),
      );
    default:
      return null;
  }
}

const TONES = new Set(["neutral", "info", "ok", "warn", "bad"]);
const toneOf = (tone: unknown): string =>
  typeof tone === "string" && TONES.has(tone) ? tone : "neutral";

/** Props of {@linkcode MotifInput}. */
interface MotifInputProps {
  id: string;
  label: string;
  /** The value the motif's latest tree gives it. */
  value: string;
  onEvent: (event: MotifEvent) => void;
  disabled: boolean;
  generation: number;
}

/**
 * A text input of a motif. What is typed is kept while the page re-renders
 * for other reasons (a live event); each new tree sets it to the value the
 * tree gives. A committed change is sent as an `input` event.
 */
function MotifInput(
  { id, label, value, onEvent, disabled, generation }: MotifInputProps,
): JSX.Element {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value, generation]);
  return (
    <label class="motif-input">
      {label}{" "}
      <input
        type="text"
        data-motif-id={id}
        value={text}
        disabled={disabled}
        onInput={(event): void => setText(event.currentTarget.value)}
        onChange={(event): void => onEvent({ id, kind: "input", value: event.currentTarget.value })}
      />
    </label>
  );
}

function heading(level: number, text: string): JSX.Element {
  switch (level) {
    case 1:
      return <h1 class="motif-heading">{text}</h1>;
    case 2:
      return <h2 class="motif-heading">{text}</h2>;
    case 3:
      return <h3 class="motif-heading">{text}</h3>;
    case 4:
      return <h4 class="motif-heading">{text}</h4>;
    case 5:
      return <h5 class="motif-heading">{text}</h5>;
    default:
      return <h6 class="motif-heading">{text}</h6>;
  }
}

/** A line chart of the points, scaled to a 200×60 box. */
function chart(points: number[], label: string): JSX.Element {
  return (
    <figure class="motif-chart">
      <svg viewBox="0 0 200 60" role="img" aria-label={`${label}: ${points.join(", ")}`}>
        <polyline
          points={linePoints(points, 200, 60)}
          fill="none"
          stroke="currentColor"
          stroke-width="2"
        />
      </svg>
      {label !== "" && <figcaption>{label}</figcaption>}
    </figure>
  );
}
