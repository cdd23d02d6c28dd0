/* A page whose answer a worker is still searching: poll the job, reload when it is done. */
(function () {
  "use strict";
  var box = document.getElementById("job-wait");
  if (!box || box.dataset.state === "failed") { return; }
  var list = box.querySelector(".messages");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.json(); })
      .then(function (job) {
        box.dataset.state = job.state;
        if (job.state === "done") { window.location.reload(); return; }
        if (job.state === "failed") {
          list.replaceChildren.apply(list, (job.messages || []).map(function (text) {
            var item = document.createElement("li");
            item.className = "field-error";
            item.textContent = text;
            return item;
          }));
          return;
        }
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
