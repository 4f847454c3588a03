/**
 * A multinomial naive Bayes text classifier over a bag of words, with
 * Laplace (add-alpha) smoothing and negation marking: after "not", "never",
 * "no" or a word ending in "n't", each word up to the next punctuation mark
 * becomes `not_<word>`, so "not good" and "good" are different features.
 *
 * @module
 */

/** One labelled text to learn from. */
export interface Example {
  text: string;
  label: string;
}

/** Options for {@linkcode NaiveBayes.train}. */
export interface NaiveBayesOptions {
  /** The smoothing added to every word count. Default: 1 (Laplace). */
  alpha?: number;
}

/** How much one known word pushes towards a label. */
export interface TokenWeight {
  token: string;
  /** The label whose likelihood of this word is highest. */
  favors: string;
  /** The log-likelihood ratio between that label and the next best one (≥ 0). */
  weight: number;
}

const NEGATORS = new Set(["not", "no", "never", "nothing", "nobody", "none", "neither", "nor"]);
const STOPWORDS = new Set([
  "a",
  "an",
  "and",
  "the",
  "this",
  "that",
  "it",
  "is",
  "was",
  "were",
  "are",
  "i",
  "my",
  "our",
  "of",
  "to",
  "with",
  "in",
  "on",
  "at",
  "by",
  "for",
]);

/**
 * Splits a text into the model's features: lower-case words without stop
 * words, negated words marked `not_`.
 *
 * @param text Any text.
 * @returns The features, in order, repeated as often as they occur.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let negated = false;
  for (const [part] of text.toLowerCase().replaceAll("’", "'").matchAll(/[a-z0-9']+|[.,;:!?]/g)) {
    if (/^[.,;:!?]$/.test(part)) {
      negated = false;
      continue;
    }
    const word = part.replace(/^'+|'+$/g, "");
    if (word === "") continue;
    if (NEGATORS.has(word) || word.endsWith("n't")) {
      tokens.push(word.endsWith("n't") ? "not" : word);
      negated = true;
      continue;
    }
    if (STOPWORDS.has(word)) continue;
    tokens.push(negated ? `not_${word}` : word);
  }
  return tokens;
}

/** A trained model. */
export class NaiveBayes {
  /** The labels, in the order they first appeared in training. */
  readonly labels: readonly string[];
  readonly #logPrior: Map<string, number>;
  readonly #logLikelihood: Map<string, Map<string, number>>;

  private constructor(
    labels: string[],
    logPrior: Map<string, number>,
    logLikelihood: Map<string, Map<string, number>>,
  ) {
    this.labels = labels;
    this.#logPrior = logPrior;
    this.#logLikelihood = logLikelihood;
  }

  /**
   * Learns word frequencies per label.
   *
   * @param examples At least one example of each of at least two labels.
   * @param options The smoothing.
   * @returns The model.
   * @throws {RangeError} With fewer than two labels, or a smoothing that is not positive.
   */
  static train(examples: readonly Example[], options: NaiveBayesOptions = {}): NaiveBayes {
    const alpha = options.alpha ?? 1;
    if (!(alpha > 0)) throw new RangeError(`Cannot train: alpha must be positive, got ${alpha}`);
    const docs = new Map<string, number>();
    const counts = new Map<string, Map<string, number>>();
    const totals = new Map<string, number>();
    const vocabulary = new Set<string>();
    for (const { text, label } of examples) {
      docs.set(label, (docs.get(label) ?? 0) + 1);
      const words = counts.get(label) ?? new Map<string, number>();
      counts.set(label, words);
      for (const token of tokenize(text)) {
        vocabulary.add(token);
        words.set(token, (words.get(token) ?? 0) + 1);
        totals.set(label, (totals.get(label) ?? 0) + 1);
      }
    }
    const labels = [...docs.keys()];
    if (labels.length < 2) {
      throw new RangeError(`Cannot train: need two labels or more, got ${labels.length}`);
    }
    const logPrior = new Map<string, number>();
    const logLikelihood = new Map<string, Map<string, number>>();
    for (const label of labels) {
      logPrior.set(label, Math.log((docs.get(label) ?? 0) / examples.length));
      const denominator = (totals.get(label) ?? 0) + alpha * vocabulary.size;
      const table = new Map<string, number>();
      for (const token of vocabulary) {
        table.set(token, Math.log(((counts.get(label)?.get(token) ?? 0) + alpha) / denominator));
      }
      logLikelihood.set(label, table);
    }
    return new NaiveBayes(labels, logPrior, logLikelihood);
  }

  /** The number of distinct features seen in training. */
  get vocabulary(): number {
    return this.#logLikelihood.get(this.labels[0] ?? "")?.size ?? 0;
  }

  /** Whether training saw this feature. */
  knows(token: string): boolean {
    return this.#logLikelihood.get(this.labels[0] ?? "")?.has(token) ?? false;
  }

  /**
   * The posterior probability of each label; words never seen in training
   * are left out, so a text of unknown words gets the priors.
   *
   * @param text Any text.
   * @returns One probability per label; they sum to 1.
   */
  scores(text: string): Record<string, number> {
    const tokens = tokenize(text).filter((token) => this.knows(token));
    const logPosterior = this.labels.map((label) => {
      const table = this.#logLikelihood.get(label);
      return tokens.reduce(
        (sum, token) => sum + (table?.get(token) ?? 0),
        this.#logPrior.get(label) ?? 0,
      );
    });
    // Softmax, shifted by the largest value so that nothing underflows.
    const max = Math.max(...logPosterior);
    const exp = logPosterior.map((value) => Math.exp(value - max));
    const sum = exp.reduce((a, b) => a + b, 0);
    return Object.fromEntries(this.labels.map((label, i) => [label, (exp[i] ?? 0) / sum]));
  }

  /**
   * How much each known feature of a text pushes towards a label, strongest first.
   *
   * @param text Any text.
   * @returns One entry per distinct known feature.
   */
  weights(text: string): TokenWeight[] {
    const distinct = [...new Set(tokenize(text))].filter((token) => this.knows(token));
    return distinct.map((token) => {
      const ranked = this.labels
        .map((label) => ({ label, value: this.#logLikelihood.get(label)?.get(token) ?? 0 }))
        .sort((a, b) => b.value - a.value);
      const [best, next] = ranked;
      return {
        token,
        favors: best?.label ?? "",
        weight: (best?.value ?? 0) - (next?.value ?? 0),
      };
    }).sort((a, b) => b.weight - a.weight || a.token.localeCompare(b.token));
  }
}
