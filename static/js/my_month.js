/* "My month": the running total of the self-assessment while the person types.
   The proposed level comes from the server (HTMX, hx-post on the form); this file only adds
   the sum, so the page works the same without it. No inline script (CSP script-src 'self'). */
(function () {
  "use strict";

  function parse(text) {
    var value = String(text || "").trim().replace(",", ".");
    if (value === "") return 0;
    var number = Number(value);
    return isFinite(number) && number >= 0 ? number : NaN;
  }

  function format(number) {
    var lang = document.documentElement.lang || "vi";
    return number.toLocaleString(lang === "en" ? "en" : "vi", { maximumFractionDigits: 2 });
  }

  function update(form) {
    var output = form.querySelector("#self-total");
    if (!output) return;
    var total = 0;
    var valid = true;
    form.querySelectorAll(".js-score").forEach(function (input) {
      var number = parse(input.value);
      var max = parse(input.getAttribute("data-max"));
      var bad = isNaN(number) || number > max;
      input.classList.toggle("over", bad);
      if (bad) valid = false;
      else total += number;
    });
    output.textContent = valid ? format(total) : "…";
  }

  function init() {
    document.querySelectorAll("form.self-form").forEach(function (form) {
      form.addEventListener("input", function (event) {
        if (event.target.classList.contains("js-score")) update(form);
      });
      update(form);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
