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
