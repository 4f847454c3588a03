/**
 * The install page (admin): a package directory on this machine, its
 * permission review in plain words with a checkbox per requested permission
 * (the dangerous ones unticked on the community tier), and the install of
 * the selection.
 *
 * @module
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { InstallResult, InstallReview, ReviewRequest } from "./api_types.ts";
import { type Api, errorText } from "./api.ts";

/** Props of {@linkcode InstallPage}. */
export interface InstallPageProps {
  api: Api;
}

const keyOf = (request: ReviewRequest): string => `${request.kind}\n${request.value}`;

/**
 * The install page.
 *
 * @param props The API.
 * @returns The page.
 */
export function InstallPage({ api }: InstallPageProps): JSX.Element {
  const [dir, setDir] = useState("");
  const [review, setReview] = useState<InstallReview | undefined>(undefined);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<InstallResult | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const act = async (action: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setFailure(undefined);
    try {
      await action();
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  };

  const onReview = (event: Event): void => {
    event.preventDefault();
    void act(async () => {
      setReview(undefined);
      setResult(undefined);
      const answer = await api.send<InstallReview>("POST", "/api/install/review", { dir });
      const grantable = answer.requests.filter((request) =>
        request.danger === undefined || answer.tier === "enterprise"
      );
      setChosen(new Set(grantable.map(keyOf)));
      setReview(answer);
    });
  };

  const onInstall = (): void => {
    if (review === undefined) return;
    void act(async () => {
      const grants: Record<string, string[]> = {};
      for (const request of review.requests) {
        grants[request.kind] ??= [];
        if (chosen.has(keyOf(request))) grants[request.kind]?.push(request.value);
      }
      setResult(await api.send<InstallResult>("POST", "/api/install", { dir, grants }));
      setReview(undefined);
    });
  };

  const toggle = (request: ReviewRequest, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(keyOf(request));
    else next.delete(keyOf(request));
    setChosen(next);
  };

  return (
    <>
      <h2>Install an extension</h2>
      <form class="toolbar" onSubmit={onReview}>
        <div class="field grow">
          <label for="install-dir">Package directory on this machine</label>
          <input
            id="install-dir"
            type="text"
            required
            value={dir}
            placeholder="/path/to/extension"
            onInput={(event): void => setDir(event.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy || dir.trim() === ""}>Review</button>
      </form>
      {failure !== undefined && <p role="alert" class="bad">{failure}</p>}
      {review !== undefined && (
        <section aria-labelledby="review-heading" id="install-review">
          <h3 id="review-heading">
            Review: {review.name}{" "}
            <span class="muted">{review.id} {review.version} ({review.type})</span>
          </h3>
          {review.update !== null && (
            <p class={review.update.added.length > 0 ? "bad" : ""}>
              An update from {review.update.from} to {review.version}.{" "}
              {review.update.added.length === 0
                ? "It asks for no new permissions."
                : `It asks for NEW permissions: ${
                  review.update.added.join(", ")
                }. It stays disabled until an admin enables it.`}
            </p>
          )}
          <fieldset>
            <legend>What it asks to do (untick what you do not grant)</legend>
            {review.requests.length === 0
              ? <p class="muted">Nothing beyond its own code and data.</p>
              : (
                <ul class="plain">
                  {review.requests.map((request) => (
                    <li key={keyOf(request)}>
                      <label>
                        <input
                          type="checkbox"
                          data-kind={request.kind}
                          data-value={request.value}
                          checked={chosen.has(keyOf(request))}
                          disabled={busy}
                          onChange={(event): void => toggle(request, event.currentTarget.checked)}
                        />{" "}
                        {request.words} <code>{request.kind}: {request.value}</code>
                      </label>{" "}
                      {request.danger !== undefined && (
                        <strong class="bad">
                          Dangerous for the {review.tier} tier: {request.danger}
                        </strong>
                      )}
                    </li>
                  ))}
                </ul>
              )}
          </fieldset>
          <p>
            It did not ask to: {review.notAsked.join(", ")}.
          </p>
          <details>
            <summary>The full review</summary>
            <pre class="detail">{review.text}</pre>
          </details>
          <p>
            <button type="button" disabled={busy} onClick={onInstall}>
              {review.update === null ? "Install" : "Update"}
            </button>
          </p>
        </section>
      )}
      {result !== undefined && (
        <p role="status" id="install-result" class="ok">
          {result.update ? "Updated" : "Installed"} {result.id} {result.version}
          {result.disabled !== null && ", disabled until an admin enables it"}.{" "}
          <a href={`#/extensions/${encodeURIComponent(result.id)}`}>Open {result.id}</a>
        </p>
      )}
    </>
  );
}
