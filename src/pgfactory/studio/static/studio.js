// What htmx leaves to a page: opening and closing <dialog>s. No inline scripts anywhere (the CSP forbids them).
"use strict";
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-dialog-open]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.dialogOpen);
    if (dialog) { dialog.showModal(); }
    return;
  }
  const closer = event.target.closest("[data-dialog-close]");
  if (closer) { closer.closest("dialog")?.close(); }
});
// A fragment that carries data-dialog-show opens its dialog when htmx swaps it in.
document.addEventListener("htmx:afterSettle", (event) => {
  event.detail.elt.querySelectorAll?.("dialog[data-dialog-show]").forEach((dialog) => { if (!dialog.open) { dialog.showModal(); } });
});
// author: the JSON editor marks unsaved changes, and "Go to line" puts the caret where broken JSON breaks.
document.addEventListener("input", (event) => {
  const editor = event.target.closest?.("textarea[data-editor]");
  editor?.form?.querySelectorAll("[data-unsaved]").forEach((note) => { note.hidden = false; });
});
document.addEventListener("click", (event) => {
  const goto = event.target.closest("[data-editor-goto]");
  const editor = goto && document.querySelector("textarea[data-editor]");
  if (editor) {
    const offset = Math.min(Number(goto.dataset.editorGoto), editor.value.length);
    editor.focus();
    editor.setSelectionRange(offset, Math.min(offset + 1, editor.value.length));
  }
});
// manage, linked service editor: the view the user changed last (the form or the JSON view) is what Save and Test send,
// and a JSON view rendered from the form does not replace JSON the user has edited since;
// a swapped-in element may close its dialog (data-dialog-close-now) or take the focus (data-focus-now).
["input", "change"].forEach((type) => document.addEventListener(type, (event) => {
  const view = event.target.closest?.("[data-source-view]");
  const source = view?.closest("form")?.querySelector("input[name='source']");
  if (source) { source.value = view.dataset.sourceView; }
}));
["htmx:beforeSwap", "htmx:oobBeforeSwap"].forEach((type) => document.addEventListener(type, (event) => {
  const target = event.detail.target;
  const source = target?.closest?.("form")?.querySelector("input[name='source']");
  if (target?.dataset?.sourceView === "json" && source?.value === "json") { event.detail.shouldSwap = false; }
}));
document.addEventListener("htmx:afterSettle", () => {
  document.querySelectorAll("[data-dialog-close-now]").forEach((element) => {
    element.removeAttribute("data-dialog-close-now");
    element.closest("dialog")?.close();
  });
  const focus = document.querySelector("[data-focus-now]");
  if (focus) { focus.removeAttribute("data-focus-now"); focus.focus(); }
});
