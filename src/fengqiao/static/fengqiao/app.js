// Fengqiao shell behaviour. No inline scripts anywhere (CSP): pages opt in with data- attributes.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-toggle=nav]");
    if (toggle) {
      var nav = document.getElementById("sidenav");
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    var confirmBtn = event.target.closest("[data-confirm]");
    if (confirmBtn && !window.confirm(confirmBtn.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // Submit a filter form when a select in it changes.
  document.addEventListener("change", function (event) {
    if (event.target.matches("form[data-autosubmit] select")) {
      event.target.form.requestSubmit();
    }
  });
})();
