/**
 * Word Count Panel, an example motif: the editor passes the current text in,
 * and the motif answers with counts in any script (words and sentences as
 * `Intl.Segmenter` finds them, characters as user-perceived graphemes).
 *
 * - `count` `{ text }` → `{ words, sentences, lines, chars, reading_minutes }`:
 *   the command `symphony.word-count-panel.count`.
 * - `panel.stats` `{ text }` → `{ title, items: [{ label, value }] }`: what
 *   the sidebar panel `stats` shows, shaped by the settings.
 * - `render` and `event`: the same panel in the web UI, as a tree of nodes:
 *   a text box, the counts as a table, and a button that clears the text.
 *
 * @module
 */
import type { ExtensionContext, Handlers, PanelEvent, PanelNode } from "@symphony/sdk";

/** The result of `count`. */
export interface Counts {
  words: number;
  sentences: number;
  lines: number;
  /** Graphemes: "é" and "👍🏽" count as one each. */
  chars: number;
  /** Reading time at the `words_per_minute` setting, rounded up; 0 for no words. */
  reading_minutes: number;
}

/** One row of the panel. */
export interface PanelItem {
  label: string;
  value: string;
}

/** What the panel shows. */
export interface PanelContent {
  title: string;
  items: PanelItem[];
}

const MAX_TEXT_CHARS = 1_000_000;

/** What the host refuses anywhere in a panel's tree, spaces between the letters too. */
const SCRIPT_URL = /(?:java|vb)\s*s\s*c\s*r\s*i\s*p\s*t\s*:/i;

function textOf(input: unknown, method: string): string {
  const text = (input as { text?: unknown } | null)?.text;
  if (typeof text !== "string") {
    throw new TypeError(`Cannot ${method}: the input must be { "text": string }`);
  }
  if (text.length > MAX_TEXT_CHARS) {
    throw new RangeError(`Cannot ${method}: the text is longer than ${MAX_TEXT_CHARS} characters`);
  }
  return text;
}

function segments(text: string, granularity: "word" | "sentence" | "grapheme"): Intl.SegmentData[] {
  return [...new Intl.Segmenter("en", { granularity }).segment(text)];
}

/**
 * Counts a text.
 *
 * @param text The text.
 * @param wordsPerMinute The reading speed.
 * @returns The counts.
 */
export function countWords(text: string, wordsPerMinute: number): Counts {
  const words = segments(text, "word").filter((s) => s.isWordLike).length;
  return {
    words,
    sentences: segments(text, "sentence").filter((s) => s.segment.trim() !== "").length,
    lines: text === "" ? 0 : text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n").length,
    chars: segments(text, "grapheme").length,
    reading_minutes: Math.ceil(words / wordsPerMinute),
  };
}

/**
 * Starts the motif.
 *
 * @param ctx The extension's context (settings `words_per_minute` and `show_lines`).
 * @returns The `count`, `panel.stats`, `render` and `event` handlers.
 */
export function activate(ctx: ExtensionContext): Handlers {
  const wordsPerMinute = (): number => Number(ctx.settings.get("words_per_minute") ?? 200);
  // The text the web UI's panel counts: what was typed in its text box.
  let typed = "";

  const stats = (text: string): PanelContent => {
    const counts = countWords(text, wordsPerMinute());
    const items: PanelItem[] = [
      { label: "Words", value: counts.words.toLocaleString("en") },
      { label: "Sentences", value: counts.sentences.toLocaleString("en") },
      { label: "Characters", value: counts.chars.toLocaleString("en") },
    ];
    if (ctx.settings.get("show_lines") !== false) {
      items.push({ label: "Lines", value: counts.lines.toLocaleString("en") });
    }
    items.push({
      label: "Reading time",
      value: counts.words === 0 ? "—" : `${counts.reading_minutes} min`,
    });
    return { title: "Word Count", items };
  };

  const panel = (): PanelNode => {
    const { title, items } = stats(typed);
    return {
      type: "heading",
      props: { text: title, level: 4 },
      children: [
        // The host refuses a tree with text that looks like a script URL
        // ("javascript:"), so such text is counted but not shown back.
        {
          type: "input",
          props: { id: "text", label: "Text to count", value: SCRIPT_URL.test(typed) ? "" : typed },
        },
        {
          type: "table",
          props: {
            columns: ["Measure", "Count"],
            rows: items.map((item) => [item.label, item.value]),
          },
        },
        { type: "button", props: { id: "clear", label: "Clear" } },
      ],
    };
  };

  return {
    count: (input): Counts => countWords(textOf(input, "count"), wordsPerMinute()),

    "panel.stats": (input): PanelContent => stats(textOf(input, "render the panel")),

    render: (): PanelNode => panel(),

    event: (input): PanelNode => {
      const event = input as PanelEvent;
      if (event.id === "text" && event.kind === "input") {
        typed = textOf({ text: event.value ?? "" }, "count the panel's text");
      } else if (event.id === "clear") typed = "";
      return panel();
    },
  };
}
