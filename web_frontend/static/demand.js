// /sell: show how many users want the ISBN being typed (GET /sell/demand.json?isbn=).
(function () {
  "use strict";
  var out = document.getElementById("isbn-demand");
  var input = document.getElementById("isbn");
  if (!out || !input) {
    return;
  }
  var timer = null;
  function show() {
    var isbn = input.value.trim();
    if (isbn.replace(/[\s-]/g, "").length < 10) {
      out.textContent = "";
      return;
    }
    fetch(out.dataset.demandUrl + "?isbn=" + encodeURIComponent(isbn), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { wanting: null }; })
      .then(function (body) {
        var n = body.wanting;
        out.textContent = n ? n + (n === 1 ? " user wants" : " users want") + " this ISBN." : (n === 0 ? "Nobody wants this ISBN yet." : "");
      })
      .catch(function () { out.textContent = ""; });
  }
  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(show, 300);
  });
})();
