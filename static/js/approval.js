/* Approval board: the quota meter of each unit form recounts live as levels change, and the
   "reason for lowering" field appears where a reason is needed. The figures come from data
   attributes the server rendered; the server stays the judge when the unit is approved. */
(function () {
  "use strict";
  var RANK = { KHTNV: 1, HTNV: 2, HTTNV: 3, HTXSNV: 4 };

  function rank(level) {
    return RANK[level] || 0;
  }

  function int(value) {
    var n = parseInt(value, 10);
    return isNaN(n) ? 0 : n;
  }

  // The engine's rule (scoring.engine.quota_allowed), in whole numbers: p = num / den.
  function allowed(meter, excellent, good, rated) {
    var d = meter.dataset;
    if (d.exceptionCeiling !== "") {
      return int(d.exceptionCeiling);
    }
    var num = int(d.percentNum);
    var den = int(d.percentDen) || 1;
    if (d.base === "rated") {
      return Math.floor((num * rated) / den);
    }
    return Math.floor((num * (excellent + good)) / (den + num));
  }

  function update(form) {
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-level]"));
    var raised = {};
    selects.forEach(function (s) {
      if (rank(s.value) > rank(s.dataset.proposed)) {
        raised[s.dataset.group] = true;
      }
    });
    selects.forEach(function (s) {
      var box = form.querySelector('[data-reason-for="' + s.dataset.pk + '"]');
      if (!box) {
        return;
      }
      var area = box.querySelector("textarea");
      var lowered = rank(s.value) < rank(s.dataset.proposed);
      var swap = rank(s.value) < rank(s.dataset.ceiling) && raised[s.dataset.group];
      var typed = area && area.value.trim() !== "";
      box.hidden = !(lowered || swap || typed || box.hasAttribute("data-has-errors"));
      if (area) {
        area.setAttribute("aria-required", lowered ? "true" : "false");
      }
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-meter]"), function (meter) {
      var d = meter.dataset;
      var excellent = int(d.fixedExcellent);
      var good = int(d.fixedGood);
      var rated = int(d.fixedRated);
      selects.forEach(function (s) {
        if (s.dataset.group !== d.group || !s.value) {
          return;
        }
        rated += 1;
        if (s.value === "HTXSNV") {
          excellent += 1;
        } else if (s.value === "HTTNV") {
          good += 1;
        }
      });
      var limit = allowed(meter, excellent, good, rated);
      var over = excellent > limit;
      meter.querySelector("[data-used]").textContent = String(excellent);
      meter.querySelector("[data-allowed]").textContent = String(limit);
      meter.classList.toggle("over", over);
      var text = meter.querySelector("[data-over-text]");
      if (text) {
        text.hidden = !over;
      }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-approval-form]"), function (form) {
      form.addEventListener("change", function () {
        update(form);
      });
      update(form);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
