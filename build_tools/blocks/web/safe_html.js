// HTML from the Python renderer (course_render), inserted through the contract's allowlist.
// Reader code runs in the same interpreter as the renderer, so its HTML is untrusted: it is parsed
// inert (<template>: no scripts run, no images load) and rebuilt element by element with
// createElement / createElementNS. Only listed elements and attributes survive; an `href` only when
// it is an inline image (policy.image_prefix); text stays text; everything else is dropped.
const SVG = "http://www.w3.org/2000/svg";

function copy(node, policy, inSvg) {
  if (node.nodeType === Node.TEXT_NODE) return document.createTextNode(node.data);
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  // Inside <svg> the HTML parser keeps SVG's camelCase names (viewBox).
  const tag = node.localName;
  const allowed = policy.elements[tag];
  if (!allowed) return null;
  const svg = inSvg || tag === "svg";
  const out = svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const { localName: name, value } of node.attributes) { // xlink:href counts as href
    if (!(allowed.includes(name) || policy.global_attributes.includes(name))) continue;
    if (name === "href" && !value.startsWith(policy.image_prefix)) continue;
    out.setAttribute(name, value);
  }
  for (const child of node.childNodes) {
    const kept = copy(child, policy, svg);
    if (kept) out.append(kept);
  }
  return out;
}

// html string -> DocumentFragment holding only what the policy (cfg.html) allows.
export function safeFragment(html, policy) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const fragment = document.createDocumentFragment();
  for (const child of template.content.childNodes) {
    const kept = copy(child, policy, false);
    if (kept) fragment.append(kept);
  }
  return fragment;
}
