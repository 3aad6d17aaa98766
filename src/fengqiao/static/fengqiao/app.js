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
    var error = document.querySelector(
      "[data-form-error], .form-errors, .field-error, .messages[role=alert]"
    );
    if (error && error.scrollIntoView) {
      error.scrollIntoView({ block: "center" });
      var field = error.closest("section, form, details");
      if (field && field.tagName === "DETAILS") field.open = true;
    }
  });
  // Selects with search: a <select data-search="placeholder"> (or any with 20+ options) gets a
  // search box above it that hides the options not matching what is typed (name, pinyin initials in
  // the option's data-initials); the chosen option stays. No package: a plain <select> underneath.
  function enhanceSelect(select) {
    if (select.dataset.searchReady) return;
    select.dataset.searchReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-search";
    box.placeholder = select.dataset.search || document.body.dataset.selectSearch || "";
    box.setAttribute("aria-label", box.placeholder);
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      var firstShown = null;
      Array.prototype.forEach.call(select.options, function (opt) {
        var text = (opt.text + " " + (opt.dataset.initials || "")).toLowerCase();
        var show = !q || !opt.value || opt.selected || text.indexOf(q) !== -1;
        opt.hidden = !show;
        if (show && opt.value && !firstShown) firstShown = opt;
      });
      if (q && firstShown && !select.multiple && !select.value) firstShown.selected = true;
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault(); // Enter picks, it does not post the form
    });
    select.parentNode.insertBefore(box, select);
  }
  function enhanceSelects(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select"), function (select) {
      if (select.hasAttribute("data-search") || select.options.length >= 20) enhanceSelect(select);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhanceSelects(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhanceSelects(event.target); });
  // Submit a filter form when a select in it changes.
  document.addEventListener("change", function (event) {
    if (event.target.matches("form[data-autosubmit] select")) {
      event.target.form.requestSubmit();
    }
  });
})();
