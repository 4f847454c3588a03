/**
 * The extension page's "Call a method" form (admin): a method, a JSON
 * input, and the result or the error with its code, shown as text.
 *
 * @module
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { type Api, errorText } from "./api.ts";

/** Props of {@linkcode CallPanel}. */
export interface CallPanelProps {
  api: Api;
  id: string;
  /** The methods its manifest names, offered as suggestions. */
  methods: readonly string[];
}

/** What the last call gave; `n` counts the calls made from this form. */
type Outcome = { n: number; ok: boolean; text: string };

/**
 * The form and the last call's outcome.
 *
 * @param props The API, the extension and its methods.
 * @returns The section.
 */
export function CallPanel({ api, id, methods }: CallPanelProps): JSX.Element {
  const [method, setMethod] = useState(methods[0] ?? "");
  const [input, setInput] = useState("null");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);

  const n = (outcome?.n ?? 0) + 1;
  const call = async (event: Event): Promise<void> => {
    event.preventDefault();
    let value: unknown;
    try {
      value = JSON.parse(input === "" ? "null" : input);
    } catch (error) {
      setOutcome({ n, ok: false, text: `The input is not JSON: ${(error as Error).message}` });
      return;
    }
    setBusy(true);
    try {
      const answer = await api.send<{ result: unknown }>(
        "POST",
        `/api/extensions/${encodeURIComponent(id)}/call`,
        { method, input: value },
      );
      setOutcome({ n, ok: true, text: JSON.stringify(answer.result, null, 2) });
    } catch (error) {
      setOutcome({ n, ok: false, text: errorText(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="call-heading">
      <h3 id="call-heading">Call a method</h3>
      <form class="call" onSubmit={call}>
        <div class="field">
          <label for="call-method">Method</label>
          <input
            id="call-method"
            list="call-methods"
            required
            value={method}
            onInput={(e): void => setMethod(e.currentTarget.value)}
          />
          <datalist id="call-methods">
            {methods.map((name) => <option key={name} value={name} />)}
          </datalist>
        </div>
        <div class="field">
          <label for="call-input">Input (JSON)</label>
          <textarea
            id="call-input"
            rows={3}
            spellcheck={false}
            value={input}
            onInput={(e): void => setInput(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy}>Call</button>
      </form>
      <div id="call-outcome" aria-live="polite" data-calls={outcome?.n ?? 0}>
        {outcome !== undefined && (
          outcome.ok
            ? (
              <>
                <p class="ok">Result</p>
                <pre class="detail">{outcome.text}</pre>
              </>
            )
            : <p role="alert" class="bad">{outcome.text}</p>
        )}
      </div>
    </section>
  );
}
