/* The route sheet's Print button (the policy allows no inline onclick). */
(function () {
  "use strict";
  var button = document.getElementById("print-sheet");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
})();
