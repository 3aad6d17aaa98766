// Registry forms: a search box in front of each <select data-search-url> (addresses, houses, persons,
// organisations are too many to list); typing fetches up to 20 matches from the user's visible records.
(function () {
  "use strict";

  function attach(select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "select-search";
    input.placeholder = select.getAttribute("data-search-placeholder") || "";
    input.setAttribute("aria-label", input.placeholder);
    select.parentNode.insertBefore(input, select);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = select.getAttribute("data-search-url") + "?q=" + encodeURIComponent(input.value);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.json(); })
          .then(function (data) {
            var keep = select.value;
            var chosen = select.options[select.selectedIndex];
            select.innerHTML = "";
            var blank = document.createElement("option");
            blank.value = "";
            blank.textContent = "——";
            select.appendChild(blank);
            if (keep && chosen) { select.appendChild(chosen); }
            data.results.forEach(function (row) {
              if (String(row.id) === keep) { return; }
              var opt = document.createElement("option");
              opt.value = row.id;
              opt.textContent = row.text;
              select.appendChild(opt);
            });
            select.value = keep;
            if (!keep && data.results.length === 1) { select.value = String(data.results[0].id); }
          });
      }, 300);
    });
  }

  // Person form: the inflow fields only matter for 流动人口 (kept visible when they carry an error).
  function toggleInflow(form) {
    var category = form.querySelector("select[name=category]");
    if (!category) { return; }
    var floating = category.value === "floating";
    ["inflow_date", "inflow_reason", "expected_departure"].forEach(function (name) {
      var box = form.querySelector("[data-field=" + name + "]");
      if (box) { box.classList.toggle("hidden", !floating && !box.classList.contains("has-error")); }
    });
  }

  function init() {
    document.querySelectorAll("select[data-search-url]").forEach(attach);
    document.querySelectorAll("form.record-form").forEach(function (form) {
      toggleInflow(form);
      form.addEventListener("change", function (event) {
        if (event.target.name === "category") { toggleInflow(form); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
