/**
 * Tiny DOM helpers for the playground page (no framework: the page is a handful of panels that
 * are rebuilt wholesale on each change).
 *
 * @packageDocumentation
 */

/** Attributes and properties for {@link el}: `class`, `title`, `data-*` and other attributes. */
export type Attributes = Record<string, string | number | boolean | undefined>;

/**
 * Creates an element with attributes and children (strings become text nodes). `false` and
 * `undefined` attributes are left out; `true` sets an empty attribute.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

/** The element with this id, which the page's HTML must contain. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the playground page has no #${id} element`);
  return node as T;
}

/**
 * Appends text to a parent, wrapping each newline in a `span.nl` so the stylesheet can show a
 * visible mark before it (a pseudo-element, so the parent's `textContent` stays the exact text).
 */
export function appendText(parent: Node, text: string): void {
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) break;
    if (nl > start) parent.appendChild(document.createTextNode(text.slice(start, nl)));
    const mark = document.createElement("span");
    mark.className = "nl";
    mark.textContent = "\n";
    parent.appendChild(mark);
    start = nl + 1;
  }
  if (start < text.length) parent.appendChild(document.createTextNode(text.slice(start)));
}

/** Shows or clears an inline error message under a field, and marks the field invalid. */
export function setFieldError(field: HTMLElement | undefined, box: HTMLElement, message: string | undefined): void {
  box.textContent = message ?? "";
  box.hidden = message === undefined;
  if (field) field.toggleAttribute("aria-invalid", message !== undefined);
}
