// BookStore: the search boxes suggest titles and authors as you type. Without this file the
// boxes still work (a search is an ordinary GET form) and the results page fills the same
// datalist on the server for what was searched.
(function () {
  "use strict";

  var list = document.getElementById("search-suggestions");
  var source = document.querySelector("[data-suggest-url]");
  if (!list || !source || !window.fetch) {
    return;
  }
  var url = source.getAttribute("data-suggest-url");
  var timer = null;
  var latest = "";

  function fill(items) {
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.text;
      option.textContent = (item.kind === "author" ? "by " : "") + item.text;
      list.appendChild(option);
    });
  }

  function ask(prefix) {
    latest = prefix;
    fetch(url + "?q=" + encodeURIComponent(prefix), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { items: [] };
      })
      .then(function (data) {
        if (prefix === latest) {
          fill(data.items || []);
        }
      })
      .catch(function () {});
  }

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input || input.getAttribute("list") !== "search-suggestions") {
      return;
    }
    var prefix = input.value.trim();
    window.clearTimeout(timer);
    if (prefix.length < 2) {
      return;
    }
    timer = window.setTimeout(function () {
      ask(prefix);
    }, 150);
  });
})();
