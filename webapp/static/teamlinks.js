/* The team links box: a Copy button beside each team's link (the policy runs no inline script). */
(function () {
  "use strict";
  document.querySelectorAll(".team-links button.copy").forEach(function (button) {
    button.addEventListener("click", function () {
      var url = button.dataset.url, input = button.parentNode.querySelector("input");
      var done = function () { button.textContent = "已复制 Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(done);
      } else { input.select(); document.execCommand("copy"); done(); }
    });
  });
})();
