// The execution-provider order editor: the chosen providers in order of preference, each movable
// up and down and removable with buttons (so it works from the keyboard), plus an "Add" select.
import { h, replaceChildren } from '../common/dom';
import type { FieldView } from './fields';

export function providersEditor(opts: {
  key: string;
  label: string;
  tooltip?: string;
  all: readonly string[];
  value: string[];
  onChange: (v: string[]) => void;
}): FieldView & { setList(v: string[]): void } {
  let list = [...opts.value];
  let disabled = false;
  const ol = h('ol', { class: 'providers', attrs: { 'aria-label': opts.label } });
  const add = h('vscode-single-select', { attrs: { 'aria-label': 'Provider to add', 'data-key': `${opts.key}.add` } });
  const addButton = h('vscode-button', { attrs: { secondary: true, icon: 'add' }, on: { click: () => addSelected() } }, 'Add');
  const error = h('div', { class: 'error', attrs: { role: 'alert', id: `${opts.key}-error` } });
  ol.setAttribute('aria-describedby', error.id);

  const commit = (next: string[]) => {
    list = next;
    render();
    opts.onChange([...list]);
  };
  const move = (i: number, by: number) => {
    const next = [...list];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item!);
    commit(next);
  };
  const addSelected = () => {
    const v = add.value;
    if (v && !list.includes(v)) commit([...list, v]);
  };
  const iconButton = (icon: string, label: string, enabled: boolean, onClick: () => void) =>
    h('vscode-button', { attrs: { 'icon-only': true, icon, secondary: true, title: label, 'aria-label': label, disabled: !enabled || disabled }, on: { click: onClick } });

  function render(): void {
    replaceChildren(
      ol,
      ...list.map((p, i) =>
        h(
          'li',
          { attrs: { 'data-provider': p } },
          h('span', { class: 'provider-name' }, `${i + 1}. ${p}`),
          iconButton('arrow-up', `Move ${p} up`, i > 0, () => move(i, -1)),
          iconButton('arrow-down', `Move ${p} down`, i < list.length - 1, () => move(i, 1)),
          iconButton('close', `Remove ${p}`, list.length > 1, () => commit(list.filter((x) => x !== p))),
        ),
      ),
    );
    const rest = opts.all.filter((p) => !list.includes(p));
    replaceChildren(add, ...rest.map((p, i) => h('vscode-option', { attrs: { value: p, selected: i === 0 } }, p)));
    add.disabled = disabled || rest.length === 0;
    addButton.disabled = disabled || rest.length === 0;
  }
  render();

  const root = h(
    'div',
    { class: 'field', attrs: { 'data-field': opts.key } },
    h('vscode-label', { attrs: { title: opts.tooltip } }, opts.label),
    ol,
    h('div', { class: 'control-row' }, add, addButton),
    h('div', { class: 'hint' }, 'Tried in this order; cpu is the fallback that always loads.'),
    error,
  );
  return {
    key: opts.key,
    root,
    setList: (v) => {
      list = [...v];
      render();
    },
    setValue: () => undefined,
    setDisabled: (d) => {
      disabled = d;
      render();
    },
    setError: (m) => {
      error.textContent = m ?? '';
    },
  };
}
