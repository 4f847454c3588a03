/**
 * The UI's style sheet, served at `/app.css`: readable at 1280×800 and on a
 * narrow window (tables scroll, the columns stack), visible focus rings.
 *
 * @module
 */

/** The CSS of every page. */
export const APP_CSS = `
:root { color-scheme: light dark; --fg: #1d1d1f; --bg: #fff; --muted: #5f6368; --line: #d0d4d9;
  --accent: #1a56db; --ok: #0b6b2e; --bad: #b00020; --panel: #f5f6f8; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8eaed; --bg: #16181c; --muted: #a0a4a8; --line: #3a3f45; --accent: #8ab4f8;
    --ok: #81c995; --bad: #f28b82; --panel: #1f2227; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center;
  padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top h1 { font-size: 1.15rem; margin: 0; }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-weight: 600; }
.muted { color: var(--muted); }
.ok { color: var(--ok); }
.bad { color: var(--bad); }
.badge { display: inline-block; padding: 0 .45rem; border: 1px solid currentColor; border-radius: 1rem;
  font-size: .85em; }
.toolbar { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: end; margin: .5rem 0 1rem; }
.toolbar label, .field label, .field .label { display: block; font-size: .9em; }
ul.items li { display: flex; gap: .4rem; align-items: center; }
.actions { display: flex; flex-wrap: wrap; gap: .4rem; }
button, input, select, textarea { font: inherit; }
button { padding: .25rem .7rem; border: 1px solid var(--line); border-radius: 4px;
  background: var(--bg); color: var(--fg); cursor: pointer; }
button:hover { border-color: var(--accent); }
button:disabled { opacity: .5; cursor: default; }
button.danger { color: var(--bad); border-color: var(--bad); }
textarea { font-family: ui-monospace, monospace; width: min(100%, 40rem); }
input, select, textarea { padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 4px;
  background: var(--bg); color: var(--fg); }
section { margin: 1.25rem 0; }
.columns { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 1rem; }
.columns ul { list-style: none; padding: 0; margin: .25rem 0; }
.columns li { display: flex; flex-wrap: wrap; gap: .4rem; align-items: center; margin: .2rem 0;
  word-break: break-all; }
.field { margin: .6rem 0; }
.field .error { color: var(--bad); margin: .2rem 0 0; }
.verification { font-size: 1.1rem; font-weight: 600; padding: .5rem .75rem; border-radius: 4px;
  border: 2px solid currentColor; display: inline-block; }
.status { min-height: 1.4em; }
#live-status { max-width: 1200px; margin: .4rem auto 0; padding: 0 1rem; color: var(--muted); }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.summary dt { font-weight: 600; }
dl.summary dd { margin: 0; overflow-wrap: anywhere; }
pre.detail { margin: 0; white-space: pre-wrap; word-break: break-all; font-size: .85em; }
.toolbar .grow { flex: 1 1 20rem; }
.toolbar .grow input { width: 100%; }
ul.plain { list-style: none; padding: 0; margin: .25rem 0; }
ul.plain li { margin: .3rem 0; word-break: break-word; }
fieldset { border: 1px solid var(--line); border-radius: 4px; }
.motif-tree { border: 1px solid var(--line); border-radius: 4px; padding: .6rem .8rem;
  overflow-wrap: anywhere; }
.motif-children { display: flex; flex-direction: column; align-items: flex-start; gap: .4rem; }
.motif-text { margin: 0; white-space: pre-wrap; }
.motif-heading { margin: 0 0 .4rem; }
.motif-list { margin: 0; }
.motif-chart { margin: 0; width: min(100%, 320px); }
.motif-chart svg { width: 100%; height: auto; }
.motif-tone-ok { color: var(--ok); }
.motif-tone-bad, .motif-tone-warn { color: var(--bad); }
.motif-tone-info { color: var(--accent); }
.sparkline { vertical-align: middle; color: var(--accent); max-width: 100%; }
.errors .sparkline { color: var(--bad); }
td.metric { white-space: nowrap; }
.metric-cell { display: inline-flex; align-items: center; gap: .3rem; }
span.sparkline { display: inline-block; }
dl.activity { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
  gap: .6rem 1.5rem; margin: 0; }
dl.activity dt { font-weight: 600; }
dl.activity dd { margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: .25rem .5rem; }
.table-wrap.log { max-height: 24rem; overflow-y: auto; }
.level-warn td:nth-child(2), .level-error td:nth-child(2) { color: var(--bad); font-weight: 600; }
@media (max-width: 700px) {
  .columns { grid-template-columns: 1fr; }
  dl.summary { grid-template-columns: 1fr; }
  dl.summary dd { margin-bottom: .3rem; }
  main { padding: .6rem; }
}
`;
