// BookStore: small progressive enhancements. Every page works without this file,
// except that the order page then needs a manual reload to show a new status.
(function () {
  "use strict";

  // Confirm destructive buttons (forms marked data-confirm).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // After a failed submit, the first field in error gets the focus (and is scrolled to).
  var firstError = document.querySelector(
    ".has-error input, .has-error select, .has-error textarea"
  );
  if (firstError) {
    firstError.focus();
  }

  // Card numbers in groups of four as they are typed (the server ignores the spaces).
  var card = document.querySelector("input[name=card_number]");
  if (card) {
    card.addEventListener("input", function () {
      var digits = card.value.replace(/\D/g, "").slice(0, 19);
      var grouped = digits.replace(/(\d{4})(?=\d)/g, "$1 ");
      if (grouped !== card.value) {
        card.value = grouped;
      }
    });
  }

  // Phones: the catalogue's filters fold behind one button, so the books come first.
  var filters = document.querySelector("form.filters");
  if (filters && window.matchMedia("(max-width: 760px)").matches) {
    var toggle = document.createElement("button");
    toggle.type = "button";
    toggle.className = "btn btn-ghost filters-toggle";
    var label = function () {
      var open = !filters.classList.contains("filters-collapsed");
      toggle.textContent = open ? "Hide filters" : "Filters and sort";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    };
    toggle.addEventListener("click", function () {
      filters.classList.toggle("filters-collapsed");
      label();
    });
    filters.insertBefore(toggle, filters.firstChild);
    filters.classList.add("filters-collapsed");
    label();
  }

  // The live order timeline: poll a JSON endpoint and swap the live part of the page.
  var live = document.getElementById("order-live");
  if (!live || !live.dataset.pollUrl) {
    return;
  }
  var url = live.dataset.pollUrl;
  var every = parseInt(live.dataset.pollMs, 10) || 1500;
  var lastHtml = null;
  var failures = 0;

  function schedule(delay) {
    window.setTimeout(poll, delay);
  }

  function poll() {
    if (document.hidden) {
      return schedule(every);
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) {
          throw new Error("signed out");
        }
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (data.html !== lastHtml) {
          lastHtml = data.html;
          live.innerHTML = data.html;
          live.dataset.status = data.status;
        }
        if (!data.final) {
          schedule(every);
        }
      })
      .catch(function (error) {
        failures += 1;
        if (String(error.message) !== "signed out" && failures < 20) {
          schedule(Math.min(every * Math.pow(2, failures), 30000));
        }
      });
  }

  schedule(every);
})();
