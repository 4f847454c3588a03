// Who may see what in the Artifact Store: a namespace sees its own artifacts
// and the names other namespaces shared with it. Shares are cached per owner.
import { SymphonyError } from "../symphony_error.ts";
import type { ArtifactIndex } from "./_artifact_store_index.ts";
import { checkName } from "./_artifact_store_input.ts";

/** The shares of the index, cached: owner -> name -> namespaces it is shared with. */
export class ArtifactShares {
  readonly #index: ArtifactIndex;
  readonly #byOwner = new Map<string, Map<string, Set<string>>>();

  constructor(index: ArtifactIndex) {
    this.#index = index;
  }

  /** Whether `owner` shares `name` with `grantee`. */
  isShared(owner: string, name: string, grantee: string): boolean {
    return this.#of(owner).get(name)?.has(grantee) === true;
  }

  /**
   * Checks the names and that the caller may see `name` of `owner`.
   *
   * @returns The owner: `namespace` itself when `owner` is undefined.
   */
  access(namespace: string, name: string, owner: string | undefined): string {
    checkName(namespace, "namespace");
    checkName(name, "name");
    if (owner === undefined || owner === namespace) return namespace;
    checkName(owner, "owner");
    if (this.isShared(owner, name, namespace)) return owner;
    throw new SymphonyError(
      "PermissionDenied",
      `Cannot read artifact "${name}" of "${owner}": it is not shared with "${namespace}"`,
    );
  }

  /** Shares a name the owner has; throws NotFound when it has none. */
  share(namespace: string, name: string, grantee: string): void {
    this.#check(namespace, name, grantee);
    if (!this.#index.hasName(namespace, name)) {
      throw new SymphonyError(
        "NotFound",
        `Cannot share artifact "${name}": namespace "${namespace}" has no artifact of that name`,
      );
    }
    this.#index.share(namespace, name, grantee);
    const byName = this.#of(namespace);
    byName.set(name, (byName.get(name) ?? new Set<string>()).add(grantee));
  }

  /** Stops sharing; returns whether it was shared. */
  unshare(namespace: string, name: string, grantee: string): boolean {
    this.#check(namespace, name, grantee);
    this.#of(namespace).get(name)?.delete(grantee);
    return this.#index.unshare(namespace, name, grantee);
  }

  #check(namespace: string, name: string, grantee: unknown): void {
    checkName(namespace, "namespace");
    checkName(name, "name");
    checkName(grantee, "namespace to share with");
    if (grantee === namespace) {
      throw new SymphonyError(
        "InvalidInput",
        `Cannot share artifact "${name}": "${namespace}" owns it already`,
      );
    }
  }

  #of(owner: string): Map<string, Set<string>> {
    let byName = this.#byOwner.get(owner);
    if (byName === undefined) {
      byName = this.#index.sharesOf(owner);
      this.#byOwner.set(owner, byName);
    }
    return byName;
  }
}
