// Import progress: polls the job's status endpoint and reloads the page when it is done.
// Without JavaScript the page offers a refresh link instead.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var stage = box.querySelector("[data-stage]");
  var percent = box.querySelector("[data-progress]");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        bar.value = s.progress;
        bar.textContent = s.progress + "%";
        percent.textContent = s.progress;
        stage.textContent = s.stage;
        if (s.done) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
