/* The import form: the editor's name, as the map page keeps it in this browser. */
(function () {
  "use strict";
  var who = document.getElementById("import-who");
  if (!who.value) { who.value = localStorage.getItem("patrol.editor") || ""; }
  document.getElementById("import-form").addEventListener("submit", function () {
    if (who.value.trim()) { localStorage.setItem("patrol.editor", who.value.trim()); }
  });
})();
