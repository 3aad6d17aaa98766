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

  // Person form: a valid 18-digit resident ID gives 出生日期 and 性别; fill them when blank and say so
  // when what is entered disagrees (the server checks the same in registry.rules and refuses it).
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";

  function idFacts(value) {
    var id = (value || "").trim().toUpperCase();
    if (!/^\d{17}[\dX]$/.test(id)) { return null; }
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += Number(id.charAt(i)) * WEIGHTS[i]; }
    if (CHECK.charAt(sum % 11) !== id.charAt(17)) { return null; }
    var y = id.substr(6, 4), m = id.substr(10, 2), d = id.substr(12, 2);
    var date = new Date(Number(y), Number(m) - 1, Number(d));
    if (date.getMonth() !== Number(m) - 1 || date.getDate() !== Number(d)) { return null; }
    return { birth: y + "-" + m + "-" + d, sex: Number(id.charAt(16)) % 2 ? "M" : "F" };
  }

  function fillFromId(form) {
    var idType = form.querySelector("select[name=id_type]");
    var idInput = form.querySelector("input[name=id_number]");
    var birth = form.querySelector("input[name=birth_date]");
    var sex = form.querySelector("select[name=sex]");
    if (!idInput || !birth || !sex || (idType && idType.value !== "id_card")) { return; }
    var facts = idFacts(idInput.value);
    var note = form.querySelector("[data-id-note]");
    if (!note) {
      note = document.createElement("p");
      note.className = "muted";
      note.setAttribute("data-id-note", "");
      note.setAttribute("role", "status");
      idInput.parentNode.appendChild(note);
    }
    note.textContent = "";
    if (!facts) { return; }
    if (!birth.value) { birth.value = facts.birth; }
    if (!sex.value) { sex.value = facts.sex; }
    var problems = [];
    if (birth.value !== facts.birth) { problems.push(form.getAttribute("data-msg-birth") + facts.birth); }
    if (sex.value !== facts.sex) { problems.push(form.getAttribute("data-msg-sex")); }
    note.textContent = problems.join(";");
    note.classList.toggle("field-error", problems.length > 0);
  }

  function init() {
    document.querySelectorAll("select[data-search-url]").forEach(attach);
    document.querySelectorAll("form.record-form").forEach(function (form) {
      toggleInflow(form);
      fillFromId(form);
      form.addEventListener("input", function (event) {
        if (["id_number", "birth_date"].indexOf(event.target.name) >= 0) { fillFromId(form); }
      });
      form.addEventListener("change", function (event) {
        if (["id_type", "sex", "birth_date"].indexOf(event.target.name) >= 0) { fillFromId(form); }
      });
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
