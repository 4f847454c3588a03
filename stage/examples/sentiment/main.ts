/**
 * Sentiment, an example instrument with a local model: at activation it
 * trains a multinomial naive Bayes classifier on the labelled sentences in
 * `data.json` (bundled with the code, which the process may read), then
 * serves it.
 *
 * - `classify` `{ text }` → `{ label, scores }`: `label` is `positive`,
 *   `negative`, or `neutral` when no score reaches `min_confidence`; the
 *   scores sum to 1.
 * - `explain` `{ text }` → `{ label, scores, tokens, ignored }`: the known
 *   words, strongest first, with the label each favours, and the words the
 *   model never saw.
 * - `info` → what the model was trained on.
 *
 * @module
 */
import type { ExtensionContext, Handlers } from "@symphony/sdk";
import data from "./data.json" with { type: "json" };
import { NaiveBayes, tokenize, type TokenWeight } from "./naive_bayes.ts";

/** The result of `classify`. */
export interface Classification {
  label: string;
  scores: Record<string, number>;
}

/** The result of `explain`. */
export interface Explanation extends Classification {
  tokens: TokenWeight[];
  ignored: string[];
}

const MAX_TEXT_CHARS = 100_000;

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

/**
 * Trains the model and serves it.
 *
 * @param ctx The extension's context (settings `alpha` and `min_confidence`).
 * @returns The `classify`, `explain` and `info` handlers.
 */
export function activate(ctx: ExtensionContext): Handlers {
  const alpha = Number(ctx.settings.get("alpha") ?? 1);
  const minConfidence = Number(ctx.settings.get("min_confidence") ?? 0.6);
  const model = NaiveBayes.train(data.examples, { alpha });
  ctx.log.info(
    `trained on ${data.examples.length} examples: ${model.vocabulary} features, alpha ${alpha}`,
  );

  const classify = (text: string): Classification => {
    const scores = model.scores(text);
    const [label, score] = Object.entries(scores).sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
    return { label: score >= minConfidence ? label : "neutral", scores };
  };

  return {
    classify: (input): Classification => classify(textOf(input, "classify")),

    explain: (input): Explanation => {
      const text = textOf(input, "explain");
      return {
        ...classify(text),
        tokens: model.weights(text),
        ignored: [...new Set(tokenize(text))].filter((token) => !model.knows(token)),
      };
    },

    info: () => ({
      model: "multinomial naive Bayes",
      labels: [...model.labels],
      examples: data.examples.length,
      vocabulary: model.vocabulary,
      alpha,
      min_confidence: minConfidence,
    }),
  };
}
