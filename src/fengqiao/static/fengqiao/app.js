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
  // A form that failed shows its error next to it (.form-errors / [data-form-error]): bring the
  // first one into view, so a refusal is never a screen above the form that caused it.
  document.addEventListener("DOMContentLoaded", function () {
    var error = document.querySelector("[data-form-error], .form-errors, .field-error");
    if (error && error.scrollIntoView) {
      error.scrollIntoView({ block: "center" });
      var field = error.closest("section, form, details");
      if (field && field.tagName === "DETAILS") field.open = true;
    }
  });
  // Submit a filter form when a select in it changes.
  document.addEventListener("change", function (event) {
    if (event.target.matches("form[data-autosubmit] select")) {
      event.target.form.requestSubmit();
    }
  });
})();
