/* The simulator page (scoring/simulator.html): progressive enhancement only.
   - A chosen .json file is shown in the text box at once (the form still uploads the file).
   - After a run, the result (or the first error) gets the focus, so keyboard and screen-reader
     users land on it. */
(function () {
  "use strict";
  var file = document.getElementById("sim-file");
  var text = document.getElementById("sim-batch");
  if (file && text && window.FileReader) {
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen || chosen.size > 5 * 1024 * 1024) {
        return;
      }
      var reader = new FileReader();
      reader.addEventListener("load", function () {
        text.value = String(reader.result || "");
      });
      reader.readAsText(chosen, "utf-8");
    });
  }
  var error = document.querySelector("[data-test='simulator-error']");
  var result = document.getElementById("simulator-result");
  if (error) {
    var field = error.parentElement && error.parentElement.querySelector("textarea, select, input");
    if (field) {
      field.focus();
    }
  } else if (result) {
    result.focus();
  }
})();
