/**
 * The settings form generated from the manifest's settings schema: a number
 * input with its bounds, a select for an enum, a checkbox for a boolean, a
 * text input for a string (an array as comma-separated text). Each setting
 * is saved on its own, at the user level; the API's refusal shows under it.
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
  return Array.isArray(value) ? value.join(", ") : value === undefined ? "" : String(value);
}

function parsed(setting: Setting, text: string, checked: boolean): unknown {
  switch (setting.type) {
    case "boolean":
      return checked;
    case "integer":
    case "number":
      return text.trim() === "" ? text : Number(text);
    case "array":
      return text.split(",").map((item) => item.trim()).filter((item) => item !== "").map((
        item,
      ) => setting.items.type === "string" ? item : JSON.parse(item) as unknown);
    default:
      return text;
  }
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
      const value = parsed(setting, text, checked);
      const answer = await props.api.send<{ values: Record<string, unknown> }>(
        "PUT",
        `/api/extensions/${encodeURIComponent(props.id)}/settings`,
        { level: "user", values: { [name]: value } },
      );
      setError(undefined);
      setText(asText(answer.values[name]));
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
  if (setting.type === "boolean") {
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
    ? `comma-separated ${setting.items.type} values`
    : "";
  return (
    <form class="field" noValidate onSubmit={save} data-setting={name}>
      <label for={inputId}>
        {setting.title ?? name} {bounds !== "" && <span class="muted">({bounds})</span>}
      </label>
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
