// The console's one script: follows a running sync (the element with id
// "sync-live" names the progress URL), updates the figures, and reloads the
// page when the run has finished. Every form works without it.
(function () {
  "use strict";
  var live = document.getElementById("sync-live");
  if (!live) { return; }
  var url = live.getAttribute("data-progress");
  function set(id, value) {
    var el = document.querySelector('[data-testid="' + id + '"]');
    if (el) { el.textContent = String(value); }
  }
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { setTimeout(tick, 3000); return; }
        set("batches", p.batches_done);
        set("written", p.updated);
        var status = document.querySelector('[data-testid="sync-status"]');
        if (status) { status.textContent = p.status_label; status.setAttribute("data-status", p.status); }
        if (p.finished) { window.location.reload(); } else { setTimeout(tick, 1000); }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 1000);
})();
