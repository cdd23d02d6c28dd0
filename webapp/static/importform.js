/* The import form: the chosen file's name next to the button (the import is kept under
   the account signed in). */
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
  });
})();
