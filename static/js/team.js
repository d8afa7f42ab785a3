/* "My team" — progressive enhancement only; every page works without it.
   - the list's period and status filters apply as soon as they change;
   - a points input selects its content on focus, so the manager types over it;
   - leaving the scoring form with unsaved changes asks first. */
(function () {
  "use strict";

  document.querySelectorAll('form.filters select').forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });

  var form = document.getElementById("score-form");
  if (!form) { return; }
  form.querySelectorAll('input[inputmode="decimal"]').forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
