/**
 * The settings form generated from the manifest's settings schema: a number
 * input with its bounds, a select for an enum, a switch for a boolean, a
 * text input for a string, and for an array a list of such inputs with
 * buttons to add and remove items. Each setting is saved on its own, at the
 * user level; the API's refusal shows under it.
 *
 * @module
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { Setting } from "./api_types.ts";
import { type Api, errorText } from "./api.ts";

/** Props of {@linkcode SettingsPanel}. */
export interface SettingsPanelProps {
  api: Api;
  id: string;
  schema: Record<string, Setting>;
  values: Record<string, unknown>;
  admin: boolean;
  /** Called with the values in force after a change. */
  onSaved: (values: Record<string, unknown>, name: string) => void;
}

function asText(value: unknown): string {
  return value === undefined ? "" : String(value);
}

function asItems(value: unknown): string[] {
  return Array.isArray(value) ? value.map(asText) : [];
}

/** A number as typed; left as text when it is not one, for the server to refuse by name. */
function numberOf(text: string): unknown {
  return text.trim() === "" || !Number.isFinite(Number(text)) ? text : Number(text);
}

function itemOf(type: "string" | "integer" | "number" | "boolean", text: string): unknown {
  return type === "string" ? text : type === "boolean" ? text === "true" : numberOf(text);
}

function parsed(setting: Setting, text: string, checked: boolean, items: string[]): unknown {
  switch (setting.type) {
    case "boolean":
      return checked;
    case "integer":
    case "number":
      return numberOf(text);
    case "array":
      return items.map((item) => itemOf(setting.items.type, item));
    default:
      return text;
  }
}

/** Props of {@linkcode ItemList}. */
interface ItemListProps {
  name: string;
  type: "string" | "integer" | "number" | "boolean";
  items: string[];
  onChange: (items: string[]) => void;
  disabled: boolean;
  labelledBy: string;
  describedBy: string | undefined;
}

/** An array setting's items: one input each, a button to remove it, one to add. */
function ItemList(props: ItemListProps): JSX.Element {
  const { name, type, items, onChange } = props;
  const set = (index: number, text: string): void =>
    onChange(items.map((item, i) => i === index ? text : item));
  return (
    <div role="group" aria-labelledby={props.labelledBy} aria-describedby={props.describedBy}>
      <ul class="plain items">
        {items.map((item, index) => (
          <li key={index}>
            {type === "boolean"
              ? (
                <input
                  type="checkbox"
                  role="switch"
                  aria-label={`${name} item ${index + 1}`}
                  checked={item === "true"}
                  disabled={props.disabled}
                  onChange={(e): void => set(index, String(e.currentTarget.checked))}
                />
              )
              : type === "string"
              ? (
                <input
                  type="text"
                  aria-label={`${name} item ${index + 1}`}
                  value={item}
                  disabled={props.disabled}
                  onInput={(e): void => set(index, e.currentTarget.value)}
                />
              )
              : (
                <input
                  type="number"
                  step={type === "integer" ? 1 : "any"}
                  aria-label={`${name} item ${index + 1}`}
                  value={item}
                  disabled={props.disabled}
                  onInput={(e): void => set(index, e.currentTarget.value)}
                />
              )}{" "}
            <button
              type="button"
              aria-label={`Remove ${name} item ${index + 1}`}
              disabled={props.disabled}
              onClick={(): void => onChange(items.filter((_, i) => i !== index))}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <button
        type="button"
        aria-label={`Add an item to ${name}`}
        disabled={props.disabled}
        onClick={(): void => onChange([...items, type === "boolean" ? "false" : ""])}
      >
        Add
      </button>
    </div>
  );
}

/**
 * One setting's field and its Save button.
 *
 * @param props The setting, its value and what saving does.
 * @returns The form.
 */
function SettingField(
  props: SettingsPanelProps & { name: string; setting: Setting },
): JSX.Element {
  const { setting, name } = props;
  const [text, setText] = useState(asText(props.values[name]));
  const [items, setItems] = useState(asItems(props.values[name]));
  const [checked, setChecked] = useState(props.values[name] === true);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const inputId = `setting-${name}`;
  const errorId = `${inputId}-error`;
  const describedBy = error === undefined ? undefined : errorId;

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      const value = parsed(setting, text, checked, items);
      const answer = await props.api.send<{ values: Record<string, unknown> }>(
        "PUT",
        `/api/extensions/${encodeURIComponent(props.id)}/settings`,
        { level: "user", values: { [name]: value } },
      );
      setError(undefined);
      setText(asText(answer.values[name]));
      setItems(asItems(answer.values[name]));
      props.onSaved(answer.values, name);
    } catch (cause) {
      setError(errorText(cause));
    } finally {
      setBusy(false);
    }
  };

  const common = {
    id: inputId,
    disabled: !props.admin || busy,
    "aria-invalid": error !== undefined,
    "aria-describedby": describedBy,
  };
  let input: JSX.Element;
  if (setting.type === "array") {
    input = (
      <ItemList
        name={name}
        type={setting.items.type}
        items={items}
        onChange={setItems}
        disabled={common.disabled}
        labelledBy={`${inputId}-label`}
        describedBy={describedBy}
      />
    );
  } else if (setting.type === "boolean") {
    input = (
      <input
        {...common}
        type="checkbox"
        role="switch"
        checked={checked}
        onChange={(e): void => setChecked(e.currentTarget.checked)}
      />
    );
  } else if (setting.type === "enum") {
    input = (
      <select {...common} value={text} onChange={(e): void => setText(e.currentTarget.value)}>
        {setting.values.map((v) => <option key={v} value={v}>{v}</option>)}
      </select>
    );
  } else if (setting.type === "integer" || setting.type === "number") {
    input = (
      <input
        {...common}
        type="number"
        step={setting.type === "integer" ? 1 : "any"}
        min={setting.minimum}
        max={setting.maximum}
        value={text}
        onInput={(e): void => setText(e.currentTarget.value)}
      />
    );
  } else {
    input = (
      <input
        {...common}
        type="text"
        value={text}
        onInput={(e): void => setText(e.currentTarget.value)}
      />
    );
  }
  const bounds = setting.type === "integer" || setting.type === "number"
    ? [
      setting.minimum === undefined ? "" : `min ${setting.minimum}`,
      setting.maximum === undefined ? "" : `max ${setting.maximum}`,
    ].filter((part) => part !== "").join(", ")
    : setting.type === "array"
    ? `a list of ${setting.items.type} values`
    : "";
  return (
    <form class="field" noValidate onSubmit={save} data-setting={name}>
      {setting.type === "array"
        ? (
          <span class="label" id={`${inputId}-label`}>
            {setting.title ?? name} {bounds !== "" && <span class="muted">({bounds})</span>}
          </span>
        )
        : (
          <label for={inputId}>
            {setting.title ?? name} {bounds !== "" && <span class="muted">({bounds})</span>}
          </label>
        )}
      {setting.description !== undefined && <p class="muted">{setting.description}</p>}
      <div class="actions">
        {input}
        {props.admin && (
          <button type="submit" disabled={busy} aria-label={`Save ${name}`}>Save</button>
        )}
      </div>
      {error !== undefined && <p id={errorId} class="error" role="alert">{error}</p>}
    </form>
  );
}

/**
 * The settings section.
 *
 * @param props The schema, the values and the API.
 * @returns The section.
 */
export function SettingsPanel(props: SettingsPanelProps): JSX.Element {
  const entries = Object.entries(props.schema);
  return (
    <section aria-labelledby="settings-heading">
      <h3 id="settings-heading">Settings</h3>
      {entries.length === 0
        ? <p class="muted">It has no settings.</p>
        : entries.map(([name, setting]) => (
          <SettingField key={name} {...props} name={name} setting={setting} />
        ))}
    </section>
  );
}
