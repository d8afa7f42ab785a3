/* Draws every plotly figure of the page: each <div data-figure-id="X"> reads the JSON of
   <script type="application/json" id="X"> (Django's json_script) and hands it to Plotly.
   No inline script, no CDN: plotly.min.js is served by the app from the installed package. */
(function () {
  "use strict";
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-figure-id]").forEach(function (div) {
      var source = document.getElementById(div.getAttribute("data-figure-id"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      var config = { responsive: true, displaylogo: false, locale: document.documentElement.lang || "vi" };
      Plotly.newPlot(div, figure.data || [], figure.layout || {}, config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
