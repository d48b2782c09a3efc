/**
 * A tiny element builder for the webview pages: no framework, no innerHTML (every text goes in as
 * text, so nothing from a model or a request can become markup).
 */
type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Attributes (booleans: present when true). */
  attrs?: Record<string, string | number | boolean | undefined>;
  /** Properties set on the element (values of custom elements, `checked`, …). */
  props?: Record<string, unknown>;
  /** Event listeners. */
  on?: Record<string, (e: Event) => void>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props | null, ...children: Child[]): HTMLElementTagNameMap[K];
export function h(tag: string, props?: Props | null, ...children: Child[]): HTMLElement;
export function h(tag: string, props?: Props | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  if (props?.class) el.className = props.class;
  for (const [k, v] of Object.entries(props?.attrs ?? {})) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [k, v] of Object.entries(props?.props ?? {})) (el as unknown as Record<string, unknown>)[k] = v;
  for (const [k, fn] of Object.entries(props?.on ?? {})) el.addEventListener(k, fn);
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Runs `fn` once calls stop coming for `ms`. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
