/**
 * A motif extension's panel: the tree its `render` method answers, drawn by
 * {@linkcode MotifNodeView}; a click or an input goes back to the motif and
 * its answer replaces the tree (Preact's diffing updates the page). A tree
 * the server refused shows the refusal (`InvalidOutput: …`) instead.
 *
 * @module
 */
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { type Api, errorText } from "./api.ts";
import { type MotifEvent, type MotifNode, MotifNodeView } from "./motif_node.tsx";

/** Props of {@linkcode MotifPanel}. */
export interface MotifPanelProps {
  api: Api;
  /** The motif extension. */
  id: string;
  /** Only admins send events; viewers see the panel with its controls disabled. */
  admin: boolean;
}

/**
 * The panel section.
 *
 * @param props The API, the motif and the role.
 * @returns The section.
 */
export function MotifPanel({ api, id, admin }: MotifPanelProps): JSX.Element {
  const [tree, setTree] = useState<MotifNode | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  /** Answers to older requests than the latest are dropped. */
  const latest = useRef(0);
  /**
   * Events go one at a time, in order. Controls stay enabled while one is
   * on its way: typing then clicking sends the input's change, then the click.
   */
  const queue = useRef<Promise<void>>(Promise.resolve());
  const path = `/api/extensions/${encodeURIComponent(id)}/panel`;

  const show = async (answer: () => Promise<{ tree: MotifNode }>): Promise<void> => {
    const mine = ++latest.current;
    setBusy(true);
    try {
      const { tree } = await answer();
      if (mine !== latest.current) return;
      setTree(tree);
      setGeneration((n) => n + 1);
      setFailure(undefined);
    } catch (error) {
      if (mine === latest.current) setFailure(errorText(error));
    } finally {
      if (mine === latest.current) setBusy(false);
    }
  };
  useEffect(() => void show(() => api.get(path)), [api, id]);

  const onEvent = (event: MotifEvent): void => {
    queue.current = queue.current.then(() => show(() => api.send("POST", `${path}/event`, event)));
  };

  return (
    <section aria-labelledby="motif-heading" class="motif-panel" id="motif-panel" aria-busy={busy}>
      <h3 id="motif-heading">Panel</h3>
      {failure !== undefined && <p role="alert" class="bad motif-error">{failure}</p>}
      {tree === undefined
        ? failure === undefined && <p class="muted">Loading…</p>
        : (
          <div class="motif-tree">
            <MotifNodeView
              node={tree}
              onEvent={onEvent}
              disabled={!admin}
              generation={generation}
            />
          </div>
        )}
    </section>
  );
}
