// Form fields built from vscode-elements: each with its label, hint and an error line that sits
// right under it (role=alert, referenced by aria-describedby so screen readers read it too).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { h, replaceChildren } from '../common/dom';

/** One field on the page. */
export interface FieldView {
  key: string;
  root: HTMLElement;
  setValue(v: string | boolean): void;
  setDisabled(disabled: boolean): void;
  /** Shows (or clears) the error under the field. */
  setError(message: string | undefined): void;
}

export interface Option {
  value: string;
  label: string;
  description?: string;
}

interface Base {
  key: string;
  label: string;
  /** Short text under the field. */
  hint?: string;
  /** Longer description (the schema's): the label's tooltip. */
  tooltip?: string;
}

let counter = 0;
const idOf = (key: string) => `f${++counter}-${key.replace(/[^A-Za-z0-9]/g, '-')}`;

/** Label, control, optional buttons beside it, hint and error line. */
function frame(base: Base, control: HTMLElement, id: string, extra: HTMLElement[] = []): { root: HTMLElement; error: HTMLElement } {
  const errorId = `${id}-error`;
  control.setAttribute('aria-describedby', errorId);
  const error = h('div', { class: 'error', attrs: { id: errorId, role: 'alert' } });
  const root = h(
    'div',
    { class: 'field', attrs: { 'data-field': base.key } },
    h('vscode-label', { attrs: { for: id, title: base.tooltip } }, base.label),
    extra.length ? h('div', { class: 'control-row' }, control, ...extra) : control,
    base.hint ? h('div', { class: 'hint' }, base.hint) : null,
    error,
  );
  return { root, error };
}

export function textField(base: Base & { placeholder?: string; value: string; onInput: (v: string) => void; buttons?: HTMLElement[] }): FieldView {
  const id = idOf(base.key);
  const tf = h('vscode-textfield', {
    attrs: { id, 'data-key': base.key, placeholder: base.placeholder },
    props: { value: base.value },
    on: { input: (e) => base.onInput((e.target as HTMLInputElement).value) },
  });
  const { root, error } = frame(base, tf, id, base.buttons);
  return {
    key: base.key,
    root,
    setValue: (v) => {
      if (tf.value !== String(v)) tf.value = String(v);
    },
    setDisabled: (d) => {
      tf.disabled = d;
      for (const b of base.buttons ?? []) (b as HTMLButtonElement).disabled = d;
    },
    setError: (m) => {
      error.textContent = m ?? '';
      tf.invalid = m !== undefined;
    },
  };
}

export interface SelectView extends FieldView {
  setOptions(options: Option[], value: string): void;
}

export function selectField(base: Base & { options: Option[]; value: string; onChange: (v: string) => void }): SelectView {
  const id = idOf(base.key);
  const select = h('vscode-single-select', {
    attrs: { id, 'data-key': base.key },
    on: { change: (e) => base.onChange((e.target as HTMLSelectElement).value) },
  });
  const fill = (options: Option[], value: string) => {
    replaceChildren(
      select,
      ...options.map((o) =>
        h('vscode-option', { attrs: { value: o.value, selected: o.value === value, description: o.description } }, o.label),
      ),
    );
    // The element reads its options when they are slotted (a microtask later): set the value after.
    queueMicrotask(() => {
      if (select.value !== value) select.value = value;
    });
  };
  fill(base.options, base.value);
  const { root, error } = frame(base, select, id);
  return {
    key: base.key,
    root,
    setOptions: fill,
    setValue: (v) => {
      if (select.value !== String(v)) select.value = String(v);
    },
    setDisabled: (d) => {
      select.disabled = d;
    },
    setError: (m) => {
      error.textContent = m ?? '';
      select.invalid = m !== undefined;
    },
  };
}

export function radioField(base: Base & { options: Option[]; value: string; onChange: (v: string) => void }): FieldView {
  const id = idOf(base.key);
  const radios = base.options.map((o) =>
    h('vscode-radio', { attrs: { name: id, value: o.value, label: o.label, checked: o.value === base.value, title: o.description } }),
  );
  const group = h('vscode-radio-group', {
    attrs: { id, 'data-key': base.key },
    on: {
      change: () => {
        const checked = radios.find((r) => r.checked);
        if (checked) base.onChange(checked.value);
      },
    },
  }, ...radios);
  const { root, error } = frame(base, group, id);
  return {
    key: base.key,
    root,
    setValue: (v) => {
      for (const r of radios) r.checked = r.value === v;
    },
    setDisabled: (d) => {
      for (const r of radios) r.disabled = d;
    },
    setError: (m) => {
      error.textContent = m ?? '';
    },
  };
}

export function checkboxField(base: Base & { value: boolean; onChange: (v: boolean) => void }): FieldView {
  const id = idOf(base.key);
  const box = h('vscode-checkbox', {
    attrs: { id, 'data-key': base.key, label: base.label, checked: base.value },
    on: { change: (e) => base.onChange((e.target as HTMLInputElement).checked) },
  });
  const error = h('div', { class: 'error', attrs: { id: `${id}-error`, role: 'alert' } });
  box.setAttribute('aria-describedby', `${id}-error`);
  const root = h('div', { class: 'field', attrs: { 'data-field': base.key, title: base.tooltip } }, box, base.hint ? h('div', { class: 'hint' }, base.hint) : null, error);
  return {
    key: base.key,
    root,
    setValue: (v) => {
      box.checked = v === true;
    },
    setDisabled: (d) => {
      box.disabled = d;
    },
    setError: (m) => {
      error.textContent = m ?? '';
    },
  };
}

/** A small secondary button beside a field ("Pick…", "New from template…"). */
export function sideButton(label: string, icon: string, onClick: () => void): HTMLElement {
  return h('vscode-button', { attrs: { secondary: true, icon }, on: { click: onClick } }, label);
}
